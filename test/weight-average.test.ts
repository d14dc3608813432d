/**
 * The average of the weights (--ema, weight-average.ts): its arithmetic; that it changes nothing
 * in the weights being trained, in-process or on a pool whose threads keep copies; that the
 * validation scores the average; and fit's model is the average at the end.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Adam, fromLayers } from '../src/engine/index.js';
import { loadMnist, bundledDataDir } from '../src/node/mnist-files.js';
import { createBackend } from '../src/node/create-backend.js';
import { fit } from '../src/node/fit.js';
import { csrFromSplit } from '../src/train/training-data.js';
import { evaluateData } from '../src/train/evaluate-data.js';
import { train } from '../src/train/trainer.js';
import { WeightAverage } from '../src/train/weight-average.js';
import { kernelsFor } from '../src/engine/kernels/kernel-select.js';
import { assertSameBits } from './helpers/bits.js';

test('the average: a ← d·a + (1 − d)·p from 0, read as a/(1 − dᵗ); before any step there is none', () => {
  const average = new WeightAverage(0.9, new Float32Array(2));
  const out = Float32Array.of(7, 7);
  average.averageInto(out);
  assert.equal([...out], [7, 7], 'no steps: left alone');
  average.update(Float32Array.of(1, -2));
  average.averageInto(out);
  assert.equal([...out], [1, -2], 'one step: the weights themselves');
  average.update(Float32Array.of(3, 0));
  average.averageInto(out);
  // (0.9·0.1·1 + 0.1·3) / (1 − 0.81) and (0.9·0.1·(−2) + 0) / 0.19
  assert.ok(Math.abs(out[0] - 0.39 / 0.19) < 1e-6 && Math.abs(out[1] + 0.18 / 0.19) < 1e-6, `${out}`);
  assert.throws(() => new WeightAverage(1, new Float32Array(1)), /ema: 1, expected a decay above 0 and below 1/);
});

const kernels = kernelsFor('simd');
const mnist = loadMnist({ dataDir: bundledDataDir() });
const data = { ...csrFromSplit(mnist.train, 10, kernels.allocator), count: 2000 };
const validation = { ...csrFromSplit(mnist.validation, 10, kernels.allocator), count: 1000 };
const LAYERS = 'conv:2:5,pool:4,flatten,dense:10';

/**
 * Two epochs of 40 steps on `threads` threads, with or without an average of decay 0.9: the
 * second epoch trains on whatever the first's validation left in the threads' copies.
 */
async function run(threads: number, withAverage: boolean) {
  const model = fromLayers(LAYERS, [1, 28, 28], { kernels }).initialize(3);
  const optimizer = new Adam(0.01);
  const average = withAverage ? WeightAverage.of(model, 0.9) : undefined;
  const backend = createBackend(model, data, optimizer, threads, 50, { seed: 3, evaluation: [validation] });
  try {
    const result = await train(model, data, { epochs: 2, batchSize: 50, seed: 3, optimizer, backend, validation, average });
    return { model, average, accuracy: result.history[1].validationAccuracy! };
  } finally {
    await backend.close();
  }
}

test('on 1 and 2 threads the average changes no bit of the trained weights, and the validation scores the average', async () => {
  for (const threads of [1, 2]) {
    const plain = await run(threads, false);
    const averaged = await run(threads, true);
    assertSameBits(averaged.model.params, plain.model.params, `${threads} threads: the trained weights`);
    assert.is(averaged.average!.steps, 80);
    const copy = fromLayers(LAYERS, [1, 28, 28], { kernels });
    averaged.average!.averageInto(copy.params);
    assert.is(averaged.accuracy, evaluateData(copy, validation).accuracy, `${threads} threads: the average's score`);
    assert.ok(copy.params.some((p, i) => p !== plain.model.params[i]), 'the average is not the trained weights');
  }
});

test('fit with ema: the model is the average at the end, and the record keeps the trained weights and the accumulator', async () => {
  const model = fromLayers(LAYERS, [1, 28, 28]).initialize(3);
  const { record } = await fit(model, { ...mnist.train, count: 1000 }, { epochs: 1, batchSize: 50, optimizer: new Adam(0.01), threads: 1, ema: 0.9 });
  assert.equal(Object.keys(record.optimizerState).sort(), ['average', 'm', 'trained', 'v']);
  assert.is(record.config.ema, 0.9);
  const correction = 1 - 0.9 ** 20;
  assertSameBits(model.params, record.optimizerState.average.map((a) => a / correction), 'the model: accumulator / (1 − 0.9^20)');
});

test.run();
