/**
 * Batch normalisation: its definition per ghost batch, its gradients against central differences,
 * its running statistics (as PyTorch's BatchNorm moves them), the `bn` item of --layers, the
 * checkpoint, and training on a pool whose cut of the batch changes nothing in the statistics.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchNorm, BN_EPSILON, BN_MOMENTUM, Conv2D, Dense, GHOST_BATCH, GlobalAvgPool, Momentum, Rng, Sequential, formatLayers, fromLayers, normal, type Layer } from '../src/engine/index.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/train/checkpoint.js';
import { loadMnist, bundledDataDir } from '../src/node/mnist-files.js';
import { PoolBackend } from '../src/node/pool-backend.js';
import { InProcessBackend, type GradientBackend } from '../src/train/gradient-backend.js';
import { BatchGradient } from '../src/train/batch-gradient.js';
import { csrFromSplit } from '../src/train/training-data.js';
import { kernelsFor } from '../src/engine/kernels/kernel-select.js';
import { assertSameBits } from './helpers/bits.js';
import { checkModel, input, inputGradients } from './helpers/gradcheck.js';

/** Mean and biased variance of channel c of examples [from, to) of x ([batch, C, P]). */
function moments(x: Float32Array, C: number, P: number, c: number, from: number, to: number): [number, number] {
  const values: number[] = [];
  for (let r = from; r < to; r++) for (let p = 0; p < P; p++) values.push(x[(r * C + c) * P + p]);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return [mean, values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length];
}

test('training normalises each channel by its ghost batch alone; inference by the running statistics', () => {
  const C = 3, P = 4, batch = GHOST_BATCH + 5;
  const model = new Sequential([new BatchNorm([C, 2, 2])]).initialize(1);
  const x = input(batch, C * P, new Rng(1)).map((v, i) => v * 3 + (i % 7));
  const y = Float32Array.from(model.forward(x, batch, true));
  for (const [from, to] of [[0, GHOST_BATCH], [GHOST_BATCH, batch]]) {
    for (let c = 0; c < C; c++) {
      const [mean, variance] = moments(y, C, P, c, from, to);
      assert.ok(Math.abs(mean) < 1e-5 && Math.abs(variance - 1) < 1e-3, `ghost from ${from}, channel ${c}: mean ${mean}, variance ${variance}`);
    }
  }
  // The second ghost batch's output does not move when the first's input does.
  const changed = Float32Array.from(x);
  for (let i = 0; i < GHOST_BATCH * C * P; i++) changed[i] *= 2;
  const y2 = model.forward(changed, batch, true);
  assertSameBits(y2.subarray(GHOST_BATCH * C * P), y.subarray(GHOST_BATCH * C * P), 'second ghost batch');
  // Inference: γ·(x − running mean)/√(running var + ε) + β, here with the starting 0 and 1.
  const inferred = model.forward(x, batch, false);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(inferred[i] - x[i] / Math.sqrt(1 + BN_EPSILON)) < 1e-5, `inference at ${i}`);
});

test('the running statistics move through the ghost batches in order, as PyTorch\'s would batch by batch (unbiased variance)', () => {
  const C = 2, batch = 2 * GHOST_BATCH + 3;
  const model = new Sequential([new BatchNorm([C])]).initialize(1);
  const x = input(batch, C, new Rng(2)).map((v, i) => v + (i % 2) * 5);
  model.forward(x, batch, true);
  model.batchStats.fold(batch);
  const m = BN_MOMENTUM;
  for (let c = 0; c < C; c++) {
    let mean = 0, variance = 1;
    for (let from = 0; from < batch; from += GHOST_BATCH) {
      const to = Math.min(batch, from + GHOST_BATCH);
      const [mu, v] = moments(x, C, 1, c, from, to);
      mean = (1 - m) * mean + m * mu;
      variance = (1 - m) * variance + (m * v * (to - from)) / (to - from - 1);
    }
    const [rm, rv] = [model.runningStats[c], model.runningStats[C + c]];
    assert.ok(Math.abs(rm - mean) < 1e-6 && Math.abs(rv - variance) < 1e-5, `channel ${c}: ${rm}, ${rv} against ${mean}, ${variance}`);
  }
  assert.equal(model.runningStatEntries.map((e) => e.name), ['batchnorm0.running_mean', 'batchnorm0.running_var']);
});

