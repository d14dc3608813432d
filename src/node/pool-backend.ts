/**
 * Training on a Piscina pool: the portable pool (src/train/pool/pool-backend.ts) with Piscina as
 * its host. Piscina owns the workers; each runs one long task for the whole run
 * (workers/gradient-worker.ts).
 */
import { availableParallelism } from 'node:os';
import type { Optimizer } from '../engine/optim/optimizers.js';
import type { Sequential } from '../engine/model/sequential.js';
import type { TrainingData } from '../train/training-data.js';
import { PoolBackend as HostedPoolBackend, type PoolHost, type PoolOptions as HostedPoolOptions } from '../train/pool/pool-backend.js';
import type { WorkerResult, WorkerTask } from '../train/pool/task.js';
import { GradientWorkers } from './gradient-workers.js';

export { WorkerError } from '../train/pool/pool-backend.js';

export interface PoolOptions extends Omit<HostedPoolOptions, 'host'> {
  /** Workers started earlier for this backend, which it takes over; else it starts its own. */
  workers?: GradientWorkers;
}

/** The process's CPU time so far, all threads, in milliseconds. */
function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Piscina as the pool's host. Its workers are taken at the first task: after the pool has checked its buffers. */
export function piscinaHost(threads: number, started: GradientWorkers | undefined): PoolHost {
  let workers = started;
  let pool: ReturnType<GradientWorkers['take']> | undefined;
  return {
    cores: availableParallelism(),
    cpuMs: processCpuMs,
    run(task: WorkerTask) {
      workers ??= new GradientWorkers(threads);
      pool ??= workers.take(threads);
      return pool.run(task) as Promise<WorkerResult>;
    },
    async destroy() {
      await workers?.destroy();
    },
    yieldToEvents: () => new Promise((r) => setImmediate(r)),
  };
}

export class PoolBackend extends HostedPoolBackend {
  constructor(model: Sequential, data: TrainingData, optimizer: Optimizer, o: PoolOptions) {
    const { workers, ...rest } = o;
    super(model, data, optimizer, { ...rest, host: piscinaHost(o.threads, workers) });
  }
}
