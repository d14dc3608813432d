/** Ready-made architectures: the tutorial's softmax regression and a multi-layer perceptron. */
import { Dense } from './dense.js';
import { OptionError } from './errors.js';
import { glorot, he, normal, zeros, type Initializer } from './init.js';
import type { Layer } from './layer.js';
import { ReLU } from './relu.js';
import { Sequential, type ModelBuffers } from './sequential.js';

export interface SoftmaxOptions {
  inputs?: number;
  classes?: number;
  /** Weight initialiser; the tutorial's is N(0, 1). */
  init?: Initializer;
}

/** The tutorial's model: one Dense layer, W ~ N(0, 1) and b = 0 by default; softmax sits in the loss. */
export function softmaxRegression(o: SoftmaxOptions = {}, buffers?: ModelBuffers): Sequential {
  return new Sequential([new Dense(o.inputs ?? 784, o.classes ?? 10, { init: o.init ?? normal(1), bias: zeros() })], buffers);
}

export interface MlpOptions {
  inputs?: number;
  hidden?: number[];
  classes?: number;
  /** Initialiser of every Dense weight; default He normal, made for ReLU. */
  init?: Initializer;
}

/** Dense, ReLU, ..., Dense. */
export function mlp(o: MlpOptions = {}, buffers?: ModelBuffers): Sequential {
  const hidden = o.hidden ?? [256];
  if (hidden.length === 0 || hidden.some((h) => !(Number.isInteger(h) && h > 0))) {
    throw new OptionError(`--hidden: ${hidden.join(',') || '(none)'}, expected one or more whole numbers > 0, for example 256 or 256,128`);
  }
  const init = o.init ?? he();
  const layers: Layer[] = [];
  let width = o.inputs ?? 784;
  for (const h of hidden) {
    layers.push(new Dense(width, h, { init, bias: zeros() }), new ReLU(h));
    width = h;
  }
  layers.push(new Dense(width, o.classes ?? 10, { init: init.kind === 'he' ? glorot() : init, bias: zeros() }));
  return new Sequential(layers, buffers);
}
