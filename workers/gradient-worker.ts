/**
 * A training pool's worker under Piscina: one task a training run, which runWorker
 * (src/train/pool/worker-loop.ts) drives through shared memory until the main thread says stop.
 */
import { runWorker } from '../src/train/pool/worker-loop.js';
import type { WorkerResult, WorkerTask } from '../src/train/pool/task.js';

export default function gradientWorker(task: WorkerTask | null): WorkerResult {
  // The no-op task: the pool only asks whether this module has loaded (src/node/worker-loaded.ts).
  if (task === null) return { steps: 0 };
  return runWorker(task, () => process.exit(3));
}
