import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CNN_LAYERS, fromLayers, mlp, softmaxRegression } from '../src/engine/model/models.js';
import { kernelsFor, type KernelPath } from '../src/engine/kernels/kernel-select.js';
import { simdSupported } from '../src/engine/wasm/features.js';
import type { Sequential } from '../src/engine/model/sequential.js';
import { loadMnist, bundledDataDir } from '../src/node/mnist-files.js';
import { InferencePool } from '../src/node/inference-pool.js';
import { evaluateData, logitsData } from '../src/train/evaluate-data.js';
import { CONV_CHUNK, evaluationChunk } from '../src/engine/model/evaluate.js';
import { csrFromSplit, denseData } from '../src/train/training-data.js';
import { encodeCheckpoint } from '../src/train/checkpoint.js';
import { saveCheckpointFile } from '../src/node/checkpoint-file.js';
import { predictPixels } from '../src/node/predict-images.js';
import { runMain } from './helpers/cli.js';

const mnist = loadMnist({ dataDir: bundledDataDir() });
// 2,500 images: three chunks of 1,000, the last one short, so shares differ in size.
const few = { ...mnist.test, count: 2500, pixels: mnist.test.pixels.subarray(0, 2500 * 784), labels: mnist.test.labels.subarray(0, 2500) };
const data = csrFromSplit(few, 10);
const paths: KernelPath[] = simdSupported() ? ['js', 'simd'] : ['js'];

const models: Record<string, (k: KernelPath) => Sequential> = {
  softmax: (k) => softmaxRegression({}, { kernels: kernelsFor(k) }).initialize(1),
  mlp: (k) => mlp({ hidden: [64] }, { kernels: kernelsFor(k) }).initialize(2),
  cnn: (k) => fromLayers(CNN_LAYERS, [1, 28, 28], { kernels: kernelsFor(k) }).initialize(3),
};

const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

test('a pool of 2 or 3 threads computes the same logits, bit for bit, as one thread, for every model and kernel path', async () => {
  const pools = [new InferencePool(2), new InferencePool(3)];
  try {
    for (const path of paths) {
      for (const [name, make] of Object.entries(models)) {
        const model = make(path);
        const alone = logitsData(model, data);
        for (const pool of pools) {
          assert.is(pool.sharesOf(data), pool.threads);
          const split = await pool.logits(model, data);
          assert.ok(sameBits(alone, split), `${name} on ${path}, ${pool.threads} threads`);
        }
      }
    }
  } finally {
    for (const pool of pools) await pool.close();
  }
});

test("a pool's evaluation equals evaluateData: accuracy, loss to the bit, predictions and labels", async () => {
  const pool = new InferencePool(2);
  try {
    const model = models.mlp(paths[paths.length - 1]);
    const alone = evaluateData(model, data);
    const split = await pool.evaluate(model, data);
    assert.is(split.accuracy, alone.accuracy);
    assert.is(split.loss, alone.loss);
    assert.equal(Array.from(split.predictions), Array.from(alone.predictions));
    assert.equal(Array.from(split.labels), Array.from(few.labels));
  } finally {
    await pool.close();
  }
});

/** Bytes the SIMD kernel memory's arena has handed out (which the SIMD path must report); 0 on the JS path, which has none. */
function arenaUsed(model: Sequential, path: KernelPath): number {
  if (path === 'js') return 0;
  const used = (model.kernels.allocator as unknown as { used?: number }).used;
  assert.type(used, 'number', 'the SIMD kernel memory says how much it has handed out');
  return used!;
}

test('evaluating a model again reuses its buffers: the same bits, and the SIMD kernel memory does not grow', () => {
  for (const path of paths) {
    const model = models.cnn(path);
    const first = evaluateData(model, data);
    const used = arenaUsed(model, path);
    const again = evaluateData(model, data);
    assert.is(again.loss, first.loss, path);
    assert.equal(Array.from(again.predictions), Array.from(first.predictions), path);
    assert.is(arenaUsed(model, path), used, `${path}: the kernel memory's arena stayed where the first evaluation left it`);
  }
});

