/**
 * Web Workers as the training pool's host (src/train/pool/pool-backend.ts's PoolHost): the
 * training worker starts one Web Worker a pool thread (pool-worker.ts) and hands each its task.
 * They share the model's WebAssembly memory and the pool's control words, which a
 * cross-origin-isolated page may post to a worker; from there the pool runs as in Node.
 */
import type { PoolHost } from '../train/pool/pool-backend.js';
import type { WorkerResult, WorkerTask } from '../train/pool/task.js';
import { SCRIPT_MISSING } from './server-gone.js';

/** What a pool worker posts back when its task ends. */
export type FromPoolWorker = { type: 'done'; result: WorkerResult } | { type: 'failed'; message: string };

/** The most threads the page offers: beyond this a step's pieces are too small to gain. More than the cores is allowed, as `--threads` allows it. */
export const MOST_THREADS = 8;

/** The threads the page offers by default: the cores the browser reports, at most MOST_THREADS. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(MOST_THREADS, navigator.hardwareConcurrency || 1));
}

/** A host for a pool of `threads` threads: its threads - 1 workers start now, loading while the data arrives. */
export function webWorkerHost(threads: number): PoolHost {
  const workers = Array.from({ length: threads - 1 }, () => {
    const worker = new Worker(new URL('./pool-worker.js', import.meta.url), { type: 'module' });
    // Listened to from the start: a worker that cannot load fails before it is given its task.
    const ended = new Promise<WorkerResult>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<FromPoolWorker>) => (e.data.type === 'done' ? resolve(e.data.result) : reject(new Error(e.data.message)));
      worker.onerror = (e) => {
        // Handled here: not also reported to the page as the training worker's own error.
        e.preventDefault();
        // A worker whose script cannot be fetched fails with an event that has no message.
        reject(new Error(e.message || `a pool worker could not start: ${SCRIPT_MISSING}`));
      };
    });
    ended.catch(() => {}); // a failure before the task is posted is the task's, when run() hands it back
    return { worker, ended };
  });
  return {
    cores: navigator.hardwareConcurrency || 1,
    run(task: WorkerTask): Promise<WorkerResult> {
      const { worker, ended } = workers[task.thread - 1];
      worker.postMessage(task);
      return ended;
    },
    async destroy() {
      for (const { worker } of workers) worker.terminate();
    },
    yieldToEvents: () => new Promise((r) => setTimeout(r, 0)),
  };
}
