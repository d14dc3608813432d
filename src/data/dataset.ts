/**
 * MNIST held once, compactly: uint8 pixels and labels in SharedArrayBuffers, so a worker pool
 * reads them without copies. Splits are views into the same memory. Pixels become float32 in
 * [0, 1] only when a batch is built.
 */
import { DataError, formatShape, optionError } from '../engine/errors.js';
import { sharedArray } from '../engine/shared-memory.js';
import type { IdxArray } from './idx.js';

export const MNIST_CLASSES = 10;
/** TensorFlow's read_data_sets default: the first 5000 training images become validation. */
export const DEFAULT_VALIDATION_SIZE = 5000;

export interface Split {
  name: 'train' | 'validation' | 'test';
  /** The index of its first image in the file it was cut from: the training split's is the validation size. */
  first: number;
  count: number;
  rows: number;
  cols: number;
  /** rows × cols: the length of one input vector. */
  features: number;
  /** count × features bytes, row-major. */
  pixels: Uint8Array;
  /** count class indices. */
  labels: Uint8Array;
}

export interface MnistData {
  train: Split;
  validation: Split;
  test: Split;
  classes: number;
}

/** The four IDX files' names (raw; `.gz` may be added), as Yann LeCun's page published them. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** A labelled image file pair, already parsed; `source` names the images file, `labelSource` the labels. */
export interface IdxPair {
  images: IdxArray;
  labels: IdxArray;
  source: string;
  labelSource: string;
}

/** Copies bytes into a SharedArrayBuffer so worker threads can see them without a copy. */
function toShared(bytes: Uint8Array): Uint8Array {
  const out = sharedArray(Uint8Array, bytes.length);
  out.set(bytes);
  return out;
}

interface Checked { count: number; rows: number; cols: number; pixels: Uint8Array; labels: Uint8Array }

function checkPair(pair: IdxPair, classes: number): Checked {
  const { images, labels } = pair;
  if (images.dims.length !== 3) {
    throw new DataError(`${pair.source}: image dimensions ${formatShape(images.dims)}, expected [count, rows, cols]`);
  }
  if (labels.dims.length !== 1) {
    throw new DataError(`${pair.labelSource}: label dimensions ${formatShape(labels.dims)}, expected [count]`);
  }
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataError(`${pair.labelSource}: ${labels.dims[0]} labels, expected ${count} to match ${pair.source}`);
  }
  for (let i = 0; i < count; i++) {
    if (labels.data[i] >= classes) {
      throw new DataError(`${pair.labelSource}: label ${labels.data[i]} at index ${i}, expected 0..${classes - 1}`);
    }
  }
  return { count, rows, cols, pixels: toShared(images.data), labels: toShared(labels.data) };
}

function split(name: Split['name'], c: Checked, from: number, to: number): Split {
  const features = c.rows * c.cols;
  return {
    name,
    first: from,
    count: to - from,
    rows: c.rows,
    cols: c.cols,
    features,
    pixels: c.pixels.subarray(from * features, to * features),
    labels: c.labels.subarray(from, to),
  };
}

/**
 * Splits as TensorFlow's read_data_sets does: validation = the first `validationSize`
 * training images, train = the rest, test = the test file.
 */
export function makeMnistData(trainPair: IdxPair, testPair: IdxPair, validationSize = DEFAULT_VALIDATION_SIZE, classes = MNIST_CLASSES): MnistData {
  const train = checkPair(trainPair, classes);
  const test = checkPair(testPair, classes);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(`${testPair.source}: images ${test.rows}×${test.cols}, expected ${train.rows}×${train.cols} like ${trainPair.source}`);
  }
  if (!Number.isInteger(validationSize) || validationSize < 0 || validationSize > train.count) {
    throw optionError('validationSize', `${validationSize}, expected an integer from 0 to ${train.count} (the training images)`);
  }
  return {
    train: split('train', train, validationSize, train.count),
    validation: split('validation', train, 0, validationSize),
    test: split('test', test, 0, test.count),
    classes,
  };
}

/** The test split alone, from its IDX pair (evaluate and report need no other). */
export function makeTestSplit(testPair: IdxPair, classes = MNIST_CLASSES): Split {
  const test = checkPair(testPair, classes);
  return split('test', test, 0, test.count);
}

/** float32 value of every byte, as read_data_sets computes it: float32(p) * float32(1/255). */
const SCALE = (() => {
  const t = new Float32Array(256);
  const k = Math.fround(1 / 255);
  for (let i = 0; i < 256; i++) t[i] = i * k; // exact in float64, rounded once on store
  return t;
})();

export function pixelScale(): Float32Array {
  return SCALE;
}

/**
 * Fills `x` (size × features) with the scaled pixels of examples order[start .. start+size)
 * and `labels` with their class indices.
 */
export function fillBatch(s: Split, order: ArrayLike<number>, start: number, size: number, x: Float32Array, labels: Uint8Array | Int32Array): void {
  const f = s.features;
  const px = s.pixels;
  for (let r = 0; r < size; r++) {
    const ex = order[start + r];
    const src = ex * f;
    const dst = r * f;
    for (let j = 0; j < f; j++) x[dst + j] = SCALE[px[src + j]];
    labels[r] = s.labels[ex];
  }
}

/** One-hot rows (count × classes) for class indices, as read_data_sets(one_hot=True) gives. */
export function oneHot(labels: ArrayLike<number>, classes = MNIST_CLASSES): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]] = 1;
  return out;
}

/** All examples of a split, scaled, in file order (for evaluation). */
export function splitToFloat(s: Split): Float32Array {
  const out = new Float32Array(s.count * s.features);
  for (let i = 0; i < out.length; i++) out[i] = SCALE[s.pixels[i]];
  return out;
}

/** Count of each class in a split. */
export function classCounts(labels: ArrayLike<number>, classes = MNIST_CLASSES): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}