test("a model with large layer outputs evaluates in smaller chunks: the same logits as in chunks of 1,000, and a bounded share of the kernel memory", () => {
  assert.is(evaluationChunk(models.mlp('js')), 1000);
  assert.is(evaluationChunk(models.softmax('js')), 1000);
  const chunk = evaluationChunk(models.cnn('js'));
  assert.is(chunk, CONV_CHUNK, 'a convolutional model\'s chunk');
  // Without the convolutional cap, the memory's: a dense model with a wide layer.
  assert.is(evaluationChunk(fromLayers('dense:8192,dense:10')), Math.floor((4 << 20) / (784 + 8192 + 10)));
  for (const path of paths) {
    const model = models.cnn(path);
    const before = arenaUsed(model, path);
    const own = logitsData(model, data);
    const taken = (arenaUsed(model, path) - before) / 2 ** 20;
    assert.ok(taken < 24, `${path}: evaluating 2,500 images took ${taken.toFixed(1)} MB of the kernel memory`);
    assert.ok(sameBits(logitsData(model, data, 1000), own), `${path}: chunks of ${chunk} and of 1,000 give the same logits`);
  }
});

test('a set outside shared memory, or of one chunk, is computed on this thread with the same result', async () => {
  const pool = new InferencePool(2);
  try {
    const model = models.softmax('js');
    const plain = denseData(new Float32Array(3 * 784).fill(0.5), [1, 2, 3], 784, 10);
    const notShared = { ...plain, x: plain.x.slice(), labels: plain.labels.slice() };
    assert.is(pool.sharesOf(notShared), 1);
    assert.is(pool.sharesOf(plain), 1);
    assert.is(pool.sharesOf(data), 2);
    assert.ok(sameBits(await pool.logits(model, notShared), logitsData(model, plain)));
    assert.ok(sameBits(await pool.logits(model, plain), logitsData(model, plain)));
  } finally {
    await pool.close();
  }
});

test('predictPixels on a pool: the same probabilities as on one thread', async () => {
  const pool = new InferencePool(2);
  try {
    const model = models.cnn(paths[paths.length - 1]);
    const inputs = Array.from({ length: 2100 }, (_, i) => ({ source: `test[${i}]`, pixels: mnist.test.pixels.subarray(i * 784, (i + 1) * 784), label: mnist.test.labels[i] }));
    const alone = await predictPixels(model, inputs);
    const split = await predictPixels(model, inputs, pool);
    assert.equal(split.map((r) => r.probabilities), alone.map((r) => r.probabilities));
  } finally {
    await pool.close();
  }
});

test('bad --threads gets one line and exit 2; evaluate and predict print the same on 1 and 2 threads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'inference-pool-'));
  const model = models.mlp('js');
  const file = join(dir, 'mlp.safetensors');
  saveCheckpointFile(file, encodeCheckpoint(model, {}, {
    training: { model: 'mlp', optimizer: 'sgd', lr: 0.01, momentum: 0, batchSize: 100, init: 'glorot', initStd: 1, validationSize: 5000, epochs: 1 },
    epochsCompleted: 1, seed: 2, sampler: { epoch: 1, position: 0 }, metrics: { epochs: [], testAccuracy: null }, optimizer: 'sgd',
  }));
  for (const bad of ['0', 'abc', '1.5']) {
    const r = await runMain(['evaluate', '--checkpoint', file, '--threads', bad]);
    assert.is(r.code, 2, bad);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, `--threads: ${bad}, expected a whole number from 1 to 256`);
  }
  const one = await runMain(['evaluate', '--checkpoint', file, '--threads', '1', '--json']);
  const two = await runMain(['evaluate', '--checkpoint', file, '--threads', '2', '--json']);
  assert.is(one.code, 0, one.stderr);
  assert.is(two.stdout, one.stdout);
  // More threads than cores: the same figures, and a note saying they take turns.
  const over = String(availableParallelism() + 1);
  const many = await runMain(['evaluate', '--checkpoint', file, '--threads', over, '--json']);
  assert.is(many.stdout, one.stdout);
  assert.match(many.stderr, `--threads ${over} on a machine with`);
  assert.is(many.stderr.trim().split('\n').length, 1, many.stderr);
  // predict from 2,000 images on: 2,500 test digits on 2 threads print what 1 thread prints.
  const predicted = (threads: string) => runMain(['predict', '--checkpoint', file, '--from', 'test', '--count', '2500', '--threads', threads, '--json']);
  const p1 = await predicted('1');
  const p2 = await predicted('2');
  assert.is(p1.code, 0, p1.stderr);
  assert.is(JSON.parse(p1.stdout).length, 2500);
  assert.ok(p2.stdout === p1.stdout, 'the same predictions and probabilities');
});

test.run();
