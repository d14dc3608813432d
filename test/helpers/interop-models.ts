/**
 * What the ONNX and PyTorch tests share: every preset and two --layers texts (same padding with
 * odd and even kernels, global average pooling, batch normalisation of the input, of images and
 * of vectors, a pool that drops a partial window, a dense layer on an image, dropout), each
 * trained for a few steps so that its weights and running statistics are a trained model's.
 */
import { fillBatch, type MnistData } from '../../src/data/dataset.js';
import { BatchSampler } from '../../src/data/batches.js';
import { Adam, SGD, argmax, kernelsFor, trainStep, type Sequential } from '../../src/engine/index.js';
import { buildModel, defaultInit } from '../../src/train/recipes.js';

export const LAYERS_TEXTS = ['conv:8:3:same,relu,bn,pool:2,conv:16:4:same,relu,gap,bn,dense:10', 'bn,conv:6:3,relu,pool:3,dropout:0.2,dense:32,relu,dense:10'];
export const CASES = [...['softmax', 'mlp', 'cnn', 'fast', 'best'].map((model) => ({ name: model, model })), ...LAYERS_TEXTS.map((layers) => ({ name: layers, model: 'layers', layers }))];

/** A model of `c`'s architecture on the SIMD kernels, after `steps` steps on batches of 64 (Adam; SGD 0.5 for the softmax, 5 times as many). */
export function trainedModel(c: { model: string; layers?: string }, mnist: MnistData, steps = 30): Sequential {
  const { model } = buildModel({ model: c.model, layers: c.layers, hidden: '128', init: defaultInit(c.model), initStd: 1 }, 28, 28, 10, kernelsFor('simd'));
  model.initialize(1);
  const softmax = c.model === 'softmax';
  const optimizer = softmax ? new SGD(0.5) : new Adam(0.002);
  if (softmax) steps *= 5;
  const sampler = new BatchSampler(mnist.train.count, 0, 64);
  const x = new Float32Array(64 * 784);
  const y = new Int32Array(64);
  for (let i = 0; i < steps; i++) {
    fillBatch(mnist.train, sampler.next(64), 0, 64, x, y);
    trainStep(model, optimizer, x, y, 64);
  }
  return model;
}

/** The test images as float pixels in [0, 1], [10000 × 784]. */
export function testPixels(mnist: MnistData): Float32Array {
  return Float32Array.from(mnist.test.pixels, (p) => p / 255);
}

/** Each row's class: where [count × classes] logits are largest (the engine's argmax). */
export function predictions(logits: ArrayLike<number>, classes = 10): number[] {
  return Array.from(argmax(Float32Array.from(logits), logits.length / classes, classes));
}

/** How many rows of [count × classes] logits have their largest value at the label. */
export function correct(logits: ArrayLike<number>, labels: ArrayLike<number>, classes = 10): number {
  return predictions(logits, classes).filter((p, i) => p === labels[i]).length;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
