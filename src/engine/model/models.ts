/** Ready-made architectures: the tutorial's softmax regression, a multi-layer perceptron and a CNN. */
import { Dense } from '../layers/dense.js';
import { optionError } from '../errors.js';
import { glorot, he, normal, zeros, type Initializer } from './init.js';
import type { Layer } from '../layers/layer.js';
import { ReLU } from '../layers/relu.js';
import { Sequential, type ModelBuffers } from './sequential.js';
import { parseLayers } from '../layers/layers-text.js';

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
    throw optionError('hidden', `${hidden.join(',') || '(none)'}, expected one or more whole numbers > 0, for example 256 or 256,128`);
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

/**
 * The `--model cnn` preset, LeNet-5-like, sized by measurement on a 2-core machine (README,
 * "Choosing the CNN"): two 5×5 convolutions with max-pooling, then a small dense layer with
 * dropout. Pooling comes before ReLU: the same function (max and ReLU commute) with 4× fewer ReLUs.
 */
export const CNN_LAYERS = 'conv:12:5,pool:2,relu,conv:16:5,pool:2,relu,flatten,dense:64,relu,dropout:0.25,dense:10';

export interface CnnOptions {
  /** [channels, height, width] of one example; default MNIST's [1, 28, 28]. */
  input?: number[];
  /** Architecture text (see parseLayers); default CNN_LAYERS. */
  layers?: string;
}

/** A model from an architecture text such as CNN_LAYERS. */
export function fromLayers(text: string, input: readonly number[] = [1, 28, 28], buffers?: ModelBuffers): Sequential {
  return Sequential.fromSpec(parseLayers(text, input), buffers);
}

export function cnn(o: CnnOptions = {}, buffers?: ModelBuffers): Sequential {
  return fromLayers(o.layers ?? CNN_LAYERS, o.input ?? [1, 28, 28], buffers);
}
