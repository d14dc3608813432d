/**
 * A model with batch normalisation and an average of its weights (--ema) through the CLI: trained
 * on 2 threads, resumed bit-exactly (running statistics, trained weights and accumulator
 * included), scored the same in a fresh process, and read the same by numpy alone
 * (scripts/peers/read_checkpoint.py). Trained on 2000 images so that it stays quick.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli, runMain } from './helpers/cli.js';
import { writeMnistSubset } from './helpers/synthetic-mnist.js';
import { loadCheckpointFile } from '../src/node/checkpoint-file.js';
import { loadMnist } from '../src/node/mnist-files.js';
import { assertSameBits } from './helpers/bits.js';

const dir = mkdtempSync(join(tmpdir(), 'bn-cli-'));
// 2000 training, 1000 validation and 1000 test images of the real MNIST: 40 steps an epoch.
const dataDir = await writeMnistSubset(3000, 1000);
const LAYERS = 'conv:4:5,pool:2,relu,bn,flatten,dense:16,bn,relu,dense:10';
const common = ['--data-dir', dataDir, '--layers', LAYERS, '--validation-size', '1000', '--lr', '0.01', '--batch-size', '50', '--ema', '0.95', '--threads', '2', '--json'];
const full = join(dir, 'full.safetensors');

test('batch normalisation and --ema on 2 threads: a resumed run gives the same average, trained weights and running statistics', async () => {
  const whole = await runMain(['train', '--epochs', '2', '--save', full, ...common]);
  assert.is(whole.code, 0, whole.stderr);
  const planned = await runMain(['train', '--epochs', '2', '--interrupt-after', '40', '--save', join(dir, 'planned.safetensors'), ...common]);
  assert.is(planned.code, 130, planned.stderr);
  const resumed = await runMain(['train', '--data-dir', dataDir, '--epochs', '2', '--resume', join(dir, 'planned.safetensors'), '--save', join(dir, 'resumed.safetensors'), '--threads', '2', '--json']);
  assert.is(resumed.code, 0, resumed.stderr);
  const a = loadCheckpointFile(full);
  const b = loadCheckpointFile(join(dir, 'resumed.safetensors'));
  assertSameBits(b.model.params, a.model.params, 'the average (the saved model)');
  assertSameBits(b.model.runningStats, a.model.runningStats, 'running statistics');
  assert.equal(Object.keys(a.optimizerState).sort(), ['average', 'm', 'trained', 'v']);
  for (const key of ['trained', 'average', 'm', 'v']) assertSameBits(b.optimizerState[key], a.optimizerState[key], key);
  // The saved model is the bias-corrected accumulator after 80 steps, not the trained weights.
  const correction = 1 - 0.95 ** 80;
  assert.ok(a.model.params.every((p, i) => p === Math.fround(a.optimizerState.average[i] / correction)), 'params = accumulator / (1 − 0.95^80)');
  assert.ok(a.model.params.some((p, i) => p !== a.optimizerState.trained[i]), 'the average differs from the trained weights');
  const model = a.model;
  assert.equal(model.runningStatEntries.map((e) => e.name), ['batchnorm0.running_mean', 'batchnorm0.running_var', 'batchnorm1.running_mean', 'batchnorm1.running_var']);
});

test('the checkpoint scores the same in a fresh process, and numpy alone reads it the same', async () => {
  const checkpoint = loadCheckpointFile(full);
  const trained = checkpoint.meta.metrics.testAccuracy!;
  assert.ok(trained > 0.8, `accuracy ${trained} after 2 short epochs (chance: 0.1)`);
  const ev = runCli(['evaluate', '--checkpoint', full, '--data-dir', dataDir, '--json']);
  assert.is(ev.code, 0, ev.stderr);
  assert.is(JSON.parse(ev.stdout).accuracy, trained);
  const py = spawnSync('python3', [join(ROOT, 'scripts/peers/read_checkpoint.py'), full, dataDir], { encoding: 'utf8' });
  assert.is(py.status, 0, py.stderr);
  const numpy = JSON.parse(py.stdout) as { test_accuracy: number; logits_head: number[] };
  // Float32 against float64 sums: an image on a knife edge may tip, so one image's worth at most.
  assert.ok(Math.abs(numpy.test_accuracy - trained) <= 1 / 1000, `numpy ${numpy.test_accuracy}, mnist-ts ${trained}`);
  const first = loadMnist({ dataDir, validationSize: 1000 }).test;
  const logits = checkpoint.model.forward(Float32Array.from(first.pixels.subarray(0, 784), (v) => v / 255), 1);
  for (let j = 0; j < 10; j++) assert.ok(Math.abs(logits[j] - numpy.logits_head[j]) < 1e-4, `logit ${j}: ${logits[j]} against numpy's ${numpy.logits_head[j]}`);
});

test.run();