/**
 * d(sum(y·w))/dx of a batch normalisation layer (γ 1.5, β 0.5) against central differences, as a
 * vector: every entry within 1% of the largest. Entry by entry would not do: the outputs are
 * float32, and every input of a ghost batch moves all of its outputs, so the differences of the
 * smallest entries are mostly rounding.
 */
function checkBnInputGradient(shape: number[], batch: number, seed: number): void {
  const model = new Sequential([new BatchNorm(shape)]);
  model.params.fill(1.5, 0, shape[0]).fill(0.5, shape[0]);
  model.batchStats.reserve(batch);
  const { analytic, numeric } = inputGradients(model.layers[0], batch, seed);
  let worst = 0;
  let largest = 0;
  for (let i = 0; i < numeric.length; i++) {
    worst = Math.max(worst, Math.abs(numeric[i] - analytic[i]));
    largest = Math.max(largest, Math.abs(numeric[i]));
  }
  assert.ok(largest > 0 && worst < 0.01 * largest, `[${shape}] × ${batch}: dx off by ${worst}, largest ${largest}`);
}

test('gradients against central differences: a layer over two ghost batches; a CNN and an MLP with batch normalisation', () => {
  checkBnInputGradient([3, 2, 3], GHOST_BATCH + 4, 11);
  checkBnInputGradient([5], GHOST_BATCH + 6, 12);
  // No ReLU here: with central differences of 1e-2 its kinks blur a convolution's weights by a few percent.
  const conv: Layer[] = [new Conv2D([1, 5, 5], 3, 3, { init: normal(0.5), bias: normal(0.3) }), new BatchNorm([3, 3, 3]), new GlobalAvgPool([3, 3, 3]), new Dense(3, 4, { init: normal(0.5), bias: normal(0.3) })];
  const cnnModel = new Sequential(conv).initialize(5);
  cnnModel.params.set(input(1, cnnModel.paramCount, new Rng(6)).map((v) => v * 0.5));
  const batch = GHOST_BATCH + 3;
  const labels = Array.from({ length: batch }, (_, i) => i % 4);
  checkModel(cnnModel, input(batch, 25, new Rng(7)), labels, batch, 'conv+bn', 1e-2, true);
  // A dense layer's ghost batch of a few examples is too curved for differences of 1e-2: 8 here.
  const dense = new Sequential([new Dense(6, 5, { init: normal(0.5) }), new BatchNorm([5]), new Dense(5, 4, { init: normal(0.5) })]).initialize(8);
  checkModel(dense, input(GHOST_BATCH + 8, 6, new Rng(9)), Array.from({ length: GHOST_BATCH + 8 }, (_, i) => i % 4), GHOST_BATCH + 8, 'dense+bn', 1e-2, true);
});

test('`bn` in --layers, after a convolution or a dense layer; a checkpoint keeps the running statistics', () => {
  const model = fromLayers('conv:4:5,bn,relu,pool:2,flatten,dense:8,bn,relu,dense:10', [1, 28, 28]);
  assert.equal(model.layers.filter((l) => l.type === 'batchnorm').map((l) => l.inputShape), [[4, 24, 24], [8]]);
  assert.is(formatLayers(model.spec()), 'conv:4:5,bn,relu,pool:2,flatten,dense:8,bn,relu,dense:10');
  assert.throws(() => fromLayers('conv:4:5,bn:2,dense:10', [1, 28, 28]), /item 2 'bn:2' takes no arguments/);
  model.initialize(3);
  model.runningStats.set(input(1, model.runningStats.length, new Rng(4)).map((v) => Math.abs(v)));
  const meta = { training: {} as never, epochsCompleted: 0, seed: 3, sampler: { epoch: 0, position: 0 }, metrics: { epochs: [], testAccuracy: null }, optimizer: 'sgd' };
  const loaded = decodeCheckpoint(encodeCheckpoint(model, {}, meta), 'bn.safetensors').model;
  assertSameBits(loaded.runningStats, model.runningStats, 'running statistics');
  assertSameBits(loaded.params, model.params, 'parameters');
});

