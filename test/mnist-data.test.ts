import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist, loadMnistTest, bundledDataDir } from '../src/node/mnist-files.js';
import { classCounts, fillBatch, oneHot, splitToFloat } from '../src/data/dataset.js';
import { DataError, OptionError, FormatError } from '../src/engine/errors.js';
import { writeSyntheticMnist } from './helpers/synthetic-mnist.js';

const mnist = loadMnist({ dataDir: bundledDataDir() });

test('split sizes follow read_data_sets', () => {
  assert.is(mnist.train.count, 55000);
  assert.is(mnist.validation.count, 5000);
  assert.is(mnist.test.count, 10000);
  assert.is(mnist.train.features, 784);
  assert.is(mnist.train.pixels.length, 55000 * 784);
  assert.ok(mnist.train.pixels.buffer instanceof SharedArrayBuffer, 'pixels live in a SharedArrayBuffer');
  assert.is(mnist.train.pixels.buffer, mnist.validation.pixels.buffer, 'validation is a view, not a copy');
});

test('per-digit counts of the real files', () => {
  const trainFile = classCounts(mnist.validation.labels).map((c, d) => c + classCounts(mnist.train.labels)[d]);
  assert.equal(trainFile, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.equal(classCounts(mnist.test.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
});

test('validation is the first training images, train the rest', () => {
  const v = loadMnist({ dataDir: bundledDataDir(), validationSize: 0 });
  assert.is(v.train.count, 60000);
  assert.equal(Array.from(v.train.labels.subarray(5000, 5010)), Array.from(mnist.train.labels.subarray(0, 10)));
  assert.equal(Array.from(v.train.labels.subarray(0, 10)), Array.from(mnist.validation.labels.subarray(0, 10)));
});

test('pixels scale to float32 in [0, 1], as float32(p) * float32(1/255)', () => {
  const x = splitToFloat(mnist.test);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  assert.is(lo, 0);
  assert.is(hi, 1);
  const xb = new Float32Array(2 * 784);
  const yb = new Uint8Array(2);
  fillBatch(mnist.train, [1, 0], 0, 2, xb, yb);
  assert.equal(Array.from(yb), [mnist.train.labels[1], mnist.train.labels[0]]);
  const p = mnist.train.pixels[300];
  assert.is(xb[784 + 300], Math.fround(p * Math.fround(1 / 255)));
});

test('one-hot rows', () => {
  assert.equal(Array.from(oneHot([2, 0], 3)), [0, 0, 1, 1, 0, 0]);
});

test('synthetic data of another image size, raw and gzipped', () => {
  for (const gzip of [false, true]) {
    const dir = writeSyntheticMnist({ rows: 6, cols: 5, gzip });
    const d = loadMnist({ dataDir: dir, validationSize: 10 });
    assert.is(d.train.features, 30);
    assert.is(d.train.count, 40);
    assert.is(d.validation.count, 10);
    assert.is(d.test.count, 20);
    rmSync(dir, { recursive: true });
  }
});

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

test('missing files: names each one and every place looked', () => {
  const dir = writeSyntheticMnist();
  rmSync(join(dir, 't10k-labels-idx1-ubyte'));
  const e = errorOf(() => loadMnist({ dataDir: dir }));
  assert.instance(e, DataError);
  assert.match(e.message, 'missing t10k-labels-idx1-ubyte (raw or .gz)');
  assert.match(e.message, `looked in ${dir}`);
});

test('image and label counts that differ', () => {
  const dir = writeSyntheticMnist({ train: 50, trainLabels: 49 });
  const e = errorOf(() => loadMnist({ dataDir: dir, validationSize: 5 }));
  assert.instance(e, DataError);
  assert.match(e.message, /train-labels-idx1-ubyte: 49 labels, expected 50 to match .*train-images-idx3-ubyte/);
});

test('validation size out of range', () => {
  const dir = writeSyntheticMnist({ train: 50 });
  const e = errorOf(() => loadMnist({ dataDir: dir, validationSize: 51 }));
  assert.instance(e, OptionError);
  assert.match(e.message, 'validationSize: 51, expected an integer from 0 to 50');
});

test('a labels file where an images file belongs: wrong magic', () => {
  const dir = writeSyntheticMnist();
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 7]));
  const e = errorOf(() => loadMnist({ dataDir: dir, validationSize: 0 }));
  assert.instance(e, FormatError);
  assert.match(e.message, /train-images-idx3-ubyte: magic 2049, expected 2051 \(images\)/);
});

test('truncated image file', () => {
  const dir = writeSyntheticMnist({ train: 50 });
  const path = join(dir, 'train-images-idx3-ubyte');
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, bytes.length - 7));
  const e = errorOf(() => loadMnist({ dataDir: dir, validationSize: 0 }));
  assert.instance(e, FormatError);
  assert.match(e.message, /truncated: header \[50, 6, 5\] needs 1500 data bytes, found 1493/);
});

test('the test split alone: the same split as loadMnist gives, without reading the training files', () => {
  const whole = loadMnist();
  const alone = loadMnistTest();
  assert.is(alone.classes, whole.classes);
  assert.equal({ ...alone.test, pixels: null, labels: null }, { ...whole.test, pixels: null, labels: null });
  assert.ok(Buffer.from(alone.test.pixels).equals(Buffer.from(whole.test.pixels)), 'the same pixels');
  assert.ok(Buffer.from(alone.test.labels).equals(Buffer.from(whole.test.labels)), 'the same labels');
  // Damaged training files: loadMnist fails on them, loadMnistTest never opens them.
  const dir = writeSyntheticMnist({ train: 50, test: 20 });
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 7]));
  assert.instance(errorOf(() => loadMnist({ dataDir: dir, validationSize: 0 })), FormatError);
  const test20 = loadMnistTest({ dataDir: dir }).test;
  assert.is(test20.count, 20);
  assert.is(test20.features, 30);
  // A damaged test file is still named.
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 7]));
  assert.match(errorOf(() => loadMnistTest({ dataDir: dir })).message, /t10k-images-idx3-ubyte: magic 2049, expected 2051 \(images\)/);
});

test.run();
