/**
 * The pool's blocks kept in its threads: the first layer split by columns
 * (src/train/pool/first-layer-columns.ts), a one-hidden-layer model split by hidden units
 * (src/train/pool/hidden-units.ts) and a one-layer model split by input rows
 * (src/train/pool/input-rows.ts, whose threads update the model itself). Which models take which, how the columns are cut, the
 * hand-off of the logits' shares, and that the blocks each thread keeps come back into the model
 * and its optimiser state whenever something reads them (epoch ends, evaluation, close), bit for
 * bit, so that a resumed run equals an uninterrupted one.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMnist, bundledDataDir } from '../src/node/mnist-files.js';
import { createBackend } from '../src/node/create-backend.js';
import { csrFromSplit, denseData } from '../src/train/training-data.js';
import { train, type TrainState } from '../src/train/trainer.js';
import { evaluateData } from '../src/train/evaluate-data.js';
import { splitFirstLayer } from '../src/train/pool/first-layer-columns.js';
import { columnBlock } from '../src/train/pool/owned-block.js';
import { splitHiddenUnits } from '../src/train/pool/hidden-units.js';
import { columnCuts, splitsByInputRows } from '../src/train/pool/input-rows.js';
import { awaitShares } from '../src/train/pool/logit-shares.js';
import { controlWords, CTRL, strategyWords } from '../src/train/pool/control.js';
import { Adam, cnn, mlp, Momentum, softmaxRegression, type Optimizer } from '../src/engine/index.js';
import { kernelsFor } from '../src/engine/kernels/kernel-select.js';
import { assertSameBits } from './helpers/bits.js';

const mnist = loadMnist({ dataDir: bundledDataDir() });

test('column blocks: contiguous, covering, cut at whole vectors', () => {
  for (const outputs of [64, 100, 128, 130, 256]) {
    for (const threads of [2, 3, 4]) {
      let next = 0;
      for (let k = 0; k < threads; k++) {
        const [c0, c1] = columnBlock(outputs, threads, k);
        assert.is(c0, next, `${outputs} over ${threads}: block ${k} starts where the last ended`);
        assert.is(c0 % 4, 0, `${outputs} over ${threads}: block ${k} starts at a whole vector`);
        assert.ok(c1 > c0, `${outputs} over ${threads}: block ${k} is not empty`);
        next = c1;
      }
      assert.is(next, outputs, `${outputs} over ${threads}: every column`);
    }
  }
});

test('which models split their first layer: a wide dense first layer on sparse data, on 2 threads or more', () => {
  const csr = csrFromSplit(mnist.validation, 10);
  const dense = denseData(new Float32Array(10 * 784), new Int32Array(10), 784, 10);
  assert.equal(splitFirstLayer(mlp({ hidden: [256] }), csr, 2), { inputs: 784, outputs: 256, upperStart: 784 * 256 + 256 });
  assert.ok(splitFirstLayer(mlp({ hidden: [128] }), csr, 4), '32 columns a thread');
  assert.is(splitFirstLayer(mlp({ hidden: [256] }), csr, 1), undefined, 'one thread');
  assert.is(splitFirstLayer(mlp({ hidden: [32] }), csr, 2), undefined, 'too narrow');
  assert.is(splitFirstLayer(softmaxRegression({}), csr, 2), undefined, 'the tutorial: one layer, ten columns');
  assert.is(splitFirstLayer(mlp({ hidden: [256] }), dense, 2), undefined, 'dense data');
  assert.is(splitFirstLayer(cnn({}), csr, 2), undefined, 'a convolution first');
});

test('which models split by hidden units: exactly dense, relu, dense, on sparse data, 32 units a thread or more', () => {
  const csr = csrFromSplit(mnist.validation, 10);
  const dense = denseData(new Float32Array(10 * 784), new Int32Array(10), 784, 10);
  assert.equal(splitHiddenUnits(mlp({ hidden: [256] }), csr, 2), { inputs: 784, hidden: 256, classes: 10 });
  assert.ok(splitHiddenUnits(mlp({ hidden: [128] }), csr, 4), '32 units a thread');
  assert.is(splitHiddenUnits(mlp({ hidden: [128] }), csr, 1), undefined, 'one thread');
  assert.is(splitHiddenUnits(mlp({ hidden: [32] }), csr, 2), undefined, 'too narrow');
  assert.is(splitHiddenUnits(mlp({ hidden: [128, 16] }), csr, 2), undefined, 'two hidden layers (their first layer splits by columns)');
  assert.ok(splitFirstLayer(mlp({ hidden: [128, 16] }), csr, 2));
  assert.is(splitHiddenUnits(mlp({ hidden: [256] }), dense, 2), undefined, 'dense data');
  assert.is(splitHiddenUnits(softmaxRegression({}), csr, 2), undefined, 'no hidden layer');
});

test('which models split by input rows: exactly one dense layer on sparse data, with no shifted digits; the cuts share the nonzeros evenly', () => {
  const csr = csrFromSplit(mnist.validation, 10);
  const dense = denseData(new Float32Array(10 * 784), new Int32Array(10), 784, 10);
  const none = { seed: 0 };
  assert.ok(splitsByInputRows(softmaxRegression({}), csr, 2, none));
  assert.ok(splitsByInputRows(softmaxRegression({}), csr, 4, none), '4 threads');
  assert.not.ok(splitsByInputRows(softmaxRegression({}), csr, 1, none), 'one thread');
  assert.not.ok(splitsByInputRows(softmaxRegression({}), dense, 2, none), 'dense data');
  assert.not.ok(splitsByInputRows(softmaxRegression({}), csr, 2, { seed: 0, augment: { shift: 2, channels: 1, height: 28, width: 28 } }), 'shifted digits');
  assert.not.ok(splitsByInputRows(mlp({ hidden: [256] }), csr, 2, none), 'a hidden layer');
  for (const threads of [2, 3, 4]) {
    const cuts = columnCuts(csr, threads);
    assert.is(cuts.length, threads + 1);
    assert.is(cuts[0], 0);
    assert.is(cuts[threads], 784);
    const total = csr.rowPtr[csr.count];
    for (let k = 0; k < threads; k++) {
      assert.ok(cuts[k + 1] > cuts[k], `${threads} threads: range ${k} is not empty`);
      let mine = 0;
      for (let t = 0; t < total; t++) if (csr.colIdx[t] >= cuts[k] && csr.colIdx[t] < cuts[k + 1]) mine++;
      assert.ok(Math.abs(mine - total / threads) < 0.02 * total, `${threads} threads: range ${k} holds ${mine} of ${total} nonzeros`);
    }
  }
});

test('the hand-off of the logits\' shares: a worker goes on once every share is in, and gives the step up when the main thread moves on without its own', () => {
  const threads = 3;
  const ctrl = new Int32Array(new SharedArrayBuffer(controlWords(threads, threads) * 4));
  const words = strategyWords(threads);
  Atomics.store(ctrl, CTRL.SEQ, 5);
  for (const w of [0, 1, 2]) Atomics.store(ctrl, words + w, 5);
  assert.ok(awaitShares(ctrl, words, threads, 5), 'every share in');
  // The main thread went on to the next step (its share says 6): shares count as in from then on.
  Atomics.store(ctrl, words + 0, 6);
  assert.ok(awaitShares(ctrl, words, threads, 5), 'a later share counts');
  // Worker 2 has not written its share of phase 7, and the main thread has moved on to phase 8 (a
  // sync, after its own step failed before it wrote its share): the step is given up, not waited for.
  Atomics.store(ctrl, CTRL.SEQ, 8);
  Atomics.store(ctrl, words + 1, 7);
  assert.not.ok(awaitShares(ctrl, words, threads, 7), 'given up');
  // And when the pool stops.
  Atomics.store(ctrl, CTRL.SEQ, 9);
  Atomics.store(ctrl, CTRL.COMMAND, 1);
  assert.not.ok(awaitShares(ctrl, words, threads, 9), 'stopped');
});

/** The training set on a kernel path, made once per path (the runs below share it). */
const trainSets = new Map<string, ReturnType<typeof csrFromSplit>>();
function trainingSet(path: 'js' | 'simd', kernels: ReturnType<typeof kernelsFor>) {
  if (!trainSets.has(path)) trainSets.set(path, csrFromSplit(mnist.train, 10, kernels.allocator));
  return trainSets.get(path)!;
}

