/** A data-parallel batch as pieces the threads claim (src/train/pool/data-parallel.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMnist, bundledDataDir } from '../src/node/mnist-files.js';
import { PoolBackend } from '../src/node/pool-backend.js';
import { csrFromSplit } from '../src/train/training-data.js';
import { train } from '../src/train/trainer.js';
import { claimOrder, piecesPerThread } from '../src/train/pool/data-parallel.js';
import { passSize, BatchGradient } from '../src/train/batch-gradient.js';
import { claim } from '../src/train/pool/control.js';
import { cnn, fromLayers, Momentum, mlp, softmaxRegression } from '../src/engine/index.js';
import type { InjectedFault } from '../src/train/pool/task.js';
import { kernelsFor } from '../src/engine/kernels/kernel-select.js';
import { assertSameBits } from './helpers/bits.js';

// On the SIMD kernels: under the suite's coverage the JS kernels made these runs the file's time.
const kernels = kernelsFor('simd');
const data = csrFromSplit(loadMnist({ dataDir: bundledDataDir() }).train, 10, kernels.allocator);

test('a thread claims its own pieces first, then the others\' from the last down; every thread tries every piece once', () => {
  assert.equal(claimOrder(2, 1, 0), [0, 1]);
  assert.equal(claimOrder(2, 1, 1), [1, 0]);
  assert.equal(claimOrder(2, 2, 0), [0, 1, 3, 2]);
  assert.equal(claimOrder(2, 2, 1), [2, 3, 1, 0]);
  assert.equal(claimOrder(3, 2, 1), [2, 3, 5, 4, 1, 0]);
  for (const [threads, perThread] of [[2, 1], [3, 2], [4, 3]]) {
    for (let w = 0; w < threads; w++) assert.equal([...claimOrder(threads, perThread, w)].sort((a, b) => a - b), Array.from({ length: threads * perThread }, (_, p) => p));
  }
});

test('a piece goes to one claimer a phase, and a thread still in an older phase cannot take a newer one\'s', () => {
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * 4));
  assert.ok(claim(ctrl, 3, 1));
  assert.not.ok(claim(ctrl, 3, 1), 'taken already');
  assert.ok(claim(ctrl, 3, 2), 'free again in the next phase');
  assert.not.ok(claim(ctrl, 3, 1), 'a late thread looking at phase 1');
  assert.is(ctrl[3], 2);
  assert.ok(claim(ctrl, 0, 2), 'other words are their own');
});

test('convolutional models are cut into four pieces a thread, of at least 8 examples; others into one', () => {
  assert.is(piecesPerThread(cnn(), 2, 64), 4);
  assert.is(piecesPerThread(cnn(), 2, 128), 4);
  // Never pieces of fewer than 8 examples: more threads, fewer pieces each.
  assert.is(piecesPerThread(cnn(), 3, 64), 2);
  assert.is(piecesPerThread(cnn(), 4, 64), 2);
  assert.is(piecesPerThread(cnn(), 8, 64), 1);
  assert.is(piecesPerThread(cnn(), 16, 64), 1);
  assert.is(piecesPerThread(cnn(), 2, 20), 1);
  assert.is(piecesPerThread(mlp({ hidden: [32] }), 2, 100), 1);
  assert.is(piecesPerThread(softmaxRegression(), 2, 100), 1);
  // With batch normalisation a piece is at least a ghost batch of 16: 64 = 2 threads × 2 pieces × 16.
  assert.is(piecesPerThread(fromLayers('conv:4:5,pool:2,relu,bn,flatten,dense:10'), 2, 64), 2);
  assert.is(piecesPerThread(fromLayers('conv:4:5,pool:2,relu,bn,flatten,dense:10'), 2, 128), 4);
});

test('a convolutional model\'s range goes through the layers in passes of 32 examples, with the whole range\'s gradient and loss', () => {
  assert.is(passSize(cnn()), 32);
  assert.is(passSize(mlp({ hidden: [32] })), Infinity);
  // The preset has dropout, whose masks depend on an example's position in the batch; the shifts too.
  const stepSettings = { seed: 5, augment: { shift: 1, channels: 1, height: 28, width: 28 } };
  const indices = Int32Array.from({ length: 70 }, (_, i) => 3 * i + 1);
  const run = (pass?: number) => {
    const model = cnn({}, { kernels }).initialize(2);
    const sizes: number[] = [];
    const forward = model.forward.bind(model);
    model.forward = (x, batch, ...rest) => (sizes.push(batch), forward(x, batch, ...rest));
    model.zeroGrad();
    const loss = new BatchGradient(model, data, stepSettings, pass).compute(indices, 3, 70, 80, 7);
    return { loss, grads: Float32Array.from(model.grads), sizes };
  };
  const passes = run();
  const whole = run(Infinity);
  assert.equal(passes.sizes, [32, 32, 3]);
  assert.equal(whole.sizes, [67]);
  assert.ok(Math.abs(passes.loss - whole.loss) < 1e-6 * whole.loss, `loss ${passes.loss} against ${whole.loss}`);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < whole.grads.length; i++) {
    worst = Math.max(worst, Math.abs(passes.grads[i] - whole.grads[i]));
    scale = Math.max(scale, Math.abs(whole.grads[i]));
  }
  assert.ok(scale > 0 && worst < 1e-5 * scale, `gradients differ by ${worst}, largest ${scale}`);
});

test('a step\'s passes transpose each dense layer\'s weights once; a new step, or a pass with no step, transposes them afresh', () => {
  // Two dense layers pass a gradient down (the first, on sparse pixels, has no one to pass it to).
  const make = () => mlp({ hidden: [24, 16] }, { kernels }).initialize(3);
  const indices = Int32Array.from({ length: 30 }, (_, i) => 7 * i + 2);
  const model = make();
  const gradient = new BatchGradient(model, data);
  let transposes = 0;
  const transpose = kernels.transpose.bind(kernels);
  kernels.transpose = (...args) => (transposes++, transpose(...args));
  try {
    model.zeroGrad();
    for (const [start, end] of [[0, 10], [10, 20], [20, 30]]) gradient.compute(indices, start, end, 30, 1);
    assert.is(transposes, 2, 'one per dense layer for the step\'s three pieces');
    // New weights between steps, as the update makes them.
    for (let i = 0; i < model.params.length; i++) model.params[i] += 0.01 * Math.sin(i);
    model.zeroGrad();
    gradient.compute(indices, 0, 30, 30, 2);
    assert.is(transposes, 4);
    const fresh = make();
    fresh.params.set(model.params);
    fresh.zeroGrad();
    new BatchGradient(fresh, data).compute(indices, 0, 30, 30, 2);
    assertSameBits(model.grads, fresh.grads, 'step 2\'s gradient against a fresh model\'s');
    // A pass with no step (no stamp) never reuses one.
    const x = Float32Array.from({ length: 4 * 784 }, (_, i) => (i % 5) / 5);
    transposes = 0;
    for (let r = 0; r < 2; r++) {
      model.forward(x, 4, true);
      model.backward(new Float32Array(40).fill(0.1), 4);
    }
    assert.is(transposes, 4);
  } finally {
    delete (kernels as { transpose?: unknown }).transpose;
  }
});

/** 2-thread training of an MLP 784-32-10 for 20 steps, with its batches in `perThread` pieces a thread. */
async function train20(perThread: number, testFault?: InjectedFault) {
  const model = mlp({ hidden: [32] }, { kernels }).initialize(4);
  const optimizer = new Momentum(0.05, 0.9);
  const backend = new PoolBackend(model, data, optimizer, { threads: 2, maxBatch: 100, piecesPerThread: perThread, testFault });
  try {
    const history = await train(model, { ...data, count: 2000 }, { epochs: 1, batchSize: 100, seed: 4, optimizer, backend });
    return { params: Float32Array.from(model.params), loss: history.history[0].cost, takenOver: backend.piecesTakenOver };
  } finally {
    await backend.close();
  }
}

