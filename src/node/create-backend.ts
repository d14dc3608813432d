/** Picks the gradient backend for a thread count: 1 runs in-process with no pool. */
import type { Optimizer } from '../engine/optim/optimizers.js';
import type { Sequential } from '../engine/model/sequential.js';
import type { GradientBackend } from '../train/gradient-backend.js';
import type { TrainingData } from '../train/training-data.js';
import type { InjectedFault } from '../train/pool/task.js';
import type { StepSettings } from '../train/batch-gradient.js';
import { chooseBackend } from '../train/choose-backend.js';
import { piscinaHost } from './pool-backend.js';
import { GradientWorkers } from './gradient-workers.js';
import { checkThreads } from './threads.js';

export interface BackendOptions extends Partial<StepSettings> {
  /** For tests only: make a pool worker throw or exit at a step. */
  testFault?: InjectedFault;
  /** Data sets the backend will be asked to evaluate (a pool splits them across its threads). */
  evaluation?: TrainingData[];
  /** Pool workers started ahead (startGradientWorkers), for a pool of the same thread count. */
  workers?: GradientWorkers;
  /** false: pool threads keep spinning while other processes take the cores (PoolOptions.adaptSpin; for benchmarks). */
  adaptSpin?: boolean;
}

/**
 * Workers for a pool of `threads` threads, started now so that they load the engine while the
 * data is read (none for 1 thread). Pass them to createBackend; see GradientWorkers.
 */
export function startGradientWorkers(threads: number): GradientWorkers | undefined {
  return threads > 1 ? new GradientWorkers(threads) : undefined;
}

/**
 * `threads` threads computing gradients for batches of up to `maxBatch` examples. `seed` and
 * `augment` drive dropout masks and shifts (default: seed 0, no shifts); `labelSmoothing` smooths
 * the loss's targets (default 0).
 */
export function createBackend(model: Sequential, data: TrainingData, optimizer: Optimizer, threads: number, maxBatch: number, options: BackendOptions = {}): GradientBackend {
  checkThreads(threads);
  const { workers, ...choice } = options;
  return chooseBackend(model, data, optimizer, { ...choice, threads, maxBatch, host: () => piscinaHost(threads, workers) });
}