type Snapshot = { params: Float32Array; state: Record<string, Float32Array>; train: TrainState };
/** What a checkpoint holds: the parameters, the optimiser state and where training is. */
function snapshot(model: { params: Float32Array }, optimizer: Optimizer, train: TrainState): Snapshot {
  return { params: model.params.slice(), state: Object.fromEntries(Object.entries(optimizer.state()).map(([k, v]) => [k, v.slice()])), train };
}

/** The two ways a pool keeps blocks in its threads, each with a model that takes it. */
const SPLITS = [
  { name: 'split by hidden units (MLP 784-128-10)', hidden: [128] },
  { name: 'first layer split by columns (MLP 784-128-16-10)', hidden: [128, 16] },
  { name: 'split by input rows (784-10, no hidden layer)', hidden: [] },
] as const;
type Split = (typeof SPLITS)[number];
/** The split's model: an MLP with its hidden layers, or with none the tutorial's softmax regression. */
const modelOf = (split: Split, kernels: ReturnType<typeof kernelsFor>) => (split.hidden.length > 0 ? mlp({ hidden: [...split.hidden] }, { kernels }) : softmaxRegression({}, { kernels }));

/**
 * An MLP trained on 2 threads for `epochs` of 10 steps, from `from` if given; returns the
 * snapshots taken at each epoch's end, as a checkpoint would be (the trainer syncs the pool first).
 */
