/** Evaluation over TrainingData (sparse or dense), in chunks, on the calling thread: the engine's evaluation path, fed by gathering. */
import { evaluateChunks, probabilitiesChunks, type ChunkSource } from '../engine/model/evaluate.js';
import type { Sequential } from '../engine/model/sequential.js';
import { BatchBuffers, gatherBatch, type TrainingData } from './training-data.js';

export interface DataEvaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
  labels: Int32Array;
}

/** Examples of the data in their stored order, gathered chunk by chunk into one set of buffers. */
function inOrder(data: TrainingData, model: Sequential): ChunkSource {
  const buf = new BatchBuffers(model.kernels);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  return (start, end) => {
    const x = gatherBatch(data, order, start, end, buf);
    return { x, labels: buf.labels };
  };
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
