/** Evaluation over TrainingData (sparse or dense), in chunks, on the calling thread: the engine's evaluation path, fed by gathering. */
import { evaluateChunks, forEachChunk, probabilitiesChunks, type ChunkSource } from '../engine/model/evaluate.js';
import { softmaxCrossEntropy } from '../engine/model/loss.js';
import { argmax } from '../engine/model/metrics.js';
import type { Sequential } from '../engine/model/sequential.js';
import { BatchBuffers, gatherBatch, type TrainingData } from './training-data.js';

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

/** Examples of the data in their stored order from `first` on, gathered chunk by chunk into one set of buffers. */
function inOrder(data: TrainingData, model: Sequential, first = 0): ChunkSource {
  const buf = new BatchBuffers(model.kernels);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  return (start, end) => {
    const x = gatherBatch(data, order, first + start, first + end, buf);
    return { x, labels: buf.labels };
  };
}

/**
 * Examples [start, end) of the data: how many the model classifies right, and their summed
 * loss. A pool thread evaluates its share of a set with this; the shares add up to the set's.
 */
export function evaluateRange(model: Sequential, data: TrainingData, start: number, end: number, chunk = 1000): PartialEvaluation {
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

export function evaluateData(model: Sequential, data: TrainingData, chunk = 1000): DataEvaluation {
  const labels = new Int32Array(data.count);
  const ev = evaluateChunks(model, data.count, inOrder(data, model), labels, chunk);
  return { ...ev, labels };
}

/** Class probabilities (count × classes) for every example of the data, in order; the logits too, into `logitsOut`. */
export function probabilitiesData(model: Sequential, data: TrainingData, chunk = 1000, logitsOut?: Float32Array): Float32Array {
  return probabilitiesChunks(model, data.count, inOrder(data, model), chunk, logitsOut);
}
