/**
 * `--threads N` of evaluate, report and predict: how many threads run the model over the images
 * (src/node/inference-pool.ts). Same default as train's: the cores available.
 */
import { availableParallelism } from 'node:os';
import { InferencePool } from '../node/inference-pool.js';
import { intFlag, numeric, plural } from './options.js';
import type { Print } from './output.js';

export interface ThreadsArgs {
  threads?: number;
}

export const threadsOption = numeric('threads running the model over the images (default: the cores available; 1 = this thread alone)');

/** The thread count the flag asks for; more than the cores gets a note, as in train. */
export function inferenceThreads(args: ThreadsArgs, note: Print): number {
  const threads = intFlag('threads', args.threads ?? availableParallelism(), 1, 256);
  if (threads > availableParallelism()) note(`--threads ${threads} on a machine with ${plural(availableParallelism(), 'core')}: the extra threads take turns on the cores (slower; the same results as on one thread)`);
  return threads;
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