async function trainMlp(split: Split, path: 'js' | 'simd', makeOptimizer: () => Optimizer, epochs: number, from?: Snapshot): Promise<Snapshot[]> {
  const kernels = kernelsFor(path);
  const data = { ...trainingSet(path, kernels), count: 1000 };
  const model = modelOf(split, kernels).initialize(3);
  const optimizer = makeOptimizer();
  if (from) {
    model.params.set(from.params);
    optimizer.loadState(from.state);
  }
  const backend = createBackend(model, data, optimizer, 2, 100, { seed: 3 });
  const snapshots: Snapshot[] = [];
  try {
    await train(model, data, { epochs, batchSize: 100, seed: 3, optimizer, backend, resume: from?.train, onEpoch: (_, state) => void snapshots.push(snapshot(model, optimizer, state)) });
    return snapshots;
  } finally {
    await backend.close();
  }
}

// Both kernel paths, and both kinds of optimiser state (momentum's one buffer, Adam's two), for
// the hidden units; Adam on SIMD for the columns and for the input rows (whose threads update the
// model's own parameters and optimiser state: no copy of either to come back).
for (const [split, path, name, makeOptimizer] of [
  [SPLITS[0], 'js', 'momentum', () => new Momentum(0.05, 0.9)],
  [SPLITS[0], 'simd', 'Adam', () => new Adam(0.002)],
  [SPLITS[1], 'simd', 'Adam', () => new Adam(0.002)],
  [SPLITS[2], 'simd', 'Adam', () => new Adam(0.002)],
] as const) {
  test(`${split.name}, ${path} kernels, ${name}: resumed from the end of epoch 1, epoch 2 equals the uninterrupted run's, parameters and optimiser state`, async () => {
    const [half, straight] = await trainMlp(split, path, makeOptimizer, 2);
    const [resumed] = await trainMlp(split, path, makeOptimizer, 2, half);
    assertSameBits(resumed.params, straight.params, 'parameters');
    for (const key of Object.keys(straight.state)) assertSameBits(resumed.state[key], straight.state[key], `optimiser state ${key}`);
    // Every part of the blocks did move (so they really came back): the first layer's weights and
    // bias, and above them the second layer's weights and its bias (the last 10 values: in every
    // block when split by hidden units); and the state is not all zeros.
    const hidden = split.hidden as readonly number[];
    const second = 128 * (hidden[1] ?? 10);
    const parts = hidden.length === 0
      ? [[0, 392 * 10], [392 * 10, 784 * 10], [784 * 10, 785 * 10]] // each thread's rows of W (about half each), and the bias
      : [[0, 784 * 128], [784 * 128, 785 * 128], [785 * 128, 785 * 128 + second], [straight.params.length - 10, straight.params.length]];
    for (const [from, to] of parts) assert.not.ok(straight.params.subarray(from, to).every((v, i) => v === half.params[from + i]), `the second epoch changed parameters ${from}..${to}`);
    assert.ok(Object.values(straight.state).every((st) => st.some((v) => v !== 0)), 'optimiser state written back');
  });
}

