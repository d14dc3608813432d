/**
 * `saveModel` and `loadModel`: a model and what is known of its training in one file each way,
 * the checkpoint `mnist-ts train` writes (so `evaluate`, `predict`, `serve` and `--resume` read it).
 */
import { resolveKernelPath } from '../engine/kernels/kernel-select.js';
import { optionError } from '../engine/errors.js';
import { formatLayers } from '../engine/layers/layers-text.js';
import type { Sequential } from '../engine/model/sequential.js';
import { encodeCheckpoint, NO_TRAINING_RUN, type Checkpoint, type CheckpointMeta } from '../train/checkpoint.js';
import { loadCheckpointFile, saveCheckpointFile } from './checkpoint-file.js';
import type { FitResult } from './fit.js';
import { onKernels } from './kernel-choice.js';

export interface SaveModelOptions {
  /** What fit returned: its settings, history, optimiser state and batch order go into the file. */
  fit?: FitResult;
  /** The model's test accuracy, as evaluateModel measured it (shown by evaluate's headline and serve). */
  testAccuracy?: number;
}

function metaOf(model: Sequential, o: SaveModelOptions): Omit<CheckpointMeta, 'format' | 'architecture'> {
  const testAccuracy = o.testAccuracy ?? null;
  if (testAccuracy !== null && !(testAccuracy >= 0 && testAccuracy <= 1)) throw optionError('testAccuracy', `${testAccuracy}, expected a number from 0 to 1`);
  if (o.fit) {
    const r = o.fit.record;
    const epochs = o.fit.history.map((e) => ({ epoch: e.epoch, cost: e.cost, validationAccuracy: e.validationAccuracy ?? null }));
    return { training: r.config, epochsCompleted: r.epochsCompleted, seed: r.seed, sampler: r.sampler, metrics: { epochs, testAccuracy }, optimizer: r.optimizer.name };
  }
  const training = { model: 'layers', layers: formatLayers(model.spec()), optimizer: NO_TRAINING_RUN, lr: 0, momentum: 0, batchSize: 1, init: 'custom', initStd: 1, validationSize: 0, epochs: 0, kernels: model.kernels.path };
  return { training, epochsCompleted: 0, seed: 0, sampler: { epoch: 0, position: 0 }, metrics: { epochs: [], testAccuracy }, optimizer: NO_TRAINING_RUN };
}

/**
 * Writes `model` to `path` as an mnist-ts checkpoint (safetensors), atomically: a temporary file,
 * then a rename, so the file is whole or as it was. With `fit`, `mnist-ts train --resume path`
 * continues the run exactly.
 */
export async function saveModel(model: Sequential, path: string, options: SaveModelOptions = {}): Promise<void> {
  const state = options.fit ? options.fit.record.optimizer.state() : {};
  saveCheckpointFile(path, encodeCheckpoint(model, state, metaOf(model, options)));
}

export interface LoadModelOptions {
  /** The kernels the model computes with: 'auto' (default: SIMD where it runs), 'simd' or 'js'. */
  kernels?: string;
}

/** A checkpoint's model (on `kernels`), its metadata and its optimiser's state. Bad files throw one-line errors naming `path`. */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Checkpoint> {
  const kernels = resolveKernelPath(options.kernels ?? 'auto');
  const checkpoint = loadCheckpointFile(path);
  return { ...checkpoint, model: onKernels(checkpoint.model, kernels) };
}