// On the SIMD kernels, as the other pool tests (the JS ones cost more under coverage).
const kernels = kernelsFor('simd');
const data = csrFromSplit(loadMnist({ dataDir: bundledDataDir() }).train, 10, kernels.allocator);
const LAYERS = 'conv:4:5,bn,relu,pool:2,flatten,dense:16,bn,relu,dense:10';

/**
 * Four steps of batch 72 (4 full ghost batches and a short one) on `threads` threads cut into
 * `perThread` pieces each, the weights put back after each step (paramsWritten), so that each
 * step's statistics depend on its batch alone. Returns the running statistics at the end and the
 * weights after the first step. (Which thread computed which piece is up to the scheduler: the next
 * test shows what a worker's model writes, without one.)
 */
async function fourSteps(threads: number, perThread: number) {
  const model = fromLayers(LAYERS, [1, 28, 28], { kernels }).initialize(7);
  const optimizer = new Momentum(0.05, 0.9);
  const pool = threads > 1 ? new PoolBackend(model, data, optimizer, { threads, maxBatch: 72, piecesPerThread: perThread }) : undefined;
  const backend: GradientBackend = pool ?? new InProcessBackend(model, data, optimizer);
  const initial = Float32Array.from(model.params);
  let afterFirst = initial;
  try {
    for (let t = 1; t <= 4; t++) {
      await backend.step(Int32Array.from({ length: 72 }, (_, i) => (11 * i + 997 * t) % data.count), 72, t);
      await backend.sync?.();
      if (t === 1) afterFirst = Float32Array.from(model.params);
      model.params.set(initial);
      backend.paramsWritten?.();
    }
    return { runningStats: Float32Array.from(model.runningStats), afterFirst };
  } finally {
    await backend.close();
  }
}

test('a pool cuts its pieces at ghost batches: the running statistics are the same bits on 1 or 2 threads, in 1 or 3 pieces a thread', async () => {
  const one = await fourSteps(1, 1);
  for (const perThread of [1, 3]) {
    const pool = await fourSteps(2, perThread);
    assertSameBits(pool.runningStats, one.runningStats, `running statistics, 2 threads × ${perThread} pieces`);
    // The gradient sums are cut differently, so the weights agree to rounding only.
    let worst = 0;
    for (let i = 0; i < one.afterFirst.length; i++) worst = Math.max(worst, Math.abs(pool.afterFirst[i] - one.afterFirst[i]));
    assert.ok(worst < 1e-6, `weights after a step differ by ${worst}`);
  }
  const fresh = fromLayers(LAYERS).runningStats;
  assert.ok(one.runningStats.every((v, i) => v !== fresh[i]), 'the steps moved every statistic');
});

test('two models over one batch-statistics buffer, as a pool\'s threads are, each computing some ghost batches: the main one folds what both wrote', () => {
  const indices = Int32Array.from({ length: 72 }, (_, i) => 13 * i + 5);
  const alone = fromLayers(LAYERS, [1, 28, 28], { kernels }).initialize(9);
  new BatchGradient(alone, data).compute(indices, 0, 72, 72, 1);
  alone.batchStats.fold(72);
  const main = fromLayers(LAYERS, [1, 28, 28], { kernels }).initialize(9);
  main.batchStats.reserve(72);
  // A worker's model: the same parameters, running statistics and batch statistics, gradients of its own.
  const worker = Sequential.fromSpec(main.spec(), { params: main.params, runningStats: main.runningStats, batchStats: main.batchStats.values, kernels });
  new BatchGradient(main, data).compute(indices, 0, 32, 72, 1);
  new BatchGradient(worker, data).compute(indices, 32, 72, 72, 1);
  main.batchStats.fold(72);
  assertSameBits(main.runningStats, alone.runningStats, 'running statistics');
  assertSameBits(worker.runningStats, alone.runningStats, 'the worker sees them');
});

test.run();
