/**
 * Checkpoints: a model, its optimiser state and its training history in one safetensors file.
 * Tensors: the model's parameters by name (`dense0.weight` [784, 10], `dense0.bias` [10], ...)
 * and the optimiser's buffers (`optimizer.velocity.dense0.weight`, ...), so a resumed run
 * continues bit for bit. Everything else goes into `__metadata__` (strings, JSON where structured).
 */
import { FormatError } from '../engine/errors.js';
import type { LayerSpec } from '../engine/layers/layer.js';
import { Sequential } from '../engine/model/sequential.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../engine/io/safetensors.js';
import type { SamplerState } from '../data/batches.js';
import type { Schedule } from '../engine/optim/schedule.js';
import { modelTitle } from './recipes.js';

export const CHECKPOINT_FORMAT = 'mnist-ts/1';
export const WEIGHT_LAYOUT = 'dense weight [inputs, outputs], row-major: y = x·W + b; conv2d weight [filters, channels, kh, kw]; activations (batch, channels, height, width)';
const OPTIMIZER_PREFIX = 'optimizer.';
/** The optimiser a checkpoint names when it was saved without its training run (saveModel with no fit result): nothing to resume. */
export const NO_TRAINING_RUN = 'none';

/**
 * How a checkpoint was trained, in words: "16 epochs of adam"; or, for one saved without its
 * training run (weights imported from PyTorch, or saveModel with no fit result), "no training run
 * recorded" rather than "0 epochs of none".
 */
export function trainingPhrase(meta: Pick<CheckpointMeta, 'epochsCompleted' | 'optimizer'>): string {
  if (meta.optimizer === NO_TRAINING_RUN) return 'no training run recorded';
  return `${meta.epochsCompleted} ${meta.epochsCompleted === 1 ? 'epoch' : 'epochs'} of ${meta.optimizer}`;
}

export interface TrainingConfig {
  model: string;
  optimizer: string;
  lr: number;
  momentum: number;
  batchSize: number;
  init: string;
  initStd: number;
  validationSize: number;
  /** The run's total epochs: asked for when training started, or the new total a resume asked for. */
  epochs: number;
  /** The architecture text, for `--layers` models. */
  layers?: string;
  weightDecay?: number;
  /** Adam's and AdamW's moment decays and epsilon, when not the defaults' (0.9, 0.999, 1e-8). */
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Learning-rate schedule, in steps, fixed when training started. */
  schedule?: Schedule;
  /** Random shifts of up to this many pixels (0: none). */
  augmentShift?: number;
  /** The loss's label smoothing ε (absent: none). */
  labelSmoothing?: number;
  /** The decay of the average of the weights that is evaluated and saved (absent: none; weight-average.ts). */
  ema?: number;
  /** The kernels the run computed with (js or simd): the same path resumes bit for bit. */
  kernels?: string;
  /** Trained from code (fit) on data other than MNIST's training split: `train --resume` cannot continue it. */
  ownData?: boolean;
}

export interface EpochRecord {
  epoch: number;
  cost: number;
  validationAccuracy: number | null;
}

export interface CheckpointMeta {
  format: string;
  architecture: LayerSpec[];
  training: TrainingConfig;
  epochsCompleted: number;
  seed: number;
  /** Where the batch order stands: each epoch's permutation derives from (seed, epoch). */
  sampler: SamplerState;
  metrics: { epochs: EpochRecord[]; testAccuracy: number | null };
  optimizer: string;
}

export interface Checkpoint {
  model: Sequential;
  optimizerState: Record<string, Float32Array>;
  meta: CheckpointMeta;
}

/** Optimiser buffers are flat over all parameters; store them split by parameter, with clear names. */
function splitByParam(model: Sequential, key: string, flat: Float32Array): NamedTensor[] {
  return model.entries.map((e) => ({ name: `${OPTIMIZER_PREFIX}${key}.${e.name}`, shape: e.shape, data: flat.subarray(e.offset, e.offset + e.size) }));
}

export function encodeCheckpoint(model: Sequential, optimizerState: Record<string, Float32Array>, meta: Omit<CheckpointMeta, 'format' | 'architecture'>): Uint8Array {
  const tensors: NamedTensor[] = model.entries.map((e) => ({ name: e.name, shape: e.shape, data: model.params.subarray(e.offset, e.offset + e.size) }));
  for (const e of model.runningStatEntries) tensors.push({ name: e.name, shape: e.shape, data: model.runningStats.subarray(e.offset, e.offset + e.size) });
  for (const [key, flat] of Object.entries(optimizerState)) tensors.push(...splitByParam(model, key, flat));
  const full: CheckpointMeta = { format: CHECKPOINT_FORMAT, architecture: model.spec(), ...meta };
  const metadata: Record<string, string> = {
    format: full.format,
    weight_layout: WEIGHT_LAYOUT,
    architecture: JSON.stringify(full.architecture),
    training: JSON.stringify(full.training),
    epochs_completed: String(full.epochsCompleted),
    seed: String(full.seed),
    data_order: JSON.stringify(full.sampler),
    metrics: JSON.stringify(full.metrics),
    optimizer: full.optimizer,
  };
  return encodeSafetensors(tensors, metadata);
}

