/**
 * `--threads N` of evaluate, report and predict: how many threads run the model over the images
 * (src/node/inference-pool.ts). Same default as train's: the cores available.
 */
import { availableParallelism } from 'node:os';
import { InferencePool } from '../node/inference-pool.js';
import { intFlag, numeric } from './options.js';

export interface ThreadsArgs {
  threads?: number;
}

export const threadsOption = numeric('threads running the model over the images (default: the cores available; 1 = this thread alone)');

/** The thread count the flag asks for. */
export function inferenceThreads(args: ThreadsArgs): number {
  return intFlag('threads', args.threads ?? availableParallelism(), 1, 256);
}

/**
 * Starts a pool of `threads` threads, runs `body` with it and closes it, whatever happens. Call
 * it before the slow reads: the workers start while the checkpoint and the data are read.
 */
export async function withInferencePool<T>(threads: number, body: (pool: InferencePool) => Promise<T>): Promise<T> {
  const pool = new InferencePool(threads);
  try {
    return await body(pool);
  } finally {
    await pool.close();
  }
}
