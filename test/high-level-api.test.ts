/**
 * The high-level API (mnist-ts/node): fit, evaluateModel, predictImages, saveModel, loadModel.
 * Each is checked against the CLI command that does the same job: the same bits, the same figures.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { mlp } from '../src/engine/model/models.js';
import { Momentum } from '../src/engine/optim/optimizers.js';
import { DataError, MnistTsError, OptionError } from '../src/engine/errors.js';
import { loadMnist } from '../src/node/mnist-files.js';
import { fit } from '../src/node/fit.js';
import { evaluateModel } from '../src/node/evaluate-model.js';
import { predictImages } from '../src/node/predict-images.js';
import { loadModel, saveModel } from '../src/node/model-file.js';
import { denseData } from '../src/train/training-data.js';
import { kernelsFor } from '../src/engine/kernels/kernel-select.js';
import { assertSameBits } from './helpers/bits.js';
import { runMain } from './helpers/cli.js';
import { photoPng } from './helpers/photo.js';
import { writeMnistSubset } from './helpers/synthetic-mnist.js';

const dir = mkdtempSync(join(tmpdir(), 'mnist-ts-api-'));
// 10000 training, 5000 validation and 2000 test images of the real MNIST, read by fit and the CLI alike.
const DATA = ['--data-dir', await writeMnistSubset(15_000, 2000)];
const mnist = loadMnist({ dataDir: DATA[1] });
const CLI_MLP = ['--model', 'mlp', '--hidden', '32', '--optimizer', 'momentum', '--lr', '0.05', '--threads', '2', ...DATA];
const fitMlp = (epochs: number, validation: boolean) => {
  const model = mlp({ hidden: [32] }).initialize(0);
  return fit(model, mnist.train, { epochs, optimizer: new Momentum(0.05), threads: 2, validation: validation ? mnist.validation : undefined }).then((result) => ({ model, result }));
};
/** One epoch with validation, shared by the tests that only read it. */
let oneEpoch: ReturnType<typeof fitMlp> | undefined;
const fitted = () => (oneEpoch ??= fitMlp(1, true));

test('fit on 2 threads gives the bits of mnist-ts train with the same settings, and the model is whole', async () => {
  const { model, result } = await fitted();
  const cli = await runMain(['train', ...CLI_MLP, '--epochs', '1', '--save', join(dir, 'cli.safetensors'), '--json'], { cwd: dir });
  assert.is(cli.code, 0, cli.stderr);
  const saved = await loadModel(join(dir, 'cli.safetensors'));
  assert.is(model.kernels.path, 'js', 'the model keeps the kernels it was built with');
  assert.is(result.record.config.kernels, 'simd', "trained on 'auto': SIMD here");
  assertSameBits(model.params, saved.model.params, 'weights');
  assertSameBits(result.record.optimizerState.velocity, saved.optimizerState.velocity, 'velocity');
  assert.is(result.history[0].validationAccuracy, saved.meta.metrics.epochs[0].validationAccuracy);
});

test('saveModel then mnist-ts train --resume continues the run exactly: 1 + 1 epochs are the bits of 2', async () => {
  // No validation set given: the training split still starts after MNIST's 5000 validation images.
  const one = await fitMlp(1, false);
  assert.is(one.result.record.config.validationSize, 5000);
  const path = join(dir, 'one.safetensors');
  await saveModel(one.model, path, { fit: one.result });
  const resumed = await runMain(['train', '--resume', path, '--epochs', '2', '--threads', '2', ...DATA], { cwd: dir });
  assert.is(resumed.code, 0, resumed.stderr);
  assert.not.match(resumed.stderr, 'note', 'same kernels, nothing to note');
  const two = await fitMlp(2, false);
  const continued = await loadModel(path);
  assertSameBits(continued.model.params, two.model.params, 'weights after epoch 2');
  assert.is(continued.meta.epochsCompleted, 2);
});

test('saveModel and loadModel: metadata kept; evaluateModel gives what mnist-ts evaluate prints, on any thread count', async () => {
  const { model, result } = await fitted();
  const one = await evaluateModel(model, mnist.test, { threads: 1 });
  const two = await evaluateModel(model, mnist.test, { threads: 2 });
  assert.equal([two.accuracy, two.loss], [one.accuracy, one.loss]);
  const path = join(dir, 'scored.safetensors');
  await saveModel(model, path, { fit: result, testAccuracy: one.accuracy });
  const { meta } = await loadModel(path);
  assert.equal([meta.epochsCompleted, meta.seed, meta.metrics.testAccuracy, meta.training.layers], [1, 0, one.accuracy, 'dense:32,relu,dense:10']);
  assert.is(meta.metrics.epochs[0].cost, result.history[0].cost);
  const cli = JSON.parse((await runMain(['evaluate', '--checkpoint', path, '--json', ...DATA])).stdout);
  assert.equal([cli.accuracy, cli.loss], [one.accuracy, one.loss]);
});

test('predictImages: a PNG file and the same image decoded give what mnist-ts predict prints', async () => {
  const { model } = await fitted();
  const path = join(dir, 'digit.safetensors');
  await saveModel(model, path);
  const file = join(dir, 'photo.png');
  writeFileSync(file, photoPng(0));
  const decoded = pngjs.PNG.sync.read(photoPng(0));
  const [fromFile, fromRgba] = await predictImages(model, [file, { width: 240, height: 200, data: decoded.data }]);
  const cli = JSON.parse((await runMain(['predict', '--checkpoint', path, file, '--json'])).stdout)[0];
  assert.equal(fromFile.probabilities, cli.probabilities);
  assert.equal(fromRgba.probabilities, cli.probabilities);
  assert.is(fromFile.predicted, mnist.test.labels[0]);
  assert.is(fromRgba.source, 'image 1');
});

