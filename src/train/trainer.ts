/**
 * The training loop: the tutorial's, usable from code. Batches follow next_batch (a seeded shuffle
 * every epoch; a batch that runs past the end of the data is completed from the next epoch's
 * order), an epoch is floor(count / batchSize) steps as in the tutorial's `total_batch`, and the
 * cost of an epoch is the mean of its batches' mean losses.
 */
import { OptionError, optionError } from '../engine/errors.js';
import type { Optimizer } from '../engine/optim/optimizers.js';
import type { Sequential } from '../engine/model/sequential.js';
import { BatchSampler, type SamplerState } from '../data/batches.js';
import { InProcessBackend, type GradientBackend } from './gradient-backend.js';
import type { TrainingData } from './training-data.js';
import { checkAugmentation, type Augmentation } from './augment.js';
import { checkLabelSmoothing } from './batch-gradient.js';
import type { WeightAverage } from './weight-average.js';

export interface StepInfo {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
}

export interface EpochInfo {
  /** 1-based. */
  epoch: number;
  cost: number;
  validationAccuracy?: number;
  /** Wall time of the epoch's training steps (evaluation excluded). */
  seconds: number;
  samplesPerSecond: number;
}

export interface TrainState {
  epochsDone: number;
  sampler: SamplerState;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer: Optimizer;
  /** Default: in-process (one thread). A backend is made with the same optimizer. */
  backend?: GradientBackend;
  /** Augmentation for the default backend; refused with `backend`, which has its own (createBackend's options). */
  augment?: Augmentation;
  /** Label smoothing ε for the default backend; refused with `backend`, as `augment` is. */
  labelSmoothing?: number;
  validation?: TrainingData;
  /** An average of the weights to move after every step, which the validation then scores (weight-average.ts). */
  average?: WeightAverage;
  /** Continue from a saved state (epochs done and batch order position). */
  resume?: TrainState;
  onStep?: (info: StepInfo) => void;
  onEpoch?: (info: EpochInfo, state: TrainState) => void | Promise<void>;
  /** Checked before every step; true stops training at once (the unfinished epoch is dropped). */
  shouldStop?: () => boolean;
}

export interface TrainResult {
  history: EpochInfo[];
  state: TrainState;
  /** True when shouldStop ended training early. */
  stopped: boolean;
}

const YIELD_MS = 100;

/**
 * Lets pending events run: setImmediate where there is one (a setTimeout(0) waits at least a
 * millisecond, a noticeable share of a fast epoch), else setTimeout.
 */
const setImmediateHere = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
const yieldToEvents = (): Promise<void> => new Promise((r) => (setImmediateHere ? setImmediateHere(r) : setTimeout(r, 0)));

/** The model's score on a data set, on the backend: of the average of its weights when there is one. */
export function scoreOnBackend(model: Sequential, backend: GradientBackend, data: TrainingData, average?: WeightAverage): Promise<{ accuracy: number; loss: number }> {
  if (!average) return backend.evaluate(data);
  return average.withAverage(model, () => backend.evaluate(data), () => backend.paramsWritten?.());
}

export function stepsPerEpoch(count: number, batchSize: number): number {
  return Math.max(1, Math.floor(count / batchSize));
}

export async function train(model: Sequential, data: TrainingData, o: TrainOptions): Promise<TrainResult> {
  if (!(Number.isInteger(o.batchSize) && o.batchSize > 0)) throw optionError('batchSize', `${o.batchSize}, expected a whole number > 0`);
  if (o.batchSize > data.count) throw optionError('batchSize', `${o.batchSize}, expected at most the ${data.count} training examples`);
  if (!(Number.isInteger(o.epochs) && o.epochs >= 0)) throw optionError('epochs', `${o.epochs}, expected a whole number >= 0`);
  if (data.features !== model.inputSize) throw new OptionError(`model takes ${model.inputSize} inputs, but the data has ${data.features} per example`);
  if (o.backend && o.backend.optimizer !== o.optimizer) throw new OptionError('train: the backend was made with another optimizer than options.optimizer');
  if (o.augment) checkAugmentation(o.augment, data.features);
  if (o.labelSmoothing !== undefined) checkLabelSmoothing(o.labelSmoothing);
  if (o.backend && (o.labelSmoothing !== undefined || o.augment)) throw new OptionError('train: labelSmoothing and augment are the default backend\'s; a backend given in options.backend has its own (createBackend\'s options)');
  const backend = o.backend ?? new InProcessBackend(model, data, o.optimizer, { seed: o.seed, augment: o.augment, labelSmoothing: o.labelSmoothing });
  const steps = stepsPerEpoch(data.count, o.batchSize);
  const sampler = new BatchSampler(data.count, o.seed, o.batchSize, o.resume?.sampler);
  const history: EpochInfo[] = [];
  let epochsDone = o.resume?.epochsDone ?? 0;
  let stopped = false;
  let lastYield = performance.now();
  try {
    while (epochsDone < o.epochs) {
      const t0 = performance.now();
      let cost = 0;
      for (let s = 0; s < steps; s++) {
        if (o.shouldStop?.()) {
          stopped = true;
          break;
        }
        // Let the event loop run now and then (about every 100 ms), so that signal handlers (Ctrl-C)
        // and worker-failure reports are heard during a long epoch.
        if (performance.now() - lastYield > YIELD_MS) {
          await yieldToEvents();
          lastYield = performance.now();
        }
        const indices = sampler.next(o.batchSize);
        const t = epochsDone * steps + s + 1;
        const loss = (await backend.step(indices, o.batchSize, t)) / o.batchSize;
        if (o.average) {
          // The model as the step left it (a pool may keep part of it in its threads).
          await backend.sync?.();
          o.average.update(model.params);
        }
        cost += loss / steps;
        o.onStep?.({ epoch: epochsDone + 1, step: s + 1, stepsPerEpoch: steps, loss });
      }
      // The model as the steps left it, before anything reads it (a pool may keep part of it in its threads).
      await backend.sync?.();
      if (stopped) break;
      const seconds = (performance.now() - t0) / 1000;
      epochsDone++;
      const info: EpochInfo = { epoch: epochsDone, cost, seconds, samplesPerSecond: (steps * o.batchSize) / seconds };
      // On the backend: a pool given the validation set splits it across its threads.
      if (o.validation && o.validation.count > 0) info.validationAccuracy = (await scoreOnBackend(model, backend, o.validation, o.average)).accuracy;
      history.push(info);
      await o.onEpoch?.(info, { epochsDone, sampler: sampler.getState() });
    }
  } finally {
    if (!o.backend) await backend.close();
  }
  return { history, state: { epochsDone, sampler: sampler.getState() }, stopped };
}
