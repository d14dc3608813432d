/** `evaluateModel`: a model's accuracy and loss on a labelled data set, on every core. */
import { OptionError } from '../engine/errors.js';
import type { KernelChoice } from '../engine/kernels/kernel-set.js';
import { evaluationChunk } from '../engine/model/evaluate.js';
import type { Sequential } from '../engine/model/sequential.js';
import type { Split } from '../data/dataset.js';
import { evaluationFromLogits, type DataEvaluation } from '../train/evaluate-data.js';
import { averagedLogProbabilities, shiftedSplit, TTA_SHIFTS } from '../train/test-time-augmentation.js';
import { asTrainingData, type TrainingData } from '../train/training-data.js';
import { checkThreads } from './threads.js';
import { InferencePool } from './inference-pool.js';
import { onKernels } from './kernel-choice.js';

export interface EvaluateModelOptions {
  /** Threads running the model (default: the cores); the figures are the same, to the bit, on any count. */
  threads?: number;
  /** The kernels to compute with: 'auto' (default: SIMD where it runs), 'simd' or 'js', as fit's. */
  kernels?: KernelChoice;
  /** Test-time augmentation: average each image's probabilities with its four one-pixel shifts' (a split's images only). */
  tta?: boolean;
}

/**
 * A split's evaluation with test-time augmentation, on `pool`: each view of the images is scored
 * as a set of its own, and the views' probabilities are averaged.
 */
export async function evaluateViews(pool: InferencePool, model: Sequential, split: Split): Promise<DataEvaluation> {
  const views: Float32Array[] = [];
  for (const [dx, dy] of TTA_SHIFTS) views.push(await pool.logits(model, asTrainingData(shiftedSplit(split, dx, dy), model.outputSize)));
  const logProbabilities = averagedLogProbabilities(views, split.count, model.outputSize);
  return evaluationFromLogits(logProbabilities, split.labels, split.count, model.outputSize, evaluationChunk(model));
}

/**
 * Mean loss, accuracy, and each example's prediction and label, for a split of loadMnist() or
 * training data. What `mnist-ts evaluate` prints for the same model and split.
 */
export async function evaluateModel(model: Sequential, data: Split | TrainingData, options: EvaluateModelOptions = {}): Promise<DataEvaluation> {
  const threads = checkThreads(options.threads);
  if (data.features !== model.inputSize) throw new OptionError(`model takes ${model.inputSize} inputs, but the data has ${data.features} per example`);
  if (options.tta && !('pixels' in data)) throw new OptionError('tta: shifts images, so it takes a split of loadMnist() (images), not rows of training data');
  const onChosen = onKernels(model, options.kernels);
  const pool = new InferencePool(threads);
  try {
    if (options.tta && 'pixels' in data) return await evaluateViews(pool, onChosen, data);
    // In shared memory (asTrainingData's default), where the pool's workers read it too.
    return await pool.evaluate(onChosen, asTrainingData(data, model.outputSize));
  } finally {
    await pool.close();
  }
}
