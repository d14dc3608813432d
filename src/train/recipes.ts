/**
 * The models `train` (and the draw-a-digit page) can build, and each one's training recipe: the
 * settings used for a flag the user leaves out. softmax and mlp keep the tutorial's (SGD 0.01, 25
 * epochs, batch 100); the presets' were chosen by measurement (scripts/BENCHMARKS.md, "Choosing
 * the CNN", "Choosing --model fast" and "Choosing --model best").
 */
import { OptionError, ShapeError } from '../engine/errors.js';
import { initializerFromName } from '../engine/model/init.js';
import { CNN_LAYERS, fromLayers, mlp, softmaxRegression } from '../engine/model/models.js';
import { formatLayers } from '../engine/layers/layers-text.js';
import type { Sequential } from '../engine/model/sequential.js';
import type { KernelSet } from '../engine/kernels/kernel-set.js';
import type { Schedule } from '../engine/optim/schedule.js';

export const MODEL_NAMES = ['softmax', 'mlp', 'cnn', 'fast', 'best'] as const;

export interface Recipe {
  epochs: number;
  lr: number;
  optimizer: string;
  batchSize: number;
  schedule: 'constant' | 'step' | 'cosine' | 'onecycle';
  augmentShift: number;
  /** With the onecycle schedule: the fraction of the steps spent warming up. */
  warmup?: number;
  /** Adam's moment decays, when not (0.9, 0.999). */
  betas?: [number, number];
  /** The loss's label smoothing ε. */
  labelSmoothing?: number;
}

const TUTORIAL: Recipe = { epochs: 25, lr: 0.01, optimizer: 'sgd', batchSize: 100, schedule: 'constant', augmentShift: 0 };

export const CNN_RECIPE: Recipe = { epochs: 16, lr: 0.002, optimizer: 'adam', batchSize: 64, schedule: 'cosine', augmentShift: 1 };

/**
 * `--model fast`: the soonest way to a 99% model here, a small CNN trained two epochs with a
 * one-cycle rate and smoothed labels; chosen on the validation split (scripts/BENCHMARKS.md,
 * "Choosing --model fast").
 */
export const FAST_LAYERS = 'conv:8:5,pool:2,relu,conv:16:5,pool:2,relu,flatten,dense:128,relu,dense:10';
export const FAST_RECIPE: Recipe = { epochs: 2, lr: 0.015, optimizer: 'adam', batchSize: 64, schedule: 'onecycle', warmup: 0.25, augmentShift: 0, labelSmoothing: 0.1 };

/**
 * `--model best`: the most accurate preset, two convolutions each pooled and batch-normalised,
 * trained twenty epochs with a one-cycle rate, smoothed labels and shifts of up to 2 pixels;
 * chosen on the validation split among runs that fit the time budget (scripts/BENCHMARKS.md,
 * "Choosing --model best").
 */
export const BEST_LAYERS = 'conv:16:5,pool:2,relu,bn,conv:32:5,pool:2,relu,bn,flatten,dense:128,relu,dropout:0.25,dense:10';
export const BEST_RECIPE: Recipe = { epochs: 20, lr: 0.003, optimizer: 'adam', batchSize: 64, schedule: 'onecycle', warmup: 0.3, augmentShift: 2, labelSmoothing: 0.1 };

/** The presets: architectures given as layers text, each with its recipe and a name for people. */
const PRESETS: Record<string, { layers: string; recipe: Recipe; name: string }> = {
  cnn: { layers: CNN_LAYERS, recipe: CNN_RECIPE, name: 'CNN' },
  fast: { layers: FAST_LAYERS, recipe: FAST_RECIPE, name: 'fast CNN' },
  best: { layers: BEST_LAYERS, recipe: BEST_RECIPE, name: 'best CNN' },
};

/** What a model is called in lines and lists: "softmax regression", "MLP", a preset's name, or "layers" for a --layers text. */
export function modelTitle(model: string): string {
  return model === 'softmax' ? 'softmax regression' : model === 'mlp' ? 'MLP' : (PRESETS[model]?.name ?? 'layers');
}

/** The layers text of a preset (cnn, fast), or undefined for the other models. */
export function presetLayers(model: string): string | undefined {
  return PRESETS[model]?.layers;
}

