/**
 * Label smoothing: the loss and gradient against (1 − ε)·one-hot + ε/K, on both kernel paths,
 * and in every way the pool splits a step (each strategy computes the loss itself).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng, SGD, fromLayers, mlp, softmaxRegression, kernelsFor, type Sequential } from '../src/engine/index.js';
import { softmaxLoss, checkLabelSmoothing } from '../src/train/batch-gradient.js';
import { csrFromSplit } from '../src/train/training-data.js';
import { train } from '../src/train/trainer.js';
import { createBackend } from '../src/node/create-backend.js';
import { PoolBackend } from '../src/train/pool/pool-backend.js';
import { loadMnist } from '../src/node/mnist-files.js';
import { OptionError } from '../src/engine/errors.js';

/** −Σ q·log softmax(z) and softmax(z) − q, in float64, for smoothed targets q. */
function reference(logits: Float32Array, labels: Int32Array, batch: number, classes: number, eps: number) {
  let loss = 0;
  const grad = new Float64Array(batch * classes);
  for (let r = 0; r < batch; r++) {
    const z = Array.from(logits.subarray(r * classes, (r + 1) * classes));
    const max = Math.max(...z);
    const logSum = Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
    for (let j = 0; j < classes; j++) {
      const q = (j === labels[r] ? 1 - eps : 0) + eps / classes;
      loss -= q * (z[j] - logSum);
      grad[r * classes + j] = Math.exp(z[j] - logSum) - q;
    }
  }
  return { loss, grad };
}

test('the smoothed loss and its gradient, on the JS and the SIMD kernels, against the float64 formula', () => {
  const rng = new Rng(4);
  const batch = 37, classes = 10;
  for (const path of ['js', 'simd'] as const) {
    const kernels = kernelsFor(path);
    const logits = kernels.allocator.f32(batch * classes);
    logits.set(Float32Array.from({ length: batch * classes }, () => rng.normal(0, 3)));
    const labels = kernels.allocator.i32(batch);
    labels.set(Int32Array.from({ length: batch }, () => rng.int(classes)));
    for (const eps of [0, 0.1, 0.3]) {
      const grad = kernels.allocator.f32(batch * classes);
      const loss = softmaxLoss(kernels, logits, labels, batch, classes, grad, 1 / batch, eps);
      const want = reference(logits, labels, batch, classes, eps);
      assert.ok(Math.abs(loss - want.loss) <= 1e-4 * want.loss, `${path} ε ${eps}: loss ${loss} against ${want.loss}`);
      const worst = grad.reduce((m, g, i) => Math.max(m, Math.abs(g - want.grad[i] / batch)), 0);
      assert.ok(worst <= 1e-7, `${path} ε ${eps}: gradient off by ${worst}`);
    }
  }
  assert.throws(() => checkLabelSmoothing(1), (e: Error) => e instanceof OptionError && e.message === 'labelSmoothing: 1, expected a number in [0, 1)');
});

const mnist = loadMnist();
const data = csrFromSplit(mnist.train, 10, kernelsFor('js').allocator);

/**
 * 10 steps of 100 on `threads` threads (1: in-process), with smoothing ε. Few: over more steps a
 * max-pooling tie can fall the other way on another thread count, and the runs then part by far
 * more than rounding.
 */
async function trained(make: () => Sequential, threads: number, eps: number): Promise<{ params: Float32Array; strategy?: string }> {
  const model = make().initialize(7);
  const optimizer = new SGD(0.1);
  const backend = createBackend(model, data, optimizer, threads, 100, { seed: 1, labelSmoothing: eps });
  try {
    await train(model, { ...data, count: 1000 }, { epochs: 1, batchSize: 100, seed: 1, optimizer, backend });
  } finally {
    await backend.close();
  }
  return { params: model.params.slice(), strategy: backend instanceof PoolBackend ? backend.strategy : undefined };
}

const largest = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

for (const [split, make] of [
  ['input-rows', () => softmaxRegression()],
  ['hidden-units', () => mlp({ hidden: [128] })],
  ['first-layer-columns', () => mlp({ hidden: [128, 16] })],
  ['data-parallel', () => fromLayers('conv:4:5,pool:4,relu,flatten,dense:10', [1, 28, 28])],
] as const) {
  test(`smoothing in the pool, split by ${split}: 2 threads within 1e-5 of 1, and far from the run without it`, async () => {
    const one = await trained(make, 1, 0.1);
    const two = await trained(make, 2, 0.1);
    const plain = await trained(make, 1, 0);
    assert.is(two.strategy, split);
    assert.ok(largest(one.params, two.params) <= 1e-5, `1 and 2 threads differ by ${largest(one.params, two.params)}`);
    assert.ok(largest(two.params, plain.params) > 1e-4, `smoothing changed the weights by only ${largest(two.params, plain.params)}`);
  });
}

test("train() refuses labelSmoothing beside a backend of the caller's, which has its own", async () => {
  const model = softmaxRegression().initialize(1);
  const optimizer = new SGD(0.1);
  const backend = createBackend(model, data, optimizer, 1, 100);
  await train(model, data, { epochs: 1, batchSize: 100, seed: 0, optimizer, backend, labelSmoothing: 0.1 }).then(
    () => assert.unreachable('accepted'),
    (e: Error) => assert.is(e.message, "train: labelSmoothing and augment are the default backend's; a backend given in options.backend has its own (createBackend's options)"),
  );
  await backend.close();
});

test.run();
