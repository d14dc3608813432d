/** Seeded shifts: the CSR and dense paths against a plain, pixel-by-pixel shift of the image. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CsrMatrix, denseToCsr, Rng } from '../src/engine/index.js';
import { shiftCsr, shiftDense, shiftOf, type Augmentation } from '../src/train/augment.js';

/** The image moved by (dy, dx): out[y][x] = in[y − dy][x − dx], zero where that falls outside. */
function plainShift(img: Float32Array, a: Augmentation, dy: number, dx: number): Float32Array {
  const { channels: c, height: h, width: w } = a;
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sy = y - dy;
        const sx = x - dx;
        if (sy >= 0 && sy < h && sx >= 0 && sx < w) out[(ch * h + y) * w + x] = img[(ch * h + sy) * w + sx];
      }
    }
  }
  return out;
}

/** `count` images with about half their pixels nonzero (so the CSR path has zeros to keep). */
function images(count: number, a: Augmentation, seed: number): Float32Array {
  const rng = new Rng(seed);
  const f = a.channels * a.height * a.width;
  return Float32Array.from({ length: count * f }, () => (rng.uniform() < 0.5 ? 0 : 1 + rng.int(9)));
}

test('shifts move every pixel by its (seeded) offset, CSR and dense alike, on odd shapes and channels', () => {
  const shapes: Augmentation[] = [
    { shift: 1, channels: 1, height: 28, width: 28 },
    { shift: 2, channels: 1, height: 5, width: 7 },
    { shift: 3, channels: 2, height: 6, width: 4 },
  ];
  for (const a of shapes) {
    const count = 20;
    const f = a.channels * a.height * a.width;
    const x = images(count, a, a.height);
    const offset = 3; // the batch position of the first row, as for a worker's range of the batch
    const want = new Float32Array(count * f);
    const seen = new Set<string>();
    for (let r = 0; r < count; r++) {
      const [dy, dx] = shiftOf(a, 9, 4, offset + r);
      assert.ok(Math.abs(dy) <= a.shift && Math.abs(dx) <= a.shift);
      seen.add(`${dy},${dx}`);
      want.set(plainShift(x.subarray(r * f, (r + 1) * f), a, dy, dx), r * f);
    }
    assert.ok(seen.size > 3, 'the shifts vary from example to example');
    const dense = Float32Array.from(x);
    shiftDense(dense, count, a, 9, 4, offset);
    assert.equal(Array.from(dense), Array.from(want), `dense ${a.channels}×${a.height}×${a.width}`);
    const csr = new CsrMatrix();
    assert.ok(denseToCsr(x, count, f, csr, 1));
    shiftCsr(csr, a, 9, 4, offset);
    assert.equal(Array.from(csr.toDense()), Array.from(want), `CSR ${a.channels}×${a.height}×${a.width}`);
  }
});

test('a shift is a function of (seed, step, position) only', () => {
  const a: Augmentation = { shift: 2, channels: 1, height: 28, width: 28 };
  const all = (seed: number, step: number) => Array.from({ length: 50 }, (_, p) => shiftOf(a, seed, step, p).join(',')).join(' ');
  // No state between calls: asked in the opposite order, after other seeds and steps, the same shifts.
  const forward = all(1, 5);
  all(3, 9);
  const backward = Array.from({ length: 50 }, (_, p) => shiftOf(a, 1, 5, 49 - p).join(',')).reverse().join(' ');
  assert.is(backward, forward);
  assert.ok(new Set(forward.split(' ')).size > 5, 'positions get different shifts');
  assert.not.equal(all(1, 5), all(2, 5), 'another seed');
  assert.not.equal(all(1, 5), all(1, 6), 'another step');
});

test.run();