/** Settings every recipe shares unless told otherwise: momentum's μ (--optimizer momentum), the spread of --init normal, the MLP's hidden layer. */
export const SHARED_DEFAULTS = { momentum: 0.9, initStd: 1, hidden: '256' } as const;

/** The initialiser a dense model starts from unless told: the tutorial's N(0, 1) for softmax, He for the MLP. */
export function defaultInit(model: string): string {
  return model === 'softmax' ? 'normal' : 'he';
}

/** A preset's own recipe; `--layers` models train like the CNN preset unless told otherwise. */
export function recipeFor(model: string): Recipe {
  return PRESETS[model]?.recipe ?? (model === 'layers' ? CNN_RECIPE : TUTORIAL);
}

/** A schedule by name and settings (the --lr-schedule flags), before it is fixed in steps. */
export interface ScheduleFlags {
  name: string;
  stepEpochs?: number;
  gamma?: number;
  floor?: number;
  warmup?: number;
}

/** The schedule in steps, for `epochs` epochs of `perEpoch` steps: fixed when a run starts, so a resume continues the same curve. */
export function scheduleInSteps(flags: ScheduleFlags, epochs: number, perEpoch: number): Schedule {
  switch (flags.name) {
    case 'cosine': return { kind: 'cosine', total: Math.max(1, epochs * perEpoch), floor: flags.floor ?? 0 };
    // PyTorch's OneCycleLR defaults: from lr/25, down to lr/25/1e4.
    case 'onecycle': return { kind: 'onecycle', total: Math.max(2, epochs * perEpoch), warmup: flags.warmup ?? 0.3, div: 25, finalDiv: 1e4 };
    case 'step': return { kind: 'step', every: (flags.stepEpochs ?? 10) * perEpoch, gamma: flags.gamma ?? 0.1 };
    default: return { kind: 'constant' };
  }
}

export function parseHidden(text: string): number[] {
  const parts = String(text).split(',').map((s) => s.trim());
  const sizes = parts.map(Number);
  if (parts.length === 0 || sizes.some((h) => !(Number.isInteger(h) && h > 0))) {
    throw new OptionError(`--hidden: '${text}', expected whole numbers > 0 separated by commas, for example 256 or 256,128`);
  }
  return sizes;
}

export interface ModelChoice {
  /** softmax, mlp, cnn, or layers (then `layers` holds the text). */
  model: string;
  layers?: string;
  hidden: string;
  init: string;
  initStd: number;
}

export interface BuiltModel {
  model: Sequential;
  description: string;
}

/** A model from flags (--layers, --hidden); one that cannot be built (too many parameters, say) is the flag's error. */
function flagsModel(flag: string, build: () => Sequential): Sequential {
  try {
    return build();
  } catch (e) {
    if (e instanceof ShapeError) throw new OptionError(`--${flag}: ${e.message.replace(/^Sequential: /, '')}`, flag);
    throw e;
  }
}

/** Builds the model for images of rows × cols pixels and `classes` classes, on `kernels` (default JS). */
export function buildModel(choice: ModelChoice, rows: number, cols: number, classes: number, kernels?: KernelSet): BuiltModel {
  const inputs = rows * cols;
  const preset = PRESETS[choice.model];
  if (choice.model === 'layers' || preset) {
    const model = flagsModel('layers', () => fromLayers(choice.layers ?? preset.layers, [1, rows, cols], { kernels }));
    if (model.outputSize !== classes) throw new OptionError(`--layers: the last layer gives ${model.outputSize} outputs, expected ${classes} (one per class), for example end with dense:${classes}`);
    return { model, description: `${preset?.name ?? 'layers'} ${formatLayers(model.spec())}` };
  }
  const init = initializerFromName(choice.init, choice.initStd);
  if (choice.model === 'softmax') return { model: softmaxRegression({ inputs, classes, init }, { kernels }), description: `softmax regression ${inputs}→${classes}` };
  const hidden = parseHidden(choice.hidden);
  return { model: flagsModel('hidden', () => mlp({ inputs, hidden, classes, init }, { kernels })), description: `MLP ${[inputs, ...hidden, classes].join('-')}` };
}