test('saveModel with no fit result: evaluate reads it, train --resume refuses it in one line', async () => {
  const model = mlp({ hidden: [8] }).initialize(1);
  const path = join(dir, 'untrained.safetensors');
  await saveModel(model, path);
  assert.is((await runMain(['evaluate', '--checkpoint', path, ...DATA])).code, 0);
  const r = await runMain(['train', '--resume', path, '--epochs', '1', ...DATA], { cwd: dir });
  assert.is(r.code, 2);
  assert.is(r.stderr, `mnist-ts: --resume ${path}: saved without its training run (saveModel with no fit result), so there is no run to continue\n`);
});

test('fit on a SIMD model trains a copy: the model gets the weights, its kernel memory does not grow', async () => {
  const model = mlp({ hidden: [16] }, { kernels: kernelsFor('simd') }).initialize(2);
  const bytes = () => model.kernels.memory!.used;
  const before = bytes();
  const start = model.params.slice();
  await fit(model, mnist.validation, { epochs: 1, optimizer: new Momentum(0.05), threads: 2, validation: mnist.test });
  assert.is(bytes(), before);
  assert.ok(model.params.some((v, i) => v !== start[i]), 'trained');
});

test('a model fitted on data of its own is saved, and train --resume refuses it in one line', async () => {
  const x = Float32Array.from({ length: 200 * 784 }, (_, i) => (i % 7) / 7);
  const model = mlp({ hidden: [8] }).initialize(3);
  const result = await fit(model, denseData(x, Array.from({ length: 200 }, (_, i) => i % 10), 784, 10), { epochs: 1, optimizer: new Momentum(0.05), batchSize: 20, threads: 1 });
  const path = join(dir, 'own.safetensors');
  await saveModel(model, path, { fit: result });
  const r = await runMain(['train', '--resume', path, '--epochs', '2', ...DATA], { cwd: dir });
  assert.is(r.code, 2);
  assert.is(r.stderr, `mnist-ts: --resume ${path}: trained from code on data of its own, not on MNIST's training split, so train cannot continue it (fit can)\n`);
});

/** The error `run` throws: its class and its message, which must be one line. */
async function failure(run: () => Promise<unknown>): Promise<[string, string]> {
  try {
    await run();
  } catch (e) {
    assert.instance(e, MnistTsError);
    assert.not.match((e as Error).message, '\n');
    return [(e as Error).constructor.name, (e as Error).message];
  }
  assert.unreachable('expected an error');
  return ['', ''];
}

test('bad options and inputs: one line each, in the error classes the rest of the library throws', async () => {
  const model = mlp({ hidden: [8] });
  const opt = new Momentum(0.05);
  assert.equal(await failure(() => fit(model, mnist.train, { epochs: 1, optimizer: opt, batchSize: 0 })), [OptionError.name, 'batchSize: 0, expected a whole number > 0']);
  assert.equal(await failure(() => fit(model, mnist.train, { epochs: 1, optimizer: opt, threads: 0 })), [OptionError.name, 'threads: 0, expected a whole number from 1 to 256']);
  assert.equal(await failure(() => fit(model, mnist.train, { epochs: 1, optimizer: opt, kernels: 'fast' as 'js' })), [OptionError.name, "kernels: 'fast', expected one of auto, simd, js"]);
  assert.equal(await failure(() => fit(mlp({ hidden: [8], classes: 5 }), mnist.train, { epochs: 1, optimizer: opt })), [DataError.name, 'train: label 9, but the model predicts 5 classes (0..4)']);
  assert.equal(await failure(() => evaluateModel(mlp({ inputs: 4, hidden: [8] }), mnist.test)), [OptionError.name, 'model takes 4 inputs, but the data has 784 per example']);
  assert.equal(await failure(() => predictImages(model, [join(dir, 'nothing.png')])), [DataError.name, `${join(dir, 'nothing.png')}: cannot read (no such file)`]);
  assert.equal(await failure(() => predictImages(model, [{ width: 3, height: 2, data: new Uint8Array(5) }])), [OptionError.name, 'image 0: 5 bytes, expected 3×2×4 (RGBA) or 3×2 (gray)']);
  assert.equal(await failure(() => loadModel(join(dir, 'none.safetensors'))), [DataError.name, `${join(dir, 'none.safetensors')}: cannot read the model (no such file)`]);
  assert.equal(await failure(() => loadModel(join(dir, 'none.safetensors'), { kernels: 'gpu' as 'js' })), [OptionError.name, "kernels: 'gpu', expected one of auto, simd, js"]);
  assert.equal(await failure(() => predictImages(model, [{ width: 1, height: 1, data: new Uint8Array(1) }], { threads: 0 })), [OptionError.name, 'threads: 0, expected a whole number from 1 to 256']);
  assert.equal(await failure(() => evaluateModel(model, mnist.test, { kernels: 'fast' as 'js' })), [OptionError.name, "kernels: 'fast', expected one of auto, simd, js"]);
  assert.equal(await failure(() => saveModel(model, join(dir, 'x.safetensors'), { testAccuracy: 2 })), [OptionError.name, 'testAccuracy: 2, expected a number from 0 to 1']);
  const { result } = await fitted();
  assert.equal(await failure(() => saveModel(model, join(dir, 'x.safetensors'), { fit: result })), [OptionError.name, 'fit: the result of training dense:32,relu,dense:10, but this model is dense:8,relu,dense:10']);
  assert.equal(await failure(() => fit(mlp({ hidden: [8], classes: 5 }), denseData(new Float32Array(784), [3], 784, 10), { epochs: 1, optimizer: opt })), [DataError.name, 'training data: 10 classes, but the model predicts 5']);
});

test.run();
