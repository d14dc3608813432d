/**
 * Test-time augmentation: a digit is read in several views, itself and its four one-pixel shifts
 * (the moves that training's ±1 shifts teach), and the views' probabilities are averaged. The
 * average is returned as log-probabilities, which the evaluation reads as logits: their softmax
 * is the average itself, so accuracy and loss come out of the usual path.
 */
import type { Split } from '../data/dataset.js';
import { softmax } from '../engine/model/loss.js';

/** The views, as (dx, dy) moves of the image: itself, right, left, down, up. */
export const TTA_SHIFTS: readonly (readonly [number, number])[] = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]];

/** `count` images of rows × cols bytes, each moved by (dx, dy) whole pixels; what comes in is 0. */
export function shiftImages(pixels: Uint8Array, count: number, rows: number, cols: number, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(count * rows * cols);
  for (let i = 0; i < count; i++) {
    const base = i * rows * cols;
    for (let y = Math.max(0, dy); y < Math.min(rows, rows + dy); y++) {
      const from = base + (y - dy) * cols;
      const to = base + y * cols;
      for (let x = Math.max(0, dx); x < Math.min(cols, cols + dx); x++) out[to + x] = pixels[from + x - dx];
    }
  }
  return out;
}

/** The split with every image moved by (dx, dy). */
export function shiftedSplit(split: Split, dx: number, dy: number): Split {
  return { ...split, pixels: shiftImages(split.pixels, split.count, split.rows, split.cols, dx, dy) };
}

/** log of the mean of the views' softmax probabilities, for `count` rows of `classes` logits each. */
export function averagedLogProbabilities(views: readonly Float32Array[], count: number, classes: number): Float32Array {
  const mean = new Float64Array(count * classes);
  for (const logits of views) softmax(logits, count, classes).forEach((p, i) => (mean[i] += p / views.length));
  return Float32Array.from(mean, (p) => Math.log(p));
}
