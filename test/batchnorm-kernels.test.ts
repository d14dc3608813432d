/**
 * Batch normalisation's SIMD kernels against the scalar reference (batchnorm-js.ts), which is
 * checked against the definition first: runs of every tail length, one value a channel (a dense
 * layer's), resident in the kernel memory and staged from outside it, dx wanted or not.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../src/engine/index.js';
import { jsKernels } from '../src/engine/kernels/js-kernels.js';
import { kernelsFor } from '../src/engine/kernels/kernel-select.js';
import type { BnShape } from '../src/engine/kernels/batchnorm-js.js';
import type { KernelSet } from '../src/engine/kernels/kernel-set.js';

const simd = kernelsFor('simd');

function values(n: number, rng: Rng, offset = 0): Float32Array {
  return Float32Array.from({ length: n }, () => offset + rng.normal() * 2);
}

/** Every kernel's outputs for one ghost batch, on a kernel set, from arrays made by `make`. */
function runAll(k: KernelSet, s: BnShape, seed: number, make: (src: Float32Array) => Float32Array) {
  const rng = new Rng(seed);
  const n = s.rows * s.channels * s.size;
  const C = s.channels;
  const x = make(values(n, rng, 3)), dy = make(values(n, rng)), gamma = make(values(C, rng)), beta = make(values(C, rng));
  const mean = make(new Float32Array(C)), variance = make(new Float32Array(C));
  k.bnMoments(x, s, mean, variance);
  const invStd = make(variance.map((v) => 1 / Math.sqrt(v + 1e-5)));
  const xhat = make(new Float32Array(n)), y = make(new Float32Array(n));
  k.bnNormalise(x, s, mean, invStd, gamma, beta, xhat, y);
  const dGamma = make(new Float32Array(C).fill(0.5)), dBeta = make(new Float32Array(C).fill(-0.5)), dx = make(new Float32Array(n));
  k.bnBackward(dy, xhat, s, gamma, invStd, dGamma, dBeta, dx);
  const dGamma2 = make(new Float32Array(C)), dBeta2 = make(new Float32Array(C));
  k.bnBackward(dy, xhat, s, gamma, invStd, dGamma2, dBeta2, null);
  const affine = make(new Float32Array(n));
  k.bnAffine(x, s, gamma, beta, affine);
  return { x, dy, gamma, mean, variance, xhat, y, dGamma, dBeta, dx, dGamma2, dBeta2, affine };
}

function close(a: Float32Array, b: Float32Array, tolerance: number, what: string): void {
  for (let i = 0; i < a.length; i++) {
    const scale = Math.max(1, Math.abs(b[i]));
    assert.ok(Math.abs(a[i] - b[i]) <= tolerance * scale, `${what}[${i}]: ${a[i]} against ${b[i]}`);
  }
}

const SHAPES: BnShape[] = [
  { rows: 16, channels: 3, size: 144 },
  { rows: 5, channels: 2, size: 7 },
  { rows: 16, channels: 4, size: 16 },
  { rows: 3, channels: 5, size: 1 },
  { rows: 1, channels: 2, size: 6 },
];

test('the JS kernels follow the definition: per channel mean and biased variance, x̂, y, the sums and dx', () => {
  const s: BnShape = { rows: 3, channels: 2, size: 2 };
  // Row r, channel c, position p holds 10c + 3r + p.
  const x = Float32Array.from({ length: 12 }, (_, i) => 10 * (Math.floor(i / 2) % 2) + 3 * Math.floor(i / 4) + (i % 2));
  const mean = new Float32Array(2), variance = new Float32Array(2);
  jsKernels.bnMoments(x, s, mean, variance);
  // Channel 0 holds 0, 1, 3, 4, 6, 7: mean 3.5, variance (12.25 + 6.25 + 0.25) · 2 / 6.
  assert.equal([...mean], [3.5, 13.5]);
  assert.ok(Math.abs(variance[0] - 37.5 / 6) < 1e-6 && Math.abs(variance[1] - 37.5 / 6) < 1e-6);
  const r = runAll(jsKernels, { rows: 4, channels: 3, size: 5 }, 1, (a) => a);
  const { dy } = r;
  for (let c = 0; c < 3; c++) {
    let sumDy = 0, sumDyXhat = 0;
    for (let row = 0; row < 4; row++) {
      for (let p = 0; p < 5; p++) {
        const i = (row * 3 + c) * 5 + p;
        sumDy += dy[i];
        sumDyXhat += dy[i] * r.xhat[i];
      }
    }
    assert.ok(Math.abs(r.dBeta2[c] - sumDy) < 1e-4 && Math.abs(r.dGamma2[c] - sumDyXhat) < 1e-4, `channel ${c} sums`);
    assert.ok(Math.abs(r.dBeta[c] - (sumDy - 0.5)) < 1e-4 && Math.abs(r.dGamma[c] - (sumDyXhat + 0.5)) < 1e-4, `channel ${c}: dγ and dβ are added to`);
    // x̂ has mean 0 and variance 1 over the channel; dx follows the formula.
    const n = 20;
    for (let row = 0; row < 4; row++) {
      for (let p = 0; p < 5; p++) {
        const i = (row * 3 + c) * 5 + p;
        const inv = 1 / Math.sqrt(r.variance[c] + 1e-5);
        assert.ok(Math.abs(r.xhat[i] - (r.x[i] - r.mean[c]) * inv) < 1e-5, `x̂ at ${i}`);
        const expected = ((r.gamma[c] * inv) / n) * (n * dy[i] - sumDy - r.xhat[i] * sumDyXhat);
        assert.ok(Math.abs(r.dx[i] - expected) < 1e-4 * Math.max(1, Math.abs(expected)), `dx at ${i}`);
      }
    }
  }
});

test('the SIMD kernels follow the JS ones within float32 rounding: every tail, one value a channel, resident and staged', () => {
  SHAPES.forEach((s, i) => {
    const js = runAll(jsKernels, s, 10 + i, (a) => a);
    for (const [where, make] of [['resident', (a: Float32Array) => { const r = simd.allocator.f32(a.length); r.set(a); return r; }], ['staged', (a: Float32Array) => a]] as const) {
      const v = runAll(simd, s, 10 + i, make);
      const label = `${JSON.stringify(s)} ${where}`;
      close(v.mean, js.mean, 1e-6, `${label} mean`);
      close(v.variance, js.variance, 1e-5, `${label} variance`);
      close(v.xhat, js.xhat, 1e-5, `${label} x̂`);
      close(v.y, js.y, 1e-5, `${label} y`);
      close(v.dGamma, js.dGamma, 1e-4, `${label} dγ`);
      close(v.dBeta, js.dBeta, 1e-4, `${label} dβ`);
      close(v.dGamma2, js.dGamma2, 1e-4, `${label} dγ without dx`);
      close(v.dBeta2, js.dBeta2, 1e-4, `${label} dβ without dx`);
      close(v.dx, js.dx, 1e-4, `${label} dx`);
      close(v.affine, js.affine, 1e-6, `${label} affine`);
    }
  });
});

test.run();
