/**
 * Convolutional models through the CLI: --layers with dropout, augmentation, AdamW, weight decay
 * and a cosine schedule; resume is bit-exact (Adam's moments in the checkpoint); evaluate,
 * predict and report read the checkpoint. Trained on 5000 images so that it stays quick.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runMain } from './helpers/cli.js';
import { writeMnistSubset } from './helpers/synthetic-mnist.js';
import { loadCheckpointFile } from '../src/node/checkpoint-file.js';
import { BEST_LAYERS, buildModel, FAST_LAYERS, recipeFor } from '../src/train/recipes.js';
import { CNN_LAYERS } from '../src/engine/index.js';
import { assertSameBits } from './helpers/bits.js';

const dir = mkdtempSync(join(tmpdir(), 'cnn-cli-'));
// 5000 training, 1000 validation and 1000 test images of the real MNIST.
const data = ['--data-dir', await writeMnistSubset(6000, 1000)];
const LAYERS = 'conv:4:5,relu,pool:4,flatten,dropout:0.2,dense:10';
const common = [...data, '--layers', LAYERS, '--validation-size', '1000', '--optimizer', 'adamw', '--weight-decay', '0.001', '--lr', '0.01', '--lr-schedule', 'cosine', '--augment-shift', '2', '--batch-size', '50', '--threads', '2', '--json'];

/** The uninterrupted 2-epoch run of LAYERS, trained by whichever test asks first: no test needs another to have run. */
let uninterrupted: { path: string; stdout: string } | undefined;
async function fullRun(): Promise<{ path: string; stdout: string }> {
  if (!uninterrupted) {
    const path = join(dir, 'full.safetensors');
    const full = await runMain(['train', '--epochs', '2', '--save', path, ...common]);
    assert.is(full.code, 0, full.stderr);
    uninterrupted = { path, stdout: full.stdout };
  }
  return uninterrupted;
}

test('--layers model: resume is bit-identical to an uninterrupted run (AdamW, cosine, dropout, shifts)', async () => {
  const full = await fullRun();
  // The schedule is fixed in the checkpoint when training starts, so the run to resume is one
  // that planned 2 epochs and was stopped (Ctrl-C) after the first.
  const planned = await runMain(['train', '--epochs', '2', '--interrupt-after', '100', '--save', join(dir, 'planned.safetensors'), ...common]);
  assert.is(planned.code, 130, planned.stderr);
  const resumed = await runMain(['train', ...data, '--epochs', '2', '--resume', join(dir, 'planned.safetensors'), '--save', join(dir, 'resumed.safetensors'), '--threads', '2', '--json']);
  assert.is(resumed.code, 0, resumed.stderr);
  const a = loadCheckpointFile(full.path);
  const b = loadCheckpointFile(join(dir, 'resumed.safetensors'));
  assertSameBits(b.model.params, a.model.params, 'parameters');
  assert.equal(Object.keys(a.optimizerState).sort(), ['m', 'v']);
  assertSameBits(b.optimizerState.m, a.optimizerState.m, "Adam's m");
  assertSameBits(b.optimizerState.v, a.optimizerState.v, "Adam's v");
  assert.equal(a.meta.training.schedule, { kind: 'cosine', total: 200, floor: 0 });
  assert.is(a.meta.training.layers, LAYERS);
  assert.is(a.meta.architecture[0].type, 'conv2d');
  const final = JSON.parse(full.stdout.trim().split('\n').at(-1)!);
  assert.ok(final.test_accuracy > 0.6, `accuracy ${final.test_accuracy} after 2 short epochs (chance: 0.1)`);
});

