/**
 * Inference split across threads, for the commands that run a model over thousands of examples
 * (evaluate, report, predict). The main thread computes the first share of a set's chunks and
 * Piscina workers the others, each writing its logits into one shared array. Shares are cut at
 * multiples of the model's evaluation chunk (evaluationChunk), so every chunk is computed exactly
 * as one thread computes it: the logits, and every figure derived from them, are bit-identical
 * whatever the thread count.
 *
 * Each share is one Piscina task. Training drives its workers through shared memory because a
 * task's round trip is long beside a training step; beside a share of an evaluation it is
 * nothing, so plain tasks do here.
 *
 * Start the pool first thing, before reading the checkpoint and the data: its workers start and
 * load the engine on the other cores meanwhile, which is most of what a pool costs.
 */
import { isShared, sharedArray } from '../engine/shared-memory.js';
import type { Sequential } from '../engine/model/sequential.js';
import { EVALUATION_CHUNK, evaluationFromLogits, logitsRange, type DataEvaluation } from '../train/evaluate-data.js';
import { evaluationChunk } from '../engine/model/evaluate.js';
import type { TrainingData } from '../train/training-data.js';
import { evenRange } from '../train/even-range.js';
import type { LayerSpec } from '../engine/layers/layer.js';
import type { KernelPath } from '../engine/kernels/kernel-set.js';
import { checkThreads } from './threads.js';
import { destroyWhenLoaded } from './worker-loaded.js';
import { workerModule } from './worker-files.js';
import { WorkerPool } from './worker-pool.js';

/** One worker's share: the logits of examples [start, end) of `data`, written into `out`. */
export interface InferenceTask {
  layers: LayerSpec[];
  /** A copy of the parameters: the model's own may live in a kernel memory the worker cannot share. */
  params: Float32Array;
  /** Likewise of its running statistics (batch normalisation's). */
  runningStats: Float32Array;
  sparseInput: boolean;
  kernels: KernelPath;
  /** In SharedArrayBuffers, so no example is copied. */
  data: TrainingData;
  /** Shared, count × classes. */
  out: Float32Array;
  start: number;
  end: number;
  chunk: number;
}

/** Whether every array of the data lies in a SharedArrayBuffer, where workers see it. */
function sharedData(data: TrainingData): boolean {
  const arrays = data.kind === 'dense' ? [data.x, data.labels] : [data.rowPtr, data.colIdx, data.values, data.labels];
  return arrays.every((a) => isShared(a.buffer));
}

export class InferencePool {
  private readonly pool: WorkerPool | undefined;

  /** `threads` threads in all, this one included; 1 starts no workers. */
  constructor(readonly threads: number) {
    checkThreads(threads);
    const workers = threads - 1;
    this.pool = workers > 0 ? new WorkerPool({ ...workerModule('inference-worker'), minThreads: workers, maxThreads: workers }) : undefined;
  }

  /**
   * How many threads share the data's logits: one per chunk at most, and only this one for a set
   * outside shared memory (the workers could not see it).
   */
  sharesOf(data: TrainingData, chunk = EVALUATION_CHUNK): number {
    return this.pool && sharedData(data) ? Math.max(1, Math.min(this.threads, Math.ceil(data.count / chunk))) : 1;
  }

  /** The logits (count × classes) of every example of the data, in order. */
  async logits(model: Sequential, data: TrainingData, chunk = evaluationChunk(model)): Promise<Float32Array> {
    const classes = model.outputSize;
    const chunks = Math.ceil(data.count / chunk);
    const shares = this.sharesOf(data, chunk);
    if (shares === 1) {
      const out = new Float32Array(data.count * classes);
      logitsRange(model, data, 0, data.count, out, chunk);
      return out;
    }
    const out = sharedArray(Float32Array, data.count * classes);
    const range = (s: number) => evenRange(chunks, shares, s).map((c) => Math.min(c * chunk, data.count));
    const base = { layers: model.spec(), params: model.params.slice(), runningStats: model.runningStats.slice(), sparseInput: model.sparseInput, kernels: model.kernels.path, data, out, chunk };
    const tasks: Promise<unknown>[] = [];
    for (let s = 1; s < shares; s++) {
      const [start, end] = range(s);
      tasks.push(this.pool!.run({ ...base, start, end } satisfies InferenceTask));
    }
    // This thread's share while the workers compute theirs.
    const [start, end] = range(0);
    logitsRange(model, data, start, end, out, chunk);
    await Promise.all(tasks);
    return out;
  }

  /** Mean loss, accuracy, predictions and labels of a labelled set: evaluateData's figures, split across the threads. */
  async evaluate(model: Sequential, data: TrainingData, chunk = evaluationChunk(model)): Promise<DataEvaluation> {
    return evaluationFromLogits(await this.logits(model, data, chunk), data.labels, data.count, model.outputSize, chunk);
  }

  /** Destroys the pool, once its workers have loaded their module (worker-loaded.ts says why), or after LOAD_WAIT_MS. */
  async close(): Promise<void> {
    if (this.pool) await destroyWhenLoaded(this.pool, this.threads - 1);
  }
}
