/**
 * A training pool's worker in the page: a Web Worker that the training worker starts
 * (web-pool-host.ts) and hands one task a training run, which runWorker
 * (src/train/pool/worker-loop.ts) drives through shared memory until told to stop, as a Piscina
 * worker does in Node.
 */
import { runWorker } from '../train/pool/worker-loop.js';
import type { WorkerTask } from '../train/pool/task.js';
import type { FromPoolWorker } from './web-pool-host.js';

const scope = self as unknown as { postMessage(message: FromPoolWorker): void; onmessage: ((e: MessageEvent<WorkerTask>) => void) | null; close(): void };

scope.onmessage = (e) => {
  try {
    const result = runWorker(e.data, () => {
      scope.close();
      throw new Error('the worker ended');
    });
    scope.postMessage({ type: 'done', result });
  } catch (error) {
    scope.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
};
