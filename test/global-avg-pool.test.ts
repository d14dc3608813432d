/** GlobalAvgPool: its definition, its gradients against central differences, and the `gap` item of --layers. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Conv2D, Dense, GlobalAvgPool, Rng, Sequential, formatLayers, fromLayers, normal, type Layer } from '../src/engine/index.js';
import { checkInputGradient, checkModel, input } from './helpers/gradcheck.js';

test('global average pooling: each channel\'s mean; a CNN ending in it, every gradient against central differences', () => {
  const gap = new GlobalAvgPool([2, 2, 3]);
  const x = Float32Array.from({ length: 2 * 12 }, (_, i) => i);
  // Example 0: channel 0 holds 0..5 (mean 2.5), channel 1 holds 6..11 (mean 8.5); example 1: 14.5, 20.5.
  assert.equal([...gap.forward(x, 2)], [2.5, 8.5, 14.5, 20.5]);
  checkInputGradient(new GlobalAvgPool([3, 4, 5]), 2, 41);
  const layers: Layer[] = [
    new Conv2D([1, 6, 6], 4, 3, { init: normal(0.5), bias: normal(0.3) }),
    new GlobalAvgPool([4, 4, 4]),
    new Dense(4, 3, { init: normal(0.5), bias: normal(0.3) }),
  ];
  checkModel(new Sequential(layers).initialize(42), input(3, 36, new Rng(43)), [0, 2, 1], 3, 'conv+gap');
  const parsed = fromLayers('conv:4:3,relu,gap,dense:10', [1, 28, 28]);
  assert.equal(parsed.layers.map((l) => l.type), ['conv2d', 'relu', 'globalavgpool', 'dense']);
  assert.is(formatLayers(parsed.spec()), 'conv:4:3,relu,gap,dense:10');
  assert.throws(() => fromLayers('dense:20,gap,dense:10', [1, 28, 28]), /item 2 'gap' needs an image input/);
});

test.run();
