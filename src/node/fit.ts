/**
 * `fit`: training in one call, as Keras' and tfjs' `fit` do it. The thread pool is started and
 * closed inside, and the model is whole when the call returns. The result holds what `saveModel`
 * records, so that the saved model continues exactly under `mnist-ts train --resume`.
 */
import { optionError } from '../engine/errors.js';
import { formatLayers } from '../engine/layers/layers-text.js';
import type { Optimizer } from '../engine/optim/optimizers.js';
import type { Sequential } from '../engine/model/sequential.js';
import type { SamplerState } from '../data/batches.js';
import type { Split } from '../data/dataset.js';
import type { Augmentation } from '../train/augment.js';
import type { TrainingConfig } from '../train/checkpoint.js';
import { asTrainingData, type TrainingData } from '../train/training-data.js';
import { train, type EpochInfo } from '../train/trainer.js';
import { createBackend, defaultThreads } from './create-backend.js';
import { onKernels } from './kernel-choice.js';

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
  kernels?: string;
  /** Scored after every epoch (EpochInfo.validationAccuracy). */
  validation?: Split | TrainingData;
  /** Seeded random shifts of the training images. */
  augment?: Augmentation;
  onEpoch?: (info: EpochInfo) => void | Promise<void>;
  /** Aborting stops training before the next step; the unfinished epoch is dropped. */
  signal?: AbortSignal;
}

/** What a run leaves for a checkpoint: its settings, how far it got, and its optimiser's state. */
export interface FitRecord {
  config: TrainingConfig;
  seed: number;
  epochsCompleted: number;
  sampler: SamplerState;
  optimizer: Optimizer;
}

export interface FitResult {
  /** One entry per finished epoch. */
  history: EpochInfo[];
  /** True when `signal` stopped training early. */
  stopped: boolean;
  /** For saveModel. */
  record: FitRecord;
}

/** The settings `mnist-ts train` records, for a run from code. */
function runConfig(model: Sequential, o: FitOptions, batchSize: number, validationCount: number): TrainingConfig {
  const c = o.optimizer.config();
  return {
    // 'custom': the weights were initialised by the caller's code, not by one of train's --init.
    model: 'layers', layers: formatLayers(model.spec()), optimizer: c.name, lr: c.lr, momentum: c.momentum ?? 0.9, batchSize, init: 'custom', initStd: 1,
    validationSize: validationCount, epochs: o.epochs, weightDecay: c.weightDecay, schedule: c.schedule,
    beta1: c.beta1, beta2: c.beta2, eps: c.eps, augmentShift: o.augment?.shift ?? 0, kernels: model.kernels.path,
  };
}

/**
 * Trains `model` on `data` (a split of loadMnist(), or denseData/csrFromSplit rows) for
 * `options.epochs` epochs, on `options.threads` threads. Bad options throw an OptionError.
 */
export async function fit(model: Sequential, data: Split | TrainingData, options: FitOptions): Promise<FitResult> {
  const batchSize = options.batchSize ?? 100;
  const seed = options.seed ?? 0;
  const threads = options.threads ?? defaultThreads();
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) throw optionError('seed', `${seed}, expected a whole number from 0 to ${0xffffffff}`);
  const trained = onKernels(model, options.kernels);
  // In the kernels' memory: the SIMD gather reads the rows where they are.
  const trainData = asTrainingData(data, model.outputSize, trained.kernels.allocator);
  const validation = options.validation ? asTrainingData(options.validation, model.outputSize, trained.kernels.allocator) : undefined;
  if (!(Number.isInteger(batchSize) && batchSize > 0 && batchSize <= trainData.count)) {
    throw optionError('batchSize', `${batchSize}, expected a whole number from 1 to the ${trainData.count} training examples`);
  }
  const backend = createBackend(trained, trainData, options.optimizer, threads, batchSize, { seed, augment: options.augment, evaluation: validation ? [validation] : [] });
  try {
    const result = await train(trained, trainData, {
      epochs: options.epochs, batchSize, seed, optimizer: options.optimizer, backend, validation, augment: options.augment,
      onEpoch: options.onEpoch, shouldStop: options.signal ? () => options.signal!.aborted : undefined,
    });
    const config = runConfig(trained, options, batchSize, validation?.count ?? 0);
    return { history: result.history, stopped: result.stopped, record: { config, seed, epochsCompleted: result.state.epochsDone, sampler: result.state.sampler, optimizer: options.optimizer } };
  } finally {
    await backend.close();
    if (trained !== model) model.params.set(trained.params);
  }
}
