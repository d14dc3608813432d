/**
 * The gradient backend for a thread count, wherever JavaScript runs: 1 thread in-process, more on
 * a pool whose workers `host` drives (Piscina in Node: src/node/create-backend.ts; Web Workers in
 * the page: src/web/train-worker.ts). Both check the step settings (label smoothing, shifts) the same
 * way.
 */
import type { Optimizer } from '../engine/optim/optimizers.js';
import type { Sequential } from '../engine/model/sequential.js';
import { InProcessBackend, type GradientBackend } from './gradient-backend.js';
import type { TrainingData } from './training-data.js';
import { checkLabelSmoothing, type StepSettings } from './batch-gradient.js';
import { checkAugmentation } from './augment.js';
import { PoolBackend, type PoolHost, type PoolOptions } from './pool/pool-backend.js';

export interface BackendChoice extends Partial<StepSettings>, Pick<PoolOptions, 'evaluation' | 'testFault' | 'adaptSpin'> {
  threads: number;
  /** The largest batch a step is given. */
  maxBatch: number;
  /** What starts and drives the pool's workers; called only for more than 1 thread. */
  host: () => PoolHost;
}

export function chooseBackend(model: Sequential, data: TrainingData, optimizer: Optimizer, o: BackendChoice): GradientBackend {
  if (o.labelSmoothing !== undefined) checkLabelSmoothing(o.labelSmoothing);
  if (o.augment) checkAugmentation(o.augment, data.features);
  const stepSettings: StepSettings = { seed: o.seed ?? 0, augment: o.augment, labelSmoothing: o.labelSmoothing };
  if (o.threads === 1) return new InProcessBackend(model, data, optimizer, stepSettings);
  return new PoolBackend(model, data, optimizer, { threads: o.threads, maxBatch: o.maxBatch, stepSettings, evaluation: o.evaluation, testFault: o.testFault, adaptSpin: o.adaptSpin, host: o.host() });
}
