import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMnist, bundledDataDir } from '../src/node/mnist-files.js';
import { createBackend, startGradientWorkers } from '../src/node/create-backend.js';
import { PoolBackend, WorkerError } from '../src/node/pool-backend.js';
import { csrFromSplit, denseData } from '../src/train/training-data.js';
import { train } from '../src/train/trainer.js';
import { evaluateData } from '../src/train/evaluate-data.js';
import { evenRange } from '../src/train/even-range.js';
import { SHARED_UPDATE_FROM, sharesUpdate, spreadRange, UPDATE_CHUNK, updateChunk } from '../src/train/pool/slab-sums.js';
import { reduceAndUpdate, updateByChunks } from '../src/train/pool/first-layer-columns.js';
import { mlp, softmaxRegression, SGD, Momentum, Adam, Rng, zeros, fromLayers } from '../src/engine/index.js';
import { kernelsFor } from '../src/engine/kernels/kernel-select.js';
import { assertSameBits } from './helpers/bits.js';

const mnist = loadMnist({ dataDir: bundledDataDir() });
const data = csrFromSplit(mnist.train, 10);

/**
 * An MLP 784-`hidden`-10 (with no hidden layer, the tutorial's softmax regression) trained for
 * `steps` steps on `threads` threads, on the JS kernels unless
 * `path` says otherwise. With 32 hidden units it is small enough (25,450 parameters) for the main
 * thread to update alone, and its first layer too narrow to split.
 */
async function run(threads: number, steps: number, seed = 1, hidden: number | number[] = 32, path: 'js' | 'simd' = 'js') {
  const layers = typeof hidden === 'number' ? [hidden] : hidden;
  const model = (layers.length > 0 ? mlp({ hidden: layers }, { kernels: kernelsFor(path) }) : softmaxRegression({}, { kernels: kernelsFor(path) })).initialize(seed);
  const optimizer = new Momentum(0.05, 0.9);
  const backend = createBackend(model, data, optimizer, threads, 100);
  // epochs are 550 steps; train on a prefix view of the data to make `steps` steps an epoch
  const sub = { ...data, count: steps * 100 };
  try {
    await train(model, sub, { epochs: 1, batchSize: 100, seed, optimizer, backend });
  } finally {
    await backend.close();
  }
  return model;
}

test('the CSR training data holds exactly the pixels (word-skipping and byte paths)', async () => {
  const { splitToFloat } = await import('../src/data/dataset.js');
  const { gatherBatch, BatchBuffers } = await import('../src/train/training-data.js');
  const { writeSyntheticMnist } = await import('./helpers/synthetic-mnist.js');
  const odd = loadMnist({ dataDir: writeSyntheticMnist({ rows: 6, cols: 5, train: 50 }), validationSize: 10 });
  for (const split of [mnist.validation, odd.train]) {
    const csr = csrFromSplit(split, 10);
    const all = Int32Array.from({ length: split.count }, (_, i) => i);
    const m = gatherBatch(csr, all, 0, split.count, new BatchBuffers());
    assert.ok(!(m instanceof Float32Array));
    assert.equal(Array.from((m as import('../src/engine/kernels/csr.js').CsrMatrix).toDense()), Array.from(splitToFloat(split)));
  }
});

test('even ranges are contiguous and cover the batch', () => {
  for (const [b, t] of [[100, 2], [100, 3], [7, 4], [1, 2]]) {
    let next = 0;
    for (let s = 0; s < t; s++) {
      const [lo, hi] = evenRange(b, t, s);
      assert.is(lo, next);
      next = hi;
    }
    assert.is(next, b);
  }
});

