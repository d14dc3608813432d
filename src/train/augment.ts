/**
 * Seeded data augmentation: each training image moved by a random whole-pixel shift of up to
 * `shift` pixels in each direction, pixels moved past the edge dropped and the uncovered border
 * left at zero (MNIST's background). An example's shift depends on (seed, step, its position in
 * the batch) alone, so a seed gives the same shifts whatever the number of threads; evaluation
 * never shifts.
 */
import type { CsrMatrix } from '../engine/kernels/csr.js';
import { optionError } from '../engine/errors.js';
import { mixSeed, Rng } from '../engine/rng.js';

export interface Augmentation {
  /** Largest shift, in pixels, along each axis. */
  shift: number;
  /** The image layout of an example's features: channels × height × width. */
  channels: number;
  height: number;
  width: number;
}

/** A salt that keeps augmentation's random stream apart from dropout's and the batch order's. */
const AUGMENT_STREAM = 0x5a17;

export function checkAugmentation(a: Augmentation, features: number): Augmentation {
  if (!(Number.isInteger(a.shift) && a.shift >= 0 && a.shift < Math.min(a.height, a.width))) {
    throw optionError('augment.shift', `${a.shift}, expected a whole number of pixels from 0 to ${Math.min(a.height, a.width) - 1}`);
  }
  if (a.channels * a.height * a.width !== features) {
    throw optionError('augment.shift', `images of ${a.channels}×${a.height}×${a.width} = ${a.channels * a.height * a.width} values, but the data has ${features} per example`);
  }
  return a;
}

/** The (rows, columns) shift of the example at `position` in the batch of step `step`. */
export function shiftOf(a: Augmentation, seed: number, step: number, position: number): [number, number] {
  const rng = new Rng(mixSeed(seed, AUGMENT_STREAM, step, position));
  const span = 2 * a.shift + 1;
  return [rng.int(span) - a.shift, rng.int(span) - a.shift];
}

/** Shifts the rows of a CSR batch in place; `offset` is the batch position of its first row. */
export function shiftCsr(csr: CsrMatrix, a: Augmentation, seed: number, step: number, offset: number): void {
  const { height: h, width: w } = a;
  const plane = h * w;
  const ptr = csr.rowPtr;
  const ci = csr.colIdx;
  const cv = csr.values;
  let t = 0;
  let start = ptr[0];
  for (let r = 0; r < csr.rows; r++) {
    const end = ptr[r + 1];
    const [dy, dx] = shiftOf(a, seed, step, offset + r);
    for (let s = start; s < end; s++) {
      const col = ci[s];
      const ch = Math.floor(col / plane);
      const y = Math.floor((col % plane) / w) + dy;
      const x = (col % w) + dx;
      if (y < 0 || y >= h || x < 0 || x >= w) continue;
      // Writing at t ≤ s never overwrites an entry not yet read.
      ci[t] = ch * plane + y * w + x;
      cv[t] = cv[s];
      t++;
    }
    start = end;
    ptr[r + 1] = t;
  }
}

/** Shifts `batch` dense rows in place (one row of scratch is used). */
export function shiftDense(x: Float32Array, batch: number, a: Augmentation, seed: number, step: number, offset: number): void {
  const { channels: c, height: h, width: w } = a;
  const f = c * h * w;
  const row = new Float32Array(f);
  for (let r = 0; r < batch; r++) {
    const [dy, dx] = shiftOf(a, seed, step, offset + r);
    if (dy === 0 && dx === 0) continue;
    const src = x.subarray(r * f, (r + 1) * f);
    row.fill(0);
    for (let ch = 0; ch < c; ch++) {
      for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
        for (let xx = Math.max(0, dx); xx < Math.min(w, w + dx); xx++) row[(ch * h + y) * w + xx] = src[(ch * h + y - dy) * w + xx - dx];
      }
    }
    src.set(row);
  }
}
