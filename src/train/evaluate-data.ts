/** Evaluation over TrainingData (sparse or dense), in chunks, on the calling thread. */
import { softmax, softmaxCrossEntropy } from '../engine/loss.js';
import { accuracy, argmax } from '../engine/metrics.js';
import type { Sequential } from '../engine/sequential.js';
import { BatchBuffers, gatherBatch, type TrainingData } from './data.js';

export interface DataEvaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
  labels: Int32Array;
}

export function evaluateData(model: Sequential, data: TrainingData, chunk = 1000): DataEvaluation {
  const buf = new BatchBuffers();
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  const predictions = new Int32Array(data.count);
  const labels = new Int32Array(data.count);
  let loss = 0;
  for (let start = 0; start < data.count; start += chunk) {
    const end = Math.min(start + chunk, data.count);
    const x = gatherBatch(data, order, start, end, buf);
    const logits = model.forward(x, end - start, false);
    loss += softmaxCrossEntropy(logits, buf.labels, end - start, model.outputSize);
    argmax(logits, end - start, model.outputSize, predictions.subarray(start, end));
    labels.set(buf.labels.subarray(0, end - start), start);
  }
  return { loss: loss / Math.max(1, data.count), accuracy: accuracy(predictions, labels), predictions, labels };
}

/** Class probabilities (count × classes) for every example of the data, in order. */
export function probabilitiesData(model: Sequential, data: TrainingData, chunk = 1000): Float32Array {
  const buf = new BatchBuffers();
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  const c = model.outputSize;
  const out = new Float32Array(data.count * c);
  for (let start = 0; start < data.count; start += chunk) {
    const end = Math.min(start + chunk, data.count);
    const logits = model.forward(gatherBatch(data, order, start, end, buf), end - start, false);
    softmax(logits, end - start, c, out.subarray(start * c, end * c));
  }
  return out;
}