test('the update in chunks: every parameter summed and updated once, whoever claims it; small models stay on the main thread', () => {
  assert.not.ok(sharesUpdate(7850, 2), 'the tutorial\'s model is updated by the main thread alone');
  assert.not.ok(sharesUpdate(SHARED_UPDATE_FROM - 1, 4));
  assert.ok(sharesUpdate(22_226, 2), 'the CNN preset shares its update');
  assert.ok(sharesUpdate(203_530, 2), 'the MLP 784-256-10 shares its update');
  assert.not.ok(sharesUpdate(203_530, 1));
  // A model under two chunks is cut into two a thread, at whole cache lines; a larger one into UPDATE_CHUNKs.
  assert.is(updateChunk(22_226, 2), 5568);
  assert.is(updateChunk(2 * UPDATE_CHUNK - 1, 3), Math.ceil((2 * UPDATE_CHUNK - 1) / 6 / 16) * 16);
  assert.is(updateChunk(2 * UPDATE_CHUNK, 2), UPDATE_CHUNK);
  assert.is(updateChunk(203_530, 4), UPDATE_CHUNK);
  for (const [params, threads] of [[SHARED_UPDATE_FROM, 2], [22_226, 2], [22_226, 3], [2 * UPDATE_CHUNK, 2], [101_770, 2], [203_530, 2]]) {
    const chunk = updateChunk(params, threads);
    const small = params < 2 * UPDATE_CHUNK;
    assert.ok(small ? chunk % 16 === 0 && Math.ceil(params / chunk) === 2 * threads : chunk === UPDATE_CHUNK, `${params} on ${threads}: chunk ${chunk}`);
    const ctrl = new Int32Array(16);
    const slabs = [new Float32Array(params).fill(1), new Float32Array(params).fill(2)];
    const updated = new Int32Array(params);
    const add = (dst: Float32Array, src: Float32Array, a: number, b: number) => {
      for (let i = a; i < b; i++) {
        dst[i] += src[i];
        src[i] = 0;
      }
    };
    const update = (a: number, b: number) => {
      for (let i = a; i < b; i++) {
        updated[i] += slabs[0][i] === 3 ? 1 : 100; // the slabs were summed first
        slabs[0][i] = 0;
      }
    };
    // Thread A claims the first chunk and is slow with it; thread B takes every other; A then finds none left.
    const a0 = Atomics.add(ctrl, 0, 1) * chunk;
    const second = updateByChunks(ctrl, 0, params, slabs, add, update, 0, chunk);
    reduceAndUpdate(slabs, a0, a0 + chunk, add, update);
    const first = 1 + updateByChunks(ctrl, 0, params, slabs, add, update, 0, chunk);
    assert.is(first + second, Math.ceil(params / chunk), `${params}: every chunk once`);
    assert.ok(updated.every((u) => u === 1), `${params}: every parameter updated once, with the slabs summed`);
    assert.ok(slabs[1].every((g) => g === 0), `${params}: the other slab is clear after`);
  }
});

test('spreadRange writes a thread\'s updated range into the other copies of the parameters, and nothing else', () => {
  const copies = [0, 1, 2].map((c) => Float32Array.from({ length: 40 }, (_, i) => c * 100 + i));
  copies[1].fill(-1, 8, 24);
  spreadRange(copies[1], copies, 8, 24);
  for (const [c, copy] of copies.entries()) {
    for (let i = 0; i < 40; i++) assert.is(copy[i], i >= 8 && i < 24 ? -1 : c * 100 + i, `copy ${c}, element ${i}`);
  }
  // One thread: its own copy is the only one, and stays as it was.
  const alone = copies[0].slice();
  spreadRange(copies[0], [copies[0]], 0, 40);
  assert.equal(Array.from(copies[0]), Array.from(alone));
});

for (const [title, hidden] of [
  // A first layer of 40 is too narrow to split on 2 or 4 threads: the data-parallel step, updated in chunks.
  ['a model big enough to share its update (MLP 784-40-800-10, 72,210 parameters, 3 chunks)', [40, 800]],
  // 128 hidden units split into blocks of 64 or 32 (pool/hidden-units.ts).
  ['a model the threads split by hidden units (MLP 784-128-10)', [128]],
  // A second hidden layer: the first layer's 128 columns split into blocks (pool/first-layer-columns.ts).
  ['a model whose first layer the threads split by columns (MLP 784-128-16-10)', [128, 16]],
  // No hidden layer, the tutorial's model: W's rows split into ranges (pool/input-rows.ts).
  ['a model the threads split by input rows (784-10, the tutorial\'s shape)', []],
] as const) {
  // On the SIMD kernels: the JS ones under coverage made these the suite's slowest tests, and each
  // split runs the JS kernels in blocks-in-threads.test.ts.
  test(`${title}: bit-identical per thread count, within 1e-5 of 1 thread, on 2 threads and on 4`, async () => {
    const a = await run(2, 40, 1, [...hidden], 'simd');
    const b = await run(2, 40, 1, [...hidden], 'simd');
    assertSameBits(a.params, b.params, 'parameters');
    const one = await run(1, 40, 1, [...hidden], 'simd');
    const four = await run(4, 40, 1, [...hidden], 'simd');
    for (const [name, m] of [['2 threads', a], ['4 threads', four]] as const) {
      let worst = 0;
      for (let i = 0; i < one.params.length; i++) worst = Math.max(worst, Math.abs(one.params[i] - m.params[i]));
      assert.ok(worst <= 1e-5, `${name}: max difference ${worst} from 1 thread`);
    }
  });
}

