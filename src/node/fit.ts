/**
 * `fit`: training in one call, as Keras' and tfjs' `fit` do it. The thread pool is started and
 * closed inside, and the model is whole when the call returns. The result holds what `saveModel`
 * records, so that a model fitted on MNIST's training split continues exactly under
 * `mnist-ts train --resume`.
 */
import { optionError } from '../engine/errors.js';
import { kernelsFor, resolveKernelPath } from '../engine/kernels/kernel-select.js';
import type { KernelChoice } from '../engine/kernels/kernel-set.js';
import { formatLayers } from '../engine/layers/layers-text.js';
import type { Optimizer } from '../engine/optim/optimizers.js';
import type { Sequential } from '../engine/model/sequential.js';
import type { SamplerState } from '../data/batches.js';
import { DEFAULT_VALIDATION_SIZE, type Split } from '../data/dataset.js';
import { checkAugmentation, type Augmentation } from '../train/augment.js';
import { checkLabelSmoothing } from '../train/batch-gradient.js';
import type { TrainingConfig } from '../train/checkpoint.js';
import { asTrainingData, type TrainingData } from '../train/training-data.js';
import { train, type EpochInfo } from '../train/trainer.js';
import { WeightAverage } from '../train/weight-average.js';
import { createBackend } from './create-backend.js';
import { checkThreads } from './threads.js';

export interface FitOptions {
  epochs: number;
  optimizer: Optimizer;
  /** Examples per step (default 100, the tutorial's). */
  batchSize?: number;
  /** Seeds the batch order, dropout masks and shifts (default 0); the weights are the model's own. */
  seed?: number;
  /** Threads computing gradients (default: the cores); 1 trains in this thread. */
  threads?: number;
  /**
   * The kernels to train on: 'auto' (default: WebAssembly SIMD where it runs), 'simd' or 'js',
   * whatever kernels the model was built with; its weights are the trained ones at the end.
   */
  kernels?: KernelChoice;
  /** Scored after every epoch (EpochInfo.validationAccuracy). */
  validation?: Split | TrainingData;
  /** Seeded random shifts of the training images. */
  augment?: Augmentation;
  /** Label smoothing ε: the loss's target is (1 − ε)·one-hot + ε/classes (default 0). */
  labelSmoothing?: number;
  /**
   * The decay of an exponential moving average of the weights (e.g. 0.999): the average is what
   * the validation scores and what the model holds at the end (default: none).
   */
  ema?: number;
  onEpoch?: (info: EpochInfo) => void | Promise<void>;
  /** Aborting stops training before the next step; the unfinished epoch is dropped. */
  signal?: AbortSignal;
}

/** What a run leaves for a checkpoint: its settings, how far it got, its optimiser's state as it ended. */
export interface FitRecord {
  config: TrainingConfig;
  seed: number;
  epochsCompleted: number;
  sampler: SamplerState;
  optimizer: string;
  optimizerState: Record<string, Float32Array>;
}

export interface FitResult {
  /** One entry per finished epoch. */
  history: EpochInfo[];
  /** True when `signal` stopped training early. */
  stopped: boolean;
  /** For saveModel. */
  record: FitRecord;
}

/**
 * What a checkpoint records of a model from code: its architecture as layers text, and 'custom'
 * weights (initialised by the caller's code, not by one of train's --init). fit fills in its run;
 * saveModel without one keeps the rest empty.
 */
export function fromCode(model: Sequential, run: Omit<TrainingConfig, 'model' | 'layers' | 'init' | 'initStd' | 'kernels'>): TrainingConfig {
  return { model: 'layers', layers: formatLayers(model.spec()), init: 'custom', initStd: 1, kernels: model.kernels.path, ...run };
}

/** The settings `mnist-ts train` records, for a run from code; `data` says what it trained on. */
function runConfig(model: Sequential, o: FitOptions, batchSize: number, data: Split | TrainingData): TrainingConfig {
  const c = o.optimizer.config();
  // MNIST's training split starts after the validation images; anything else is the caller's own data.
  const mnistTrain = 'pixels' in data && data.name === 'train';
  return fromCode(model, {
    optimizer: c.name, lr: c.lr, momentum: c.momentum ?? 0.9, batchSize,
    validationSize: mnistTrain ? data.first : DEFAULT_VALIDATION_SIZE, epochs: o.epochs, weightDecay: c.weightDecay, schedule: c.schedule,
    beta1: c.beta1, beta2: c.beta2, eps: c.eps, augmentShift: o.augment?.shift ?? 0,
    ...(o.labelSmoothing ? { labelSmoothing: o.labelSmoothing } : {}), ...(o.ema ? { ema: o.ema } : {}), ...(mnistTrain ? {} : { ownData: true }),
  });
}

/** The options as given or defaulted, each checked before anything is allocated. */
function checkedOptions(o: FitOptions): { batchSize: number; seed: number; threads: number } {
  const batchSize = o.batchSize ?? 100;
  const seed = o.seed ?? 0;
  if (!(Number.isInteger(o.epochs) && o.epochs >= 0)) throw optionError('epochs', `${o.epochs}, expected a whole number >= 0`);
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw optionError('batchSize', `${batchSize}, expected a whole number > 0`);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) throw optionError('seed', `${seed}, expected a whole number from 0 to ${0xffffffff}`);
  if (o.labelSmoothing !== undefined) checkLabelSmoothing(o.labelSmoothing);
  return { batchSize, seed, threads: checkThreads(o.threads) };
}

/**
 * Trains `model` on `data` (a split of loadMnist(), or denseData/csrFromSplit rows) for
 * `options.epochs` epochs, on `options.threads` threads. Bad options throw an OptionError.
 */
export async function fit(model: Sequential, data: Split | TrainingData, options: FitOptions): Promise<FitResult> {
  const { batchSize, seed, threads } = checkedOptions(options);
  if (options.augment) checkAugmentation(options.augment, data.features);
  // Always a copy on kernels of its own: a SIMD kernel memory only grows, so the data and the
  // pool's buffers go into one that is dropped after the run, not into the model's.
  const trained = model.withKernels(kernelsFor(resolveKernelPath(options.kernels ?? 'auto')));
  const trainData = asTrainingData(data, model.outputSize, trained.kernels.allocator);
  const validation = options.validation ? asTrainingData(options.validation, model.outputSize, trained.kernels.allocator) : undefined;
  const average = options.ema ? WeightAverage.of(trained, options.ema) : undefined;
  const backend = createBackend(trained, trainData, options.optimizer, threads, batchSize, { seed, augment: options.augment, labelSmoothing: options.labelSmoothing, evaluation: validation ? [validation] : [] });
  try {
    const result = await train(trained, trainData, {
      epochs: options.epochs, batchSize, seed, optimizer: options.optimizer, backend, validation, average,
      onEpoch: options.onEpoch, shouldStop: options.signal ? () => options.signal!.aborted : undefined,
    });
    const optimizerState = Object.fromEntries(Object.entries(options.optimizer.state()).map(([k, v]) => [k, v.slice()]));
    if (average) Object.assign(optimizerState, average.checkpointState(trained.params.slice()));
    const record = { config: runConfig(trained, options, batchSize, data), seed, epochsCompleted: result.state.epochsDone, sampler: result.state.sampler, optimizer: options.optimizer.name, optimizerState };
    return { history: result.history, stopped: result.stopped, record };
  } finally {
    await backend.close();
    if (trained !== model) model.assign(trained);
    // With an average, it is the model (the trained weights are in record.optimizerState.trained).
    average?.averageInto(model.params);
  }
}