function parseJson<T>(source: string, key: string, text: string | undefined): T {
  if (text === undefined) throw new FormatError(`${source}: metadata has no '${key}', expected an mnist-ts checkpoint`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new FormatError(`${source}: metadata '${key}' is not valid JSON`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;

/** The metadata's values have the types the rest of the program relies on: one FormatError naming the key otherwise. */
function checkMeta(meta: CheckpointMeta, metadata: Record<string, string>, source: string): void {
  const bad = (key: string, expected: string) => new FormatError(`${source}: metadata '${key}' is ${JSON.stringify(metadata[key] ?? null).slice(0, 80)}, expected ${expected}`);
  if (!Array.isArray(meta.architecture) || meta.architecture.length === 0 || !meta.architecture.every(isObject)) throw bad('architecture', 'a list of layers');
  if (!isObject(meta.training)) throw bad('training', 'an object of training settings');
  if (!isCount(meta.epochsCompleted)) throw bad('epochs_completed', 'a whole number >= 0');
  if (!isCount(meta.seed)) throw bad('seed', 'a whole number >= 0');
  const order = meta.sampler as unknown;
  if (!isObject(order) || !isCount(order.epoch) || !isCount(order.position)) throw bad('data_order', 'an object with whole numbers epoch and position');
  const metrics = meta.metrics as unknown;
  const accuracy = isObject(metrics) ? metrics.testAccuracy : undefined;
  if (!isObject(metrics) || !Array.isArray(metrics.epochs) || !(accuracy === null || (typeof accuracy === 'number' && accuracy >= 0 && accuracy <= 1))) {
    throw bad('metrics', 'an object with a list of epochs and a test accuracy from 0 to 1 or null');
  }
  if (typeof meta.optimizer !== 'string') throw bad('optimizer', 'a name');
}

/** The architecture's model, counted first: a header may claim any architecture, and the model is allocated only if the file holds its values. */
function architectureModel(spec: LayerSpec[], tensors: Map<string, { data: Float32Array }>, source: string): Sequential {
  const cannot = (why: string) => new FormatError(`${source}: architecture cannot be built: ${why}`);
  const built = <T>(make: () => T): T => {
    try {
      return make();
    } catch (e) {
      throw cannot((e as Error).message);
    }
  };
  const needed = built(() => Sequential.parameterCount(spec));
  const held = [...tensors.values()].reduce((n, t) => n + t.data.length, 0);
  if (needed > held) throw cannot(`it has ${needed} parameters, but the file holds ${held} values`);
  return built(() => Sequential.fromSpec(spec));
}

export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new FormatError(`${source}: metadata format ${JSON.stringify(metadata.format ?? null)}, expected "${CHECKPOINT_FORMAT}" (a safetensors file, but not an mnist-ts checkpoint)`);
  }
  const meta: CheckpointMeta = {
    format: metadata.format,
    architecture: parseJson(source, 'architecture', metadata.architecture),
    training: parseJson(source, 'training', metadata.training),
    epochsCompleted: Number(metadata.epochs_completed ?? 0),
    seed: Number(metadata.seed ?? 0),
    sampler: parseJson(source, 'data_order', metadata.data_order),
    metrics: metadata.metrics ? parseJson(source, 'metrics', metadata.metrics) : { epochs: [], testAccuracy: null },
    optimizer: metadata.optimizer ?? 'sgd',
  };
  checkMeta(meta, metadata, source);
  const model = architectureModel(meta.architecture, tensors, source);
  const known = new Set<string>();
  const needed = [...model.entries, ...model.runningStatEntries].map((e) => e.name).join(', ');
  for (const [entries, into] of [[model.entries, model.params], [model.runningStatEntries, model.runningStats]] as const) {
    for (const e of entries) {
      known.add(e.name);
      const t = tensors.get(e.name);
      if (!t) throw new FormatError(`${source}: tensor ${e.name} is missing; the architecture needs ${needed}`);
      if (t.shape.join(',') !== e.shape.join(',')) throw new FormatError(`${source}: tensor ${e.name} has shape [${t.shape.join(', ')}], the architecture needs [${e.shape.join(', ')}]`);
      into.set(t.data, e.offset);
    }
  }
  const optimizerState: Record<string, Float32Array> = {};
  for (const name of tensors.keys()) {
    if (known.has(name)) continue;
    const rest = name.startsWith(OPTIMIZER_PREFIX) ? name.slice(OPTIMIZER_PREFIX.length) : '';
    const dot = rest.indexOf('.');
    const entry = dot > 0 ? model.entries.find((e) => e.name === rest.slice(dot + 1)) : undefined;
    if (!entry) throw new FormatError(`${source}: unknown tensor ${name}; expected ${needed} and optimizer.<buffer>.<parameter>`);
    const key = rest.slice(0, dot);
    optimizerState[key] ??= new Float32Array(model.paramCount);
    optimizerState[key].set(tensors.get(name)!.data, entry.offset);
  }
  return { model, optimizerState, meta };
}

/** "softmax regression 784→10 · 25 epochs · test accuracy 0.9212". */
export function describeCheckpoint(meta: CheckpointMeta): string {
  const parts = [modelTitle(meta.training.model), meta.optimizer === NO_TRAINING_RUN ? trainingPhrase(meta) : `${meta.epochsCompleted} epoch${meta.epochsCompleted === 1 ? '' : 's'}`];
  if (meta.metrics.testAccuracy !== null) parts.push(`test accuracy ${meta.metrics.testAccuracy.toFixed(4)}`);
  return parts.join(' · ');
}