test('evaluate, predict and report read a convolutional checkpoint', async () => {
  const model = (await fullRun()).path;
  const trained = loadCheckpointFile(model).meta.metrics.testAccuracy!;
  const ev = await runMain(['evaluate', '--checkpoint', model, ...data, '--json']);
  assert.is(ev.code, 0, ev.stderr);
  assert.is(JSON.parse(ev.stdout).accuracy, trained);
  const out = join(dir, 'pred');
  const pr = await runMain(['predict', '--checkpoint', model, ...data, '--from', 'test', '--index', '0,1', '--out', out, '--json']);
  assert.is(pr.code, 0, pr.stderr);
  assert.is(JSON.parse(pr.stdout).length, 2);
  assert.ok(existsSync(join(out, 'contact-sheet.png')));
  const rep = await runMain(['report', '--checkpoint', model, ...data, '--out', join(dir, 'report')]);
  assert.is(rep.code, 0, rep.stderr);
  const meta = await sharp(join(dir, 'report', 'weights.png')).metadata();
  assert.ok(meta.width! > 4 * 100, 'four filters drawn large');
  // Image files through the CNN: test digits written as 28×28 PNGs predict as the data set's arrays do.
  const { loadMnist } = await import('../src/node/mnist-files.js');
  const test = loadMnist({ dataDir: data[1], validationSize: 1000 }).test;
  const pngs = join(dir, 'pngs');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(pngs, { recursive: true });
  for (const i of [0, 1, 2]) {
    await sharp(Buffer.from(test.pixels.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(pngs, `test-${i}.png`));
  }
  const files = await runMain(['predict', '--checkpoint', model, pngs, '--json']);
  assert.is(files.code, 0, files.stderr);
  const fromData = await runMain(['predict', '--checkpoint', model, ...data, '--from', 'test', '--index', '0,1,2', '--json']);
  const probabilities = (out: string) => JSON.parse(out).map((p: { probabilities: number[] }) => p.probabilities);
  assert.equal(probabilities(files.stdout), probabilities(fromData.stdout));
  // The old spelling of --checkpoint still works, with one note.
  const old = await runMain(['evaluate', '--model', model, ...data, '--json']);
  assert.is(old.code, 0, old.stderr);
  assert.is(JSON.parse(old.stdout).accuracy, trained);
  assert.is(old.stderr, `mnist-ts: note: --model FILE is deprecated here (in train, --model names an architecture): use --checkpoint ${model}\n`);
});

test('--lr-schedule step end to end: the rate recorded and applied is lr × gamma every N epochs', async () => {
  const path = join(dir, 'step.safetensors');
  const r = await runMain(['train', '--model', 'mlp', '--hidden', '16', ...data, '--validation-size', '1000', '--optimizer', 'momentum', '--lr', '0.1', '--lr-schedule', 'step', '--lr-step-epochs', '1', '--lr-gamma', '0.5', '--epochs', '3', '--threads', '1', '--save', path]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'momentum lr 0.1, step schedule, batch 100, 3 epochs of 50 steps');
  const ckpt = loadCheckpointFile(path);
  assert.equal(ckpt.meta.training.schedule, { kind: 'step', every: 50, gamma: 0.5 });
  const { makeOptimizer } = await import('../src/engine/index.js');
  const opt = makeOptimizer('momentum', 0.1, 0.9, { schedule: ckpt.meta.training.schedule });
  assert.equal([1, 50, 51, 100, 101, 150].map((t) => opt.learningRate(t)), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
  assert.is(ckpt.meta.metrics.epochs.length, 3);
});

test('--lr-schedule onecycle, --betas and --label-smoothing: recorded in the checkpoint, and resume is bit-identical', async () => {
  const run = [...data, '--model', 'mlp', '--hidden', '16', '--validation-size', '1000', '--optimizer', 'adam', '--betas', '0.7,0.9', '--lr', '0.01', '--lr-schedule', 'onecycle', '--lr-warmup', '0.25', '--label-smoothing', '0.1', '--threads', '2', '--json'];
  const full = await runMain(['train', '--epochs', '2', '--save', join(dir, 'cycle-full.safetensors'), ...run]);
  assert.is(full.code, 0, full.stderr);
  const planned = await runMain(['train', '--epochs', '2', '--interrupt-after', '60', '--save', join(dir, 'cycle-planned.safetensors'), ...run]);
  assert.is(planned.code, 130, planned.stderr);
  const resumed = await runMain(['train', ...data, '--epochs', '2', '--resume', join(dir, 'cycle-planned.safetensors'), '--save', join(dir, 'cycle-resumed.safetensors'), '--threads', '2', '--json']);
  assert.is(resumed.code, 0, resumed.stderr);
  const a = loadCheckpointFile(join(dir, 'cycle-full.safetensors'));
  const b = loadCheckpointFile(join(dir, 'cycle-resumed.safetensors'));
  assert.equal(a.meta.training.schedule, { kind: 'onecycle', total: 100, warmup: 0.25, div: 25, finalDiv: 1e4 });
  assert.equal([a.meta.training.beta1, a.meta.training.beta2, a.meta.training.labelSmoothing], [0.7, 0.9, 0.1]);
  assertSameBits(b.model.params, a.model.params, 'parameters');
  assertSameBits(b.optimizerState.m, a.optimizerState.m, "Adam's m");
  assertSameBits(b.optimizerState.v, a.optimizerState.v, "Adam's v");
  // Each flag reaches the training, not just the checkpoint: without it, other weights after the
  // first epoch (kept by the same interruption as the planned run's).
  const epoch1 = loadCheckpointFile(join(dir, 'cycle-planned.safetensors')).model.params;
  for (const [flag, value] of [['--label-smoothing', '0.1'], ['--betas', '0.7,0.9']]) {
    const at = run.indexOf(flag);
    const without = [...run.slice(0, at), ...run.slice(at + 2)];
    const other = await runMain(['train', '--epochs', '2', '--interrupt-after', '60', '--save', join(dir, 'cycle-without.safetensors'), ...without]);
    assert.is(other.code, 130, other.stderr);
    const c = loadCheckpointFile(join(dir, 'cycle-without.safetensors'));
    assert.is(c.meta.epochsCompleted, 1);
    assert.ok(c.model.params.some((v, i) => v !== epoch1[i]), `${flag} ${value} changed nothing`);
  }
});

// The text's other errors are parseLayers's, tested in-process (layers-text.test.ts): these two show the CLI's wiring.
test('bad --layers: one line naming the item, exit code 2', async () => {
  const cases: [string, RegExp][] = [
    ['conv:8:5,pool:2,dense', /^mnist-ts: --layers: item 3 'dense' expected dense:OUTPUTS\n$/],
    ['conv:8:5,relu,flatten,dense:7', /^mnist-ts: --layers: the last layer gives 7 outputs, expected 10/],
    // Few parameters, but each example's layer outputs would take 4 GiB: refused before any is allocated.
    ['conv:20000:3,relu,pool:26,flatten,dense:10', /^mnist-ts: --layers: its layers give [\d,]+ values for one example, more than the 16,777,216 a model may \(MAX_EXAMPLE_VALUES\)\n$/],
  ];
  for (const [text, pattern] of cases) {
    const r = await runMain(['train', ...data, '--layers', text, '--epochs', '1', '--no-save']);
    assert.is(r.code, 2, `${text}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});

test('--model cnn through the CLI: the preset with its recipe, on the pool, saved and evaluated', async () => {
  const path = join(dir, 'cnn.safetensors');
  const r = await runMain(['train', '--model', 'cnn', ...data, '--validation-size', '1000', '--epochs', '1', '--threads', '2', '--save', path]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, `Training CNN ${CNN_LAYERS} (22226 parameters) on 5000 images: adam lr 0.002, cosine schedule, shifts of up to ±1 px, batch 64, 1 epoch of 78 steps, 2 threads`);
  const accuracy = Number(/Accuracy: ([\d.]+)/.exec(r.stdout)?.[1]);
  assert.ok(accuracy > 0.5, `accuracy ${accuracy} after one epoch on 5000 images`);
  const ev = await runMain(['evaluate', '--checkpoint', path, ...data, '--json']);
  assert.is(ev.code, 0, ev.stderr);
  assert.is(JSON.parse(ev.stdout).accuracy.toFixed(4), accuracy.toFixed(4));
});

test('--model fast through the CLI: its layers and recipe, saved in log/fast.safetensors by default, and evaluated', async () => {
  const home = mkdtempSync(join(tmpdir(), 'fast-'));
  const r = await runMain(['train', '--model', 'fast', ...data, '--validation-size', '1000', '--threads', '2'], { cwd: home });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, `Training fast CNN ${FAST_LAYERS} (37610 parameters) on 5000 images: adam lr 0.015, onecycle schedule (warm-up 0.25), label smoothing 0.1, batch 64, 2 epochs of 78 steps, 2 threads`);
  assert.match(r.stdout, 'Model saved in file: log/fast.safetensors');
  const ckpt = loadCheckpointFile(join(home, 'log', 'fast.safetensors'));
  assert.equal([ckpt.meta.training.model, ckpt.meta.training.labelSmoothing, ckpt.meta.training.schedule?.kind], ['fast', 0.1, 'onecycle']);
  const accuracy = Number(/Accuracy: ([\d.]+)/.exec(r.stdout)?.[1]);
  assert.ok(accuracy > 0.9, `accuracy ${accuracy} after two epochs on 5000 images`);
  const ev = await runMain(['evaluate', '--checkpoint', join(home, 'log', 'fast.safetensors'), ...data, '--json']);
  assert.is(JSON.parse(ev.stdout).accuracy.toFixed(4), accuracy.toFixed(4));
});

test('--model best through the CLI: its batch-normalised layers and recipe, with the running statistics in the checkpoint', async () => {
  const path = join(dir, 'best.safetensors');
  // 640 training images, 10 steps: the wiring, not the accuracy (bn-ema-cli.test.ts trains batch normalisation).
  const r = await runMain(['train', '--model', 'best', '--epochs', '1', ...data, '--validation-size', '5360', '--threads', '2', '--save', path]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, `Training best CNN ${BEST_LAYERS} (80298 parameters) on 640 images: adam lr 0.003, onecycle schedule (warm-up 0.3), label smoothing 0.1, shifts of up to ±2 px, batch 64, 1 epoch of 10 steps, 2 threads`);
  const ckpt = loadCheckpointFile(path);
  assert.equal(ckpt.model.runningStatEntries.map((e) => e.name), ['batchnorm0.running_mean', 'batchnorm0.running_var', 'batchnorm1.running_mean', 'batchnorm1.running_var']);
  assert.ok(ckpt.model.runningStats.every((v) => v !== 0 && v !== 1), 'the running statistics moved from their start (means 0, variances 1)');
});

test('--model cnn builds the preset and trains with its recipe', () => {
  const { model, description } = buildModel({ model: 'cnn', hidden: '256', init: 'he', initStd: 1 }, 28, 28, 10);
  assert.is(description, `CNN ${CNN_LAYERS}`);
  assert.equal([...model.inputShape], [1, 28, 28]);
  assert.is(model.outputSize, 10);
  assert.is(recipeFor('cnn').optimizer, 'adam');
  assert.is(recipeFor('softmax').optimizer, 'sgd', 'the tutorial keeps its own');
});

test.run();