/** The runs without a stall, made once for the two tests that read them. */
const steadyRuns = new Map<number, ReturnType<typeof train20>>();
const steady = (perThread: number) => {
  if (!steadyRuns.has(perThread)) steadyRuns.set(perThread, train20(perThread));
  return steadyRuns.get(perThread)!;
};

test('a worker that stalls has its pieces taken over, and the weights and loss are the same bits as when it does not', async () => {
  for (const perThread of [1, 3]) {
    const unstalled = await steady(perThread);
    const stalled = await train20(perThread, { thread: 1, step: 5, mode: 'stall' });
    assert.ok(stalled.takenOver >= perThread, `${perThread} a thread: the main thread took ${stalled.takenOver} of the worker's pieces`);
    assertSameBits(stalled.params, unstalled.params, `${perThread} pieces a thread: parameters`);
    assert.is(stalled.loss, unstalled.loss);
  }
});

test('the pieces a thread count cuts a batch into are part of its result: 1 and 3 a thread train to different bits', async () => {
  const [one, three] = [await steady(1), await steady(3)];
  assert.ok(one.params.some((v, i) => v !== three.params[i]), 'sums over different pieces round differently');
  let worst = 0;
  for (let i = 0; i < one.params.length; i++) worst = Math.max(worst, Math.abs(one.params[i] - three.params[i]));
  assert.ok(worst < 1e-5, `but within rounding: ${worst}`);
});

test.run();
