/** Picks the gradient backend for a thread count: 1 runs in-process with no pool. */
import { availableParallelism } from 'node:os';
import { OptionError } from '../engine/errors.js';
import type { Optimizer } from '../engine/optim.js';
import type { Sequential } from '../engine/sequential.js';
import { InProcessBackend, type GradientBackend } from '../train/backend.js';
import type { TrainingData } from '../train/data.js';
import type { InjectedFault } from '../train/protocol.js';
import type { StepNoise } from '../train/shard.js';
import { PoolBackend } from './pool-backend.js';

export function defaultThreads(): number {
  return availableParallelism();
}

export function createBackend(model: Sequential, data: TrainingData, optimizer: Optimizer, threads: number, maxBatch: number, fault?: InjectedFault, noise?: StepNoise): GradientBackend {
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) throw new OptionError(`--threads: ${threads}, expected a whole number from 1 to 256`);
  if (threads === 1) return new InProcessBackend(model, data, optimizer, noise);
  return new PoolBackend(model, data, optimizer, { threads, maxBatch, fault, noise });
}
