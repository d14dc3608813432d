/** `evaluateModel`: a model's accuracy and loss on a labelled data set, on every core. */
import { OptionError } from '../engine/errors.js';
import type { KernelChoice } from '../engine/kernels/kernel-set.js';
import type { Sequential } from '../engine/model/sequential.js';
import type { Split } from '../data/dataset.js';
import type { DataEvaluation } from '../train/evaluate-data.js';
import { asTrainingData, type TrainingData } from '../train/training-data.js';
import { checkThreads } from './threads.js';
import { InferencePool } from './inference-pool.js';
import { onKernels } from './kernel-choice.js';

export interface EvaluateModelOptions {
  /** Threads running the model (default: the cores); the figures are the same, to the bit, on any count. */
  threads?: number;
  /** The kernels to compute with: 'auto' (default: SIMD where it runs), 'simd' or 'js', as fit's. */
  kernels?: KernelChoice;
}

/**
 * Mean loss, accuracy, and each example's prediction and label, for a split of loadMnist() or
 * training data. What `mnist-ts evaluate` prints for the same model and split.
 */
export async function evaluateModel(model: Sequential, data: Split | TrainingData, options: EvaluateModelOptions = {}): Promise<DataEvaluation> {
  const threads = checkThreads(options.threads);
  if (data.features !== model.inputSize) throw new OptionError(`model takes ${model.inputSize} inputs, but the data has ${data.features} per example`);
  // In shared memory (asTrainingData's default), where the pool's workers read it too.
  const rows = asTrainingData(data, model.outputSize);
  const onChosen = onKernels(model, options.kernels);
  const pool = new InferencePool(threads);
  try {
    return await pool.evaluate(onChosen, rows);
  } finally {
    await pool.close();
  }
}
