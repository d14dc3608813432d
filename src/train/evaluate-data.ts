/** Evaluation over TrainingData (sparse or dense), in chunks, on the calling thread: the engine's evaluation path, fed by gathering. */
import { evaluationChunk, forEachChunk, MAX_CHUNK, type ChunkSource } from '../engine/model/evaluate.js';
import { softmaxCrossEntropy } from '../engine/model/loss.js';
import { accuracy, argmax } from '../engine/model/metrics.js';
import type { Sequential } from '../engine/model/sequential.js';
import { BatchBuffers, gatherBatch, type TrainingData } from './training-data.js';

/**
 * The most examples an evaluation chunk holds; a model's own chunk is `evaluationChunk(model)`.
 * Chunks keep memory flat for any set, and a pool cuts a set only at multiples of the model's
 * chunk, so that every chunk is computed exactly as one thread computes it.
 */
export const EVALUATION_CHUNK = MAX_CHUNK;

export interface DataEvaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
  labels: Int32Array;
}

/** Correct predictions and summed loss over some examples: what threads that share a set add up. */
export interface PartialEvaluation {
  correct: number;
  lossSum: number;
}

/**
 * Each model's evaluation buffers on this thread, kept for its next evaluation. They come from
 * the kernels' allocator, and the SIMD kernels' memory is an arena that never gives anything
 * back: a new set for every evaluation would grow the kernel memory every epoch.
 */
const evaluationBuffers = new WeakMap<Sequential, { buf: BatchBuffers; indices: Int32Array }>();

/** Examples of the data in their stored order from `first` on, gathered chunk by chunk into the model's evaluation buffers. */
function inOrder(data: TrainingData, model: Sequential, first = 0): ChunkSource {
  let mine = evaluationBuffers.get(model);
  if (!mine) evaluationBuffers.set(model, (mine = { buf: new BatchBuffers(model.kernels), indices: new Int32Array(0) }));
  const own = mine;
  return (start, end) => {
    const size = end - start;
    // The chunk's example indices, in the allocator too (the SIMD gather reads them there).
    if (own.indices.length < size) own.indices = model.kernels.allocator.i32(size);
    for (let i = 0; i < size; i++) own.indices[i] = first + start + i;
    const x = gatherBatch(data, own.indices, 0, size, own.buf);
    return { x, labels: own.buf.labels };
  };
}

/**
 * Examples [start, end) of the data: how many the model classifies right, and their summed
 * loss. A pool thread evaluates its share of a set with this; the shares add up to the set's.
 */
export function evaluateRange(model: Sequential, data: TrainingData, start: number, end: number, chunk = evaluationChunk(model)): PartialEvaluation {
  const c = model.outputSize;
  const predicted = new Int32Array(Math.min(chunk, Math.max(end - start, 0)));
  let correct = 0;
  let lossSum = 0;
  forEachChunk(model, Math.max(end - start, 0), inOrder(data, model, start), chunk, (logits, labels, _first, size) => {
    lossSum += softmaxCrossEntropy(logits, labels!, size, c);
    argmax(logits, size, c, predicted);
    for (let i = 0; i < size; i++) correct += +(predicted[i] === labels![i]);
  });
  return { correct, lossSum };
}

/**
 * The logits of examples [start, end) of the data, chunk by chunk from `start`, into `out`
 * (count × classes for the whole set: example i's row starts at i·classes).
 */
export function logitsRange(model: Sequential, data: TrainingData, start: number, end: number, out: Float32Array, chunk = evaluationChunk(model)): void {
  const c = model.outputSize;
  forEachChunk(model, Math.max(end - start, 0), inOrder(data, model, start), chunk, (logits, _labels, first, size) => {
    out.set(logits.subarray(0, size * c), (start + first) * c);
  });
}

/** The logits (count × classes) of every example of the data, in order, on this thread. */
export function logitsData(model: Sequential, data: TrainingData, chunk = evaluationChunk(model)): Float32Array {
  const out = new Float32Array(data.count * model.outputSize);
  logitsRange(model, data, 0, data.count, out, chunk);
  return out;
}

/**
 * Mean loss, accuracy and predicted classes from a set's logits. The loss is summed chunk by
 * chunk, in order, so it does not depend on how many threads computed the logits.
 */
export function evaluationFromLogits(logits: Float32Array, labels: ArrayLike<number>, count: number, classes: number, chunk: number): DataEvaluation {
  const labelsOut = Int32Array.from({ length: count }, (_, i) => labels[i]);
  const predictions = argmax(logits, count, classes);
  let loss = 0;
  for (let start = 0; start < count; start += chunk) {
    const size = Math.min(chunk, count - start);
    loss += softmaxCrossEntropy(logits.subarray(start * classes, (start + size) * classes), labelsOut.subarray(start, start + size), size, classes);
  }
  return { loss: loss / Math.max(count, 1), accuracy: accuracy(predictions, labelsOut), predictions, labels: labelsOut };
}

/** Mean loss, accuracy, predictions and labels of the whole data set, on this thread. */
export function evaluateData(model: Sequential, data: TrainingData, chunk = evaluationChunk(model)): DataEvaluation {
  return evaluationFromLogits(logitsData(model, data, chunk), data.labels, data.count, model.outputSize, chunk);
}