/** The 2-thread, 300-step run, made once for the two tests that compare with it, whichever runs first. */
let twoThreadRun: ReturnType<typeof run> | undefined;
const twoThreads = () => (twoThreadRun ??= run(2, 300));

test('the same seed and thread count give bit-identical weights (2 threads, pool)', async () => {
  const a = await twoThreads();
  const b = await run(2, 300);
  assertSameBits(a.params, b.params, 'parameters');
});

test('workers started ahead of the backend: the same run as a backend that starts its own; unused ones are destroyed', async () => {
  assert.is(startGradientWorkers(1), undefined);
  const started = async (workers: ReturnType<typeof startGradientWorkers>) => {
    const model = mlp({ hidden: [32] }).initialize(1);
    const optimizer = new Momentum(0.05, 0.9);
    const backend = createBackend(model, data, optimizer, 2, 100, { workers });
    try {
      await train(model, { ...data, count: 50 * 100 }, { epochs: 1, batchSize: 100, seed: 1, optimizer, backend });
    } finally {
      await backend.close();
    }
    return model;
  };
  const workers = startGradientWorkers(2)!;
  const early = await started(workers);
  assertSameBits(early.params, (await started(undefined)).params, 'parameters');
  assert.throws(() => workers.take(2), /already taken/);
  await workers.releaseUnused(); // taken: the backend destroyed them; nothing to do
  const unused = startGradientWorkers(3)!;
  assert.throws(() => unused.take(2), /started for 3 threads, asked for 2/);
  await unused.releaseUnused();
  assert.is(unused.pool.threads.length, 0, 'destroyed');
});

test('a closed pool leaves no timer behind (a pending one kept every 2-thread run alive 2 s after its end)', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  await run(2, 20);
  assert.is(timers(), before);
});

test('1 thread and 2 threads agree within 1e-5 after 300 steps', async () => {
  const one = await run(1, 300);
  const two = await twoThreads();
  let worst = 0;
  for (let i = 0; i < one.params.length; i++) worst = Math.max(worst, Math.abs(one.params[i] - two.params[i]));
  assert.ok(worst <= 1e-5, `max difference ${worst}`);
  assert.ok(worst > 0 || one.params.length === 0, 'the two paths are really different computations');
});

test('more threads than cores (waiting threads sleep instead of spinning): still deterministic and close to 1 thread', async () => {
  // On the SIMD kernels: what is tested is the waiting, and under coverage the JS kernels cost most of the time.
  const a = await run(4, 80, 1, 32, 'simd');
  const b = await run(4, 80, 1, 32, 'simd');
  assertSameBits(a.params, b.params, 'parameters');
  const one = await run(1, 80, 1, 32, 'simd');
  let worst = 0;
  for (let i = 0; i < one.params.length; i++) worst = Math.max(worst, Math.abs(one.params[i] - a.params[i]));
  assert.ok(worst <= 1e-5, `max difference ${worst}`);
});

/** An MLP trained for `steps` steps on the given kernel path and thread count. */
async function runOn(path: 'js' | 'simd', threads: number, steps: number) {
  const model = mlp({ hidden: [32] }, { kernels: kernelsFor(path) }).initialize(1);
  const optimizer = new Momentum(0.05, 0.9);
  const backend = createBackend(model, data, optimizer, threads, 100);
  try {
    await train(model, { ...data, count: steps * 100 }, { epochs: 1, batchSize: 100, seed: 1, optimizer, backend });
  } finally {
    await backend.close();
  }
  return model;
}

