/**
 * Predicting digits: `predictImages` for image files and decoded images, prepared as MNIST's digits
 * were (what `mnist-ts predict` and the page do), and `predictPixels` under it, which `predict`
 * also runs on data-set digits.
 */
import { OptionError } from '../engine/errors.js';
import type { KernelChoice } from '../engine/kernels/kernel-set.js';
import { softmax } from '../engine/model/loss.js';
import { argmax } from '../engine/model/metrics.js';
import type { Sequential } from '../engine/model/sequential.js';
import { sharedArray } from '../engine/shared-memory.js';
import { pixelScale } from '../data/dataset.js';
import { grayFromRgba, MNIST_SIDE, prepareDigit, type Gray } from '../data/preprocess.js';
import { EVALUATION_CHUNK, logitsData } from '../train/evaluate-data.js';
import { averagedLogProbabilities, shiftImages, TTA_SHIFTS } from '../train/test-time-augmentation.js';
import type { DenseData } from '../train/training-data.js';
import { checkThreads } from './threads.js';
import { readDigitImage } from './digit-images.js';
import { InferencePool } from './inference-pool.js';
import { onKernels } from './kernel-choice.js';
import type { Prediction } from './prediction-output.js';

/** A digit ready for the model: MNIST-sized bytes, white ink on black. */
export interface DigitInput {
  source: string;
  pixels: Uint8Array;
  label: number | null;
}

/**
 * Below this many images the model runs on one thread: a pool's start-up costs more than it saves,
 * since one thread reads that many digits quickly even with the CNN preset.
 */
export const POOL_MIN_IMAGES = 2 * EVALUATION_CHUNK;

/** The model's logits for `count` digits of bytes, on the pool's threads when one is given. */
async function logitsOf(model: Sequential, pixels: Uint8Array, count: number, pool?: InferencePool): Promise<Float32Array> {
  const f = model.inputSize;
  const scale = pixelScale();
  // In shared memory, where the pool's workers read it. The labels are not read: only logits are computed.
  const x = sharedArray(Float32Array, count * f);
  for (let i = 0; i < x.length; i++) x[i] = scale[pixels[i]];
  const rows: DenseData = { kind: 'dense', count, features: f, classes: model.outputSize, x, labels: sharedArray(Int32Array, count) };
  return pool ? pool.logits(model, rows) : logitsData(model, rows);
}

/**
 * The model's prediction for each input: the engine's own inference and argmax, on the pool's
 * threads when one is given (the same probabilities, bit for bit); with `tta`, the mean over the
 * input and its four one-pixel shifts.
 */
export async function predictPixels(model: Sequential, inputs: DigitInput[], pool?: InferencePool, tta = false): Promise<Prediction[]> {
  const classes = model.outputSize;
  const count = inputs.length;
  if (tta && model.inputSize !== MNIST_SIDE * MNIST_SIDE) throw new OptionError(`tta: shifts ${MNIST_SIDE}×${MNIST_SIDE} digits, but the model takes ${model.inputSize} inputs`);
  const pixels = new Uint8Array(count * model.inputSize);
  inputs.forEach((inp, r) => pixels.set(inp.pixels, r * model.inputSize));
  const views = tta ? TTA_SHIFTS.map(([dx, dy]) => shiftImages(pixels, count, MNIST_SIDE, MNIST_SIDE, dx, dy)) : [pixels];
  const viewLogits: Float32Array[] = [];
  for (const view of views) viewLogits.push(await logitsOf(model, view, count, pool));
  // With views, their averaged log-probabilities, whose softmax is the views' mean probability.
  const probs = softmax(tta ? averagedLogProbabilities(viewLogits, count, classes) : viewLogits[0], count, classes);
  const predicted = argmax(probs, inputs.length, classes);
  return inputs.map((inp, r) => {
    const p = Array.from(probs.subarray(r * classes, (r + 1) * classes));
    return { source: inp.source, predicted: predicted[r], confidence: p[predicted[r]], probabilities: p, label: inp.label, pixels: inp.pixels };
  });
}

/** A decoded image: RGBA bytes as in the DOM's ImageData, or one gray byte per pixel (0 black, 255 white). */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

export interface PredictImagesOptions {
  /** Threads running the model (default: the cores); used from POOL_MIN_IMAGES images on. */
  threads?: number;
  /** The kernels to compute with: 'auto' (default: SIMD where it runs), 'simd' or 'js', as fit's. */
  kernels?: KernelChoice;
  /** Test-time augmentation: average each digit's probabilities with its four one-pixel shifts', as evaluateModel's. */
  tta?: boolean;
}

/** A decoded image as grayscale on white paper; `source` names it in errors. */
function grayOf(img: DecodedImage, source: string): Gray {
  const { width, height, data } = img;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) throw new OptionError(`${source}: ${width}×${height}, expected a whole width and height of at least 1`);
  if (data.length === width * height * 4) return grayFromRgba(data, width, height);
  if (data.length === width * height) return { width, height, pixels: Uint8Array.from(data) };
  throw new OptionError(`${source}: ${data.length} bytes, expected ${width}×${height}×4 (RGBA) or ${width}×${height} (gray)`);
}

/**
 * The digit in each image: a file (PNG always; other formats with sharp installed) or a decoded
 * image, prepared as `mnist-ts predict` prepares it, so the probabilities are the ones it prints.
 * An image that cannot be read throws a DataError naming it.
 */
export async function predictImages(model: Sequential, images: readonly (string | DecodedImage)[], options: PredictImagesOptions = {}): Promise<Prediction[]> {
  const threads = checkThreads(options.threads);
  const onChosen = onKernels(model, options.kernels);
  if (model.inputSize !== MNIST_SIDE * MNIST_SIDE) {
    throw new OptionError(`model takes ${model.inputSize} inputs, but images are prepared as ${MNIST_SIDE}×${MNIST_SIDE} = ${MNIST_SIDE * MNIST_SIDE}`);
  }
  const inputs: DigitInput[] = [];
  for (const [i, img] of images.entries()) {
    const source = typeof img === 'string' ? img : `image ${i}`;
    const digit = typeof img === 'string' ? await readDigitImage(img) : await prepareDigit(grayOf(img, source), source);
    inputs.push({ source, pixels: digit.image.pixels, label: null });
  }
  const pool = new InferencePool(inputs.length >= POOL_MIN_IMAGES ? threads : 1);
  try {
    return await predictPixels(onChosen, inputs, pool, options.tta === true);
  } finally {
    await pool.close();
  }
}
