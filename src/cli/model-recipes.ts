/**
 * The models `train` can build, and each one's training recipe: the settings used for a flag the
 * user leaves out. softmax and mlp keep the tutorial's (SGD 0.01, 25 epochs, batch 100); the CNN
 * preset's were chosen by measurement (README, "Choosing the CNN").
 */
import { OptionError } from '../engine/errors.js';
import { initializerFromName } from '../engine/init.js';
import { CNN_LAYERS, fromLayers, mlp, softmaxRegression } from '../engine/models.js';
import { formatLayers } from '../engine/layers-text.js';
import type { Sequential } from '../engine/sequential.js';
import { positiveNumberFlag } from './options.js';

export const MODEL_NAMES = ['softmax', 'mlp', 'cnn'] as const;

export interface Recipe {
  epochs: number;
  lr: number;
  optimizer: string;
  batchSize: number;
  schedule: 'constant' | 'step' | 'cosine';
  augmentShift: number;
}

const TUTORIAL: Recipe = { epochs: 25, lr: 0.01, optimizer: 'sgd', batchSize: 100, schedule: 'constant', augmentShift: 0 };

export const CNN_RECIPE: Recipe = { epochs: 14, lr: 0.002, optimizer: 'adam', batchSize: 64, schedule: 'cosine', augmentShift: 1 };

/** `--layers` models train like the CNN preset unless told otherwise. */
export function recipeFor(model: string, layers?: string): Recipe {
  if (layers !== undefined) return CNN_RECIPE;
  return model === 'cnn' ? CNN_RECIPE : TUTORIAL;
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
  model: string;
  hidden: string;
  layers?: string;
  init?: string;
  initStd: number;
}

export interface BuiltModel {
  model: Sequential;
  description: string;
}

/** Builds the model for images of rows × cols pixels and `classes` classes. */
export function buildModel(args: ModelChoice, rows: number, cols: number, classes: number): BuiltModel {
  const std = positiveNumberFlag('init-std', args.initStd);
  const inputs = rows * cols;
  if (args.layers !== undefined || args.model === 'cnn') {
    if (args.init !== undefined) throw new OptionError(`--init: '${args.init}' applies to softmax and mlp; convolutional and --layers models start He-normal (Glorot for the last layer)`);
    const text = args.layers ?? CNN_LAYERS;
    const model = fromLayers(text, [1, rows, cols]);
    if (model.outputSize !== classes) throw new OptionError(`--layers: the last layer gives ${model.outputSize} outputs, expected ${classes} (one per class), for example end with dense:${classes}`);
    const what = args.layers !== undefined ? 'layers' : 'CNN';
    return { model, description: `${what} ${formatLayers(model.spec())}` };
  }
  if (args.model === 'softmax') {
    const init = initializerFromName(args.init ?? 'normal', std);
    return { model: softmaxRegression({ inputs, classes, init }), description: `softmax regression ${inputs}→${classes}` };
  }
  if (args.model === 'mlp') {
    const hidden = parseHidden(args.hidden);
    const init = initializerFromName(args.init ?? 'he', std);
    return { model: mlp({ inputs, hidden, classes, init }), description: `MLP ${[inputs, ...hidden, classes].join('-')}` };
  }
  throw new OptionError(`--model: '${args.model}', expected one of ${MODEL_NAMES.join(', ')}`);
}