test('SIMD kernels: bit-identical per thread count, and within 1e-5 of 1 thread and of the JS kernels', async () => {
  const a = await runOn('simd', 2, 300);
  const b = await runOn('simd', 2, 300);
  assertSameBits(a.params, b.params, 'parameters');
  assert.ok(a.params.buffer !== b.params.buffer, 'each model has its own kernel memory');
  const one = await runOn('simd', 1, 300);
  const js = await twoThreads();
  const worst = (x: Float32Array, y: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
  assert.ok(worst(one.params, a.params) <= 1e-5, `1 vs 2 threads: ${worst(one.params, a.params)}`);
  assert.ok(worst(js.params, a.params) <= 1e-5, `JS vs SIMD kernels: ${worst(js.params, a.params)}`);
  assert.ok(worst(js.params, a.params) > 0, 'the two paths are really different computations');
});

/** A small CNN with dropout, trained on a prefix of the data with shifts: the noisy parts of a step. */
async function runCnn(threads: number, optimizer: () => import('../src/engine/optim/optimizers.js').Optimizer) {
  const model = fromLayers('conv:4:5,relu,pool:2,conv:4:3,relu,pool:2,flatten,dropout:0.3,dense:10').initialize(3);
  const opt = optimizer();
  const augment = { shift: 2, channels: 1, height: 28, width: 28 };
  const backend = createBackend(model, data, opt, threads, 40, { seed: 9, augment });
  try {
    await train(model, { ...data, count: 40 * 25 }, { epochs: 1, batchSize: 40, seed: 9, optimizer: opt, backend });
  } finally {
    await backend.close();
  }
  return model;
}

test('a CNN with dropout and shifts: bit-identical per thread count (Adam), and 1 and 2 threads draw the same masks and shifts', async () => {
  const a = await runCnn(2, () => new Adam(0.003));
  const b = await runCnn(2, () => new Adam(0.003));
  assertSameBits(a.params, b.params, 'parameters');
  // With plain SGD the two thread counts differ only by the order of float sums: any difference
  // in a dropout mask or a shift would show far above 1e-5.
  const one = await runCnn(1, () => new SGD(0.05));
  const two = await runCnn(2, () => new SGD(0.05));
  let worst = 0;
  for (let i = 0; i < one.params.length; i++) worst = Math.max(worst, Math.abs(one.params[i] - two.params[i]));
  assert.ok(worst <= 1e-5, `max difference ${worst}`);
  const init = fromLayers('conv:4:5,relu,pool:2,conv:4:3,relu,pool:2,flatten,dropout:0.3,dense:10').initialize(3);
  assert.ok(one.params.some((v, i) => v !== init.params[i]), 'training moved the weights');
});

/** The longest a failure may take to surface before the test calls it a hang (a timeout for hangs, not a speed limit). */
const HANG_MS = 60_000;

/**
 * A 2-thread run whose worker throws or exits at `step`: the tutorial's model, or `model` (an MLP
 * 784-128-10 splits its first layer by columns). Returns the error; a run that neither fails nor
 * ends within HANG_MS fails the test as a hang.
 */
async function trainWithFault(step: number, mode: 'throw' | 'exit', model = softmaxRegression().initialize(0)) {
  const optimizer = new SGD(0.01);
  const backend = new PoolBackend(model, data, optimizer, { threads: 2, maxBatch: 100, testFault: { thread: 1, step, mode } });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no failure surfaced within ${HANG_MS} ms: a hang`)), HANG_MS)));
  try {
    await Promise.race([train(model, data, { epochs: 1, batchSize: 100, seed: 0, optimizer, backend }), hang]);
  } catch (e) {
    if ((e as Error).message.endsWith('a hang')) throw e;
    return { error: e as Error };
  } finally {
    clearTimeout(timer);
    await backend.close();
  }
  throw new Error('training should have failed');
}

test('the pool evaluates the sets it was given split across its threads: the same accuracy as one thread, on both kernel paths; other sets on the main thread', async () => {
  for (const path of ['js', 'simd'] as const) {
    const kernels = kernelsFor(path);
    const model = fromLayers('conv:4:5,pool:2,relu,flatten,dense:10', [1, 28, 28], { kernels }).initialize(5);
    const train = csrFromSplit(mnist.train, 10, kernels.allocator);
    // Parts of the sets: the JS kernels' convolution is slow, and 1,500 images show any difference.
    const validation = { ...csrFromSplit(mnist.validation, 10, kernels.allocator), count: 1500 };
    const test = { ...csrFromSplit(mnist.test, 10, kernels.allocator), count: 1000 };
    const alone = evaluateData(model, validation);
    const backend = createBackend(model, train, new Adam(0.001), 2, 64, { evaluation: [validation] });
    try {
      // Parameters written after the backend was made, before its first step (which the library
      // allows): the workers evaluate them too, not the copies they were given at the start.
      model.initialize(6);
      const rewritten = evaluateData(model, validation);
      assert.not.equal(rewritten.accuracy, alone.accuracy, `${path}: new parameters`);
      assert.is((await backend.evaluate(validation)).accuracy, rewritten.accuracy, `${path}: parameters written before the first step`);
      await backend.step(Int32Array.from({ length: 64 }, (_, i) => i * 7), 64, 1); // the model moves on: evaluate after a step
      const moved = evaluateData(model, validation);
      assert.not.equal(moved.accuracy, alone.accuracy, `${path}: the step changed the model`);
      const split = await backend.evaluate(validation);
      assert.is(split.accuracy, moved.accuracy, `${path}: accuracy over two threads`);
      assert.ok(Math.abs(split.loss - moved.loss) < 1e-6, `${path}: loss ${split.loss} against ${moved.loss}`);
      const other = await backend.evaluate(test); // not given at the start: on the main thread
      assert.is(other.accuracy, evaluateData(model, test).accuracy, `${path}: a set the pool was not given`);
    } finally {
      await backend.close();
    }
  }
});

test('a worker that throws stops training with one clear error, and the pool is destroyed', async () => {
  const { error } = await trainWithFault(3, 'throw');
  assert.instance(error, WorkerError);
  assert.match(error.message, /^training stopped: worker 1 failed at step 4: injected fault at step 3$/);
});

test('a worker that dies is noticed too', async () => {
  const { error } = await trainWithFault(2, 'exit');
  assert.instance(error, WorkerError);
  assert.match(error.message, /worker 1 failed at step 3/);
});

for (const [split, hidden] of [['split by hidden units', [128]], ['with the first layer split by columns', [128, 16]], ['data-parallel (an MLP 784-32-10, too narrow to split)', [32]]] as const) {
  test(`the same ${split}: a worker that throws, and one that dies`, async () => {
    const thrown = await trainWithFault(3, 'throw', mlp({ hidden: [...hidden] }).initialize(0));
    assert.instance(thrown.error, WorkerError);
    assert.match(thrown.error.message, /^training stopped: worker 1 failed at step 4: injected fault at step 3$/);
    const died = await trainWithFault(2, 'exit', mlp({ hidden: [...hidden] }).initialize(0));
    assert.instance(died.error, WorkerError);
    assert.match(died.error.message, /worker 1 failed at step 3/);
  });
}

test('library use: users\' own Float32Arrays, with and without the pool, with callbacks', async () => {
  const rng = new Rng(4);
  const n = 600;
  const x = new Float32Array(n * 5).map(() => rng.normal());
  const y = Int32Array.from({ length: n }, (_, i) => (x[i * 5] > 0 ? 1 : 0));
  const d = denseData(x, y, 5, 2);
  for (const threads of [1, 2]) {
    const model = softmaxRegression({ inputs: 5, classes: 2, init: zeros() });
    const optimizer = new SGD(0.5);
    const backend = createBackend(model, d, optimizer, threads, 50);
    let steps = 0;
    const epochs: number[] = [];
    try {
      const r = await train(model, d, {
        epochs: 5, batchSize: 50, seed: 2, optimizer, backend, validation: d,
        onStep: () => steps++,
        onEpoch: (e) => void epochs.push(e.epoch),
      });
      assert.is(r.history.length, 5);
      assert.ok(r.history[4].cost < r.history[0].cost);
      assert.ok(r.history[4].validationAccuracy! > 0.9);
    } finally {
      await backend.close();
    }
    assert.is(steps, 5 * 12);
    assert.equal(epochs, [1, 2, 3, 4, 5]);
    assert.ok(evaluateData(model, d).accuracy > 0.9, `threads ${threads}`);
  }
});

test('training refuses sizes that do not fit', async () => {
  const model = softmaxRegression({ inputs: 10 });
  await train(model, data, { epochs: 1, batchSize: 100, seed: 0, optimizer: new SGD(0.1) }).then(
    () => assert.unreachable('should fail'),
    (e: Error) => assert.match(e.message, 'model takes 10 inputs, but the data has 784 per example'),
  );
});

test.run();
