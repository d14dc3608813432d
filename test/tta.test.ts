/**
 * Test-time augmentation: each digit read with its four one-pixel shifts and the probabilities
 * averaged, the same in the library (evaluateModel, predictImages) and the CLI (--tta).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { mlp, Momentum, kernelsFor, softmax } from '../src/engine/index.js';
import { averagedLogProbabilities, shiftedSplit, shiftImages, TTA_SHIFTS } from '../src/train/test-time-augmentation.js';
import { evaluationFromLogits, logitsData } from '../src/train/evaluate-data.js';
import { csrFromSplit, denseData } from '../src/train/training-data.js';
import { evaluationChunk } from '../src/engine/model/evaluate.js';
import { loadMnist } from '../src/node/mnist-files.js';
import { fit } from '../src/node/fit.js';
import { evaluateModel } from '../src/node/evaluate-model.js';
import { predictImages } from '../src/node/predict-images.js';
import { saveModel } from '../src/node/model-file.js';
import { runMain } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mnist-ts-tta-'));
const mnist = loadMnist();

test('shiftImages moves each image by whole pixels, zeros coming in', () => {
  // Two 2×3 images: 1 2 3 / 4 5 6 and 7 8 9 / 10 11 12.
  const px = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
  assert.equal([...shiftImages(px, 2, 2, 3, 1, 0)], [0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11], 'right');
  assert.equal([...shiftImages(px, 2, 2, 3, -1, 0)], [2, 3, 0, 5, 6, 0, 8, 9, 0, 11, 12, 0], 'left');
  assert.equal([...shiftImages(px, 2, 2, 3, 0, 1)], [0, 0, 0, 1, 2, 3, 0, 0, 0, 7, 8, 9], 'down');
  assert.equal([...shiftImages(px, 2, 2, 3, 0, -1)], [4, 5, 6, 0, 0, 0, 10, 11, 12, 0, 0, 0], 'up');
  assert.equal(TTA_SHIFTS.length, 5);
});

test("averaged log-probabilities: one view gives its log-softmax, and their softmax is the views' mean", () => {
  const a = Float32Array.of(1, 2, 3, 0, 0, 5), b = Float32Array.of(3, 2, 1, 5, 0, 0);
  const one = averagedLogProbabilities([a], 2, 3);
  softmax(a, 2, 3).forEach((p, i) => assert.ok(Math.abs(Math.exp(one[i]) - p) < 1e-6));
  const mean = softmax(averagedLogProbabilities([a, b], 2, 3), 2, 3);
  const [pa, pb] = [softmax(a, 2, 3), softmax(b, 2, 3)];
  mean.forEach((p, i) => assert.ok(Math.abs(p - (pa[i] + pb[i]) / 2) < 1e-6, `${i}: ${p}`));
});

/** An MLP trained a little, on the validation split (5000 images) so that it is quick. */
const trained = (async () => {
  const model = mlp({ hidden: [32] }, { kernels: kernelsFor('simd') }).initialize(0);
  await fit(model, mnist.validation, { epochs: 2, optimizer: new Momentum(0.05), threads: 2, kernels: 'simd' });
  return model;
})();

test('evaluateModel with tta: the five views scored on their own and averaged, on any thread count', async () => {
  const model = await trained;
  const views = TTA_SHIFTS.map(([dx, dy]) => logitsData(model, csrFromSplit(shiftedSplit(mnist.test, dx, dy), 10)));
  const want = evaluationFromLogits(averagedLogProbabilities(views, mnist.test.count, 10), mnist.test.labels, mnist.test.count, 10, evaluationChunk(model));
  for (const threads of [1, 2]) {
    const got = await evaluateModel(model, mnist.test, { tta: true, threads, kernels: 'simd' });
    assert.equal([got.accuracy, got.loss], [want.accuracy, want.loss], `${threads} threads`);
  }
  const plain = await evaluateModel(model, mnist.test, { kernels: 'simd' });
  assert.ok(plain.accuracy !== want.accuracy || plain.loss !== want.loss, 'the views change the figures');
  await evaluateModel(model, denseData(new Float32Array(784), [1], 784, 10), { tta: true }).then(
    () => assert.unreachable('accepted rows'),
    (e: Error) => assert.is(e.message, 'tta: shifts images, so it takes a split of loadMnist() (images), not rows of training data'),
  );
});

test('the CLI: evaluate --tta and predict --tta print what the library computes', async () => {
  const model = await trained;
  const path = join(dir, 'mlp.safetensors');
  await saveModel(model, path);
  const ev = await runMain(['evaluate', '--checkpoint', path, '--tta', '--json', '--kernels', 'simd']);
  assert.is(ev.code, 0, ev.stderr);
  const lib = await evaluateModel(model, mnist.test, { tta: true, kernels: 'simd' });
  assert.equal([JSON.parse(ev.stdout).tta, JSON.parse(ev.stdout).accuracy], [true, lib.accuracy]);
  // Test digit 1 (a 2) as a 28×28 PNG, white ink on black: read as it is, then in five views.
  const png = new pngjs.PNG({ width: 28, height: 28 });
  mnist.test.pixels.subarray(784, 1568).forEach((v, i) => png.data.set([v, v, v, 255], i * 4));
  const file = join(dir, 'two.png');
  writeFileSync(file, pngjs.PNG.sync.write(png));
  const cli = JSON.parse((await runMain(['predict', '--checkpoint', path, file, '--tta', '--json', '--kernels', 'simd'])).stdout)[0];
  const [withViews] = await predictImages(model, [file], { tta: true, kernels: 'simd' });
  const [alone] = await predictImages(model, [file], { kernels: 'simd' });
  assert.equal(cli.probabilities, withViews.probabilities);
  assert.not.equal(withViews.probabilities, alone.probabilities);
});

test.run();
