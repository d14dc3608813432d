/** Inference over many examples in fixed-size chunks, so memory stays flat for any data size. */
import { softmaxCrossEntropy, softmax } from './loss.js';
import { accuracy, argmax } from './metrics.js';
import type { Sequential } from './sequential.js';

export interface Evaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
}

/** labels[start .. start+size) as an indexable view (no copy for typed arrays). */
function labelsFrom(labels: ArrayLike<number>, start: number, size: number): ArrayLike<number> {
  if (ArrayBuffer.isView(labels)) return (labels as unknown as Int32Array).subarray(start, start + size);
  return Array.prototype.slice.call(labels, start, start + size) as number[];
}

/** Calls `fn(logits, start, size)` for consecutive chunks of `count` examples. */
function inChunks(model: Sequential, x: Float32Array, count: number, chunk: number, fn: (logits: Float32Array, start: number, size: number) => void): void {
  const f = model.inputSize;
  for (let start = 0; start < count; start += chunk) {
    const size = Math.min(chunk, count - start);
    fn(model.forward(x.subarray(start * f, (start + size) * f), size, false), start, size);
  }
}

/** Class probabilities for `count` examples (count × classes). */
export function predictProbabilities(model: Sequential, x: Float32Array, count: number, chunk = 1000): Float32Array {
  const c = model.outputSize;
  const out = new Float32Array(count * c);
  inChunks(model, x, count, chunk, (logits, start, size) => softmax(logits, size, c, out.subarray(start * c, (start + size) * c)));
  return out;
}

/** Mean loss, accuracy and predicted classes. */
export function evaluate(model: Sequential, x: Float32Array, labels: ArrayLike<number>, count = labels.length, chunk = 1000): Evaluation {
  const c = model.outputSize;
  const predictions = new Int32Array(count);
  let loss = 0;
  inChunks(model, x, count, chunk, (logits, start, size) => {
    loss += softmaxCrossEntropy(logits, labelsFrom(labels, start, size), size, c);
    argmax(logits, size, c, predictions.subarray(start, start + size));
  });
  return { loss: loss / Math.max(count, 1), accuracy: accuracy(predictions, labels), predictions };
}
