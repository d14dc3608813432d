/**
 * Inference over many examples in fixed-size chunks, so memory stays flat for any data size.
 * One path for every caller: rows held in a Float32Array (here), or training data gathered chunk
 * by chunk (src/train/evaluate-data.ts) through the same `ChunkSource`.
 */
import type { CsrMatrix } from '../kernels/csr.js';
import { softmaxCrossEntropy, softmax } from './loss.js';
import { accuracy, argmax } from './metrics.js';
import type { Sequential } from './sequential.js';

export interface Evaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
}

/** The most examples an evaluation chunk holds. */
export const MAX_CHUNK = 1000;

/**
 * Floats of layer outputs a chunk may take (16 MB). The layers keep their output buffers at the
 * largest chunk they were given, in the kernel memory, which never gives anything back: chunks of
 * 1,000 examples of the CNN preset would hold more than three times that a thread.
 */
const CHUNK_FLOATS = 4 << 20;

/**
 * A convolutional model's chunk, whose activations then stay in a core's cache as training's
 * passes do (src/train/batch-gradient.ts, passSize). On the CNN preset, chunks of 64 evaluate faster than
 * the larger chunks the memory cap alone would choose, and smaller chunks gain nothing more.
 */
export const CONV_CHUNK = 64;

/**
 * Examples per chunk when `model` evaluates many: 1,000, fewer for a model whose layers' outputs
 * for one example are large, and at most CONV_CHUNK for a convolutional one. The logits do not
 * depend on it (every kernel computes an example alone); only the loss is summed chunk by chunk.
 */
export function evaluationChunk(model: Sequential): number {
  const perExample = model.inputSize + model.layers.reduce((s, l) => s + l.outputSize, 0);
  const most = model.layers.some((l) => l.type === 'conv2d') ? CONV_CHUNK : MAX_CHUNK;
  return Math.max(1, Math.min(most, Math.floor(CHUNK_FLOATS / perExample)));
}

/** Examples [start, end) as the model's input, with their labels when known. */
export type ChunkSource = (start: number, end: number) => { x: Float32Array | CsrMatrix; labels?: ArrayLike<number> };

/** Calls `fn(logits, labels, start, size)` for consecutive chunks of `count` examples. */
export function forEachChunk(model: Sequential, count: number, source: ChunkSource, chunk: number, fn: (logits: Float32Array, labels: ArrayLike<number> | undefined, start: number, size: number) => void): void {
  for (let start = 0; start < count; start += chunk) {
    const size = Math.min(chunk, count - start);
    const { x, labels } = source(start, start + size);
    fn(model.forward(x, size, false), labels, start, size);
  }
}

/** Mean loss, accuracy and predicted classes of `count` labelled examples. */
export function evaluateChunks(model: Sequential, count: number, source: ChunkSource, labelsOut: Int32Array, chunk = evaluationChunk(model)): Evaluation {
  const c = model.outputSize;
  const predictions = new Int32Array(count);
  let loss = 0;
  forEachChunk(model, count, source, chunk, (logits, labels, start, size) => {
    loss += softmaxCrossEntropy(logits, labels!, size, c);
    argmax(logits, size, c, predictions.subarray(start, start + size));
    for (let i = 0; i < size; i++) labelsOut[start + i] = labels![i];
  });
  return { loss: loss / Math.max(count, 1), accuracy: accuracy(predictions, labelsOut), predictions };
}

/** Class probabilities (count × classes) and, with `logitsOut`, the logits too. */
export function probabilitiesChunks(model: Sequential, count: number, source: ChunkSource, chunk = evaluationChunk(model), logitsOut?: Float32Array): Float32Array {
  const c = model.outputSize;
  const out = new Float32Array(count * c);
  forEachChunk(model, count, source, chunk, (logits, _labels, start, size) => {
    logitsOut?.set(logits.subarray(0, size * c), start * c);
    softmax(logits, size, c, out.subarray(start * c, (start + size) * c));
  });
  return out;
}

/** Rows start..end of x (count × model.inputSize), with labels start..end. */
function rowsOf(model: Sequential, x: Float32Array, labels?: ArrayLike<number>): ChunkSource {
  const f = model.inputSize;
  return (start, end) => ({ x: x.subarray(start * f, end * f), labels: labels && labelSlice(labels, start, end) });
}

/** labels[start .. end) as an indexable view (no copy for typed arrays). */
function labelSlice(labels: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  if (ArrayBuffer.isView(labels)) return (labels as unknown as Int32Array).subarray(start, end);
  return Array.prototype.slice.call(labels, start, end) as number[];
}

/** Class probabilities for `count` examples (count × classes). */
export function predictProbabilities(model: Sequential, x: Float32Array, count: number, chunk = evaluationChunk(model)): Float32Array {
  return probabilitiesChunks(model, count, rowsOf(model, x), chunk);
}

/** The predicted class of each of `count` examples. */
export function predictClasses(model: Sequential, x: Float32Array, count: number, chunk = evaluationChunk(model)): Int32Array {
  return argmax(predictProbabilities(model, x, count, chunk), count, model.outputSize);
}

/** Mean loss, accuracy and predicted classes. */
export function evaluate(model: Sequential, x: Float32Array, labels: ArrayLike<number>, count = labels.length, chunk = evaluationChunk(model)): Evaluation {
  return evaluateChunks(model, count, rowsOf(model, x, labels), new Int32Array(count), chunk);
}