// Shifted digits move pixels between the threads' ranges of input rows: that model steps data-parallel then.
for (const split of SPLITS.filter((s) => s.hidden.length > 0)) test(`shifted digits, ${split.name}: 2 threads shift each example as one thread does (within 1e-5 after an epoch)`, async () => {
  const kernels = kernelsFor('simd');
  const data = { ...trainingSet('simd', kernels), count: 600 };
  const augment = { shift: 2, channels: 1, height: 28, width: 28 };
  const run = async (threads: number) => {
    const model = modelOf(split, kernels).initialize(5);
    const optimizer = new Momentum(0.05, 0.9);
    const backend = createBackend(model, data, optimizer, threads, 100, { seed: 5, augment });
    try {
      await train(model, data, { epochs: 1, batchSize: 100, seed: 5, optimizer, backend });
    } finally {
      await backend.close();
    }
    return model.params;
  };
  const [one, two, unshifted] = [await run(1), await run(2), await (async () => {
    const model = modelOf(split, kernels).initialize(5);
    const optimizer = new Momentum(0.05, 0.9);
    await train(model, data, { epochs: 1, batchSize: 100, seed: 5, optimizer });
    return model.params;
  })()];
  let worst = 0, apart = 0;
  for (let i = 0; i < one.length; i++) {
    worst = Math.max(worst, Math.abs(one[i] - two[i]));
    apart = Math.max(apart, Math.abs(one[i] - unshifted[i]));
  }
  assert.ok(worst <= 1e-5, `2 threads against 1: ${worst}`);
  assert.ok(apart > 1e-3, `the shifts changed the run: ${apart} from an unshifted one`);
});

for (const split of SPLITS) test(`between epochs the model is whole, ${split.name}: evaluate syncs the blocks, and so does close`, async () => {
  const kernels = kernelsFor('simd');
  const data = trainingSet('simd', kernels);
  const validation = { ...csrFromSplit(mnist.validation, 10, kernels.allocator), count: 2000 };
  const run = async (evaluate: boolean) => {
    const model = modelOf(split, kernels).initialize(4);
    const backend = createBackend(model, data, new Momentum(0.05, 0.9), 2, 100, { seed: 4, evaluation: [validation] });
    let evaluated;
    try {
      for (let t = 1; t <= 8; t++) await backend.step(Int32Array.from({ length: 100 }, (_, i) => (t * 131 + i * 17) % data.count), 100, t);
      if (evaluate) evaluated = await backend.evaluate(validation);
    } finally {
      await backend.close();
    }
    return { model, evaluated };
  };
  const evaluatedRun = await run(true);
  const closedRun = await run(false);
  assertSameBits(closedRun.model.params, evaluatedRun.model.params, 'the same steps, the blocks back in the model either way');
  assert.is(evaluatedRun.evaluated!.accuracy, evaluateData(closedRun.model, validation).accuracy, 'the pool evaluated the whole model');
});

test.run();
