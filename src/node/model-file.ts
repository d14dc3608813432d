/**
 * `saveModel` and `loadModel`: a model and what is known of its training in one file each way,
 * the checkpoint `mnist-ts train` writes (so `evaluate`, `predict`, `serve` and `--resume` read it).
 */
import { kernelsFor, resolveKernelPath } from '../engine/kernels/kernel-select.js';
import type { KernelChoice } from '../engine/kernels/kernel-set.js';
import { DEFAULT_VALIDATION_SIZE } from '../data/dataset.js';
import { optionError } from '../engine/errors.js';
import { formatLayers } from '../engine/layers/layers-text.js';
import type { Sequential } from '../engine/model/sequential.js';
import { encodeCheckpoint, NO_TRAINING_RUN, type Checkpoint, type CheckpointMeta } from '../train/checkpoint.js';
import { loadCheckpointFile, saveCheckpointFile } from './checkpoint-file.js';
import { fromCode, type FitResult } from './fit.js';

export interface SaveModelOptions {
  /** What fit returned: its settings, history, optimiser state and batch order go into the file. */
  fit?: FitResult;
  /** The model's test accuracy, as evaluateModel measured it (shown by evaluate's headline and serve). */
  testAccuracy?: number;
}

function metaOf(model: Sequential, o: SaveModelOptions): Omit<CheckpointMeta, 'format' | 'architecture'> {
  const testAccuracy = o.testAccuracy ?? null;
  if (testAccuracy !== null && !(testAccuracy >= 0 && testAccuracy <= 1)) throw optionError('testAccuracy', `${testAccuracy}, expected a number from 0 to 1`);
  const layers = formatLayers(model.spec());
  if (o.fit) {
    const r = o.fit.record;
    if (r.config.layers !== layers) throw optionError('fit', `the result of training ${r.config.layers}, but this model is ${layers}`);
    const epochs = o.fit.history.map((e) => ({ epoch: e.epoch, cost: e.cost, validationAccuracy: e.validationAccuracy ?? null }));
    return { training: r.config, epochsCompleted: r.epochsCompleted, seed: r.seed, sampler: r.sampler, metrics: { epochs, testAccuracy }, optimizer: r.optimizer };
  }
  const training = fromCode(model, { optimizer: NO_TRAINING_RUN, lr: 0, momentum: 0, batchSize: 1, validationSize: DEFAULT_VALIDATION_SIZE, epochs: 0 });
  return { training, epochsCompleted: 0, seed: 0, sampler: { epoch: 0, position: 0 }, metrics: { epochs: [], testAccuracy }, optimizer: NO_TRAINING_RUN };
}

/**
 * Writes `model` to `path` as an mnist-ts checkpoint (safetensors), atomically: a temporary file,
 * then a rename, so the file is whole or as it was. With `fit`, `mnist-ts train --resume path`
 * continues the run exactly.
 */
export async function saveModel(model: Sequential, path: string, options: SaveModelOptions = {}): Promise<void> {
  const meta = metaOf(model, options);
  saveCheckpointFile(path, encodeCheckpoint(model, options.fit?.record.optimizerState ?? {}, meta));
}

export interface LoadModelOptions {
  /** The kernels the model computes with: 'auto' (default: SIMD where it runs), 'simd' or 'js'. */
  kernels?: KernelChoice;
}

/** A checkpoint's model (on `kernels`), its metadata and its optimiser's state. Bad files throw one-line errors naming `path`. */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Checkpoint> {
  const kernels = kernelsFor(resolveKernelPath(options.kernels ?? 'auto'));
  const checkpoint = loadCheckpointFile(path);
  return { ...checkpoint, model: checkpoint.model.withKernels(kernels) };
}
