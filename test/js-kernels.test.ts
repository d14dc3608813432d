/** The JS kernel set's image kernels against naive definitions, and the SIMD set's fallback to them. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../src/engine/index.js';
import { jsKernels } from '../src/engine/kernels/js-kernels.js';
import { kernelsFor } from '../src/engine/kernels/kernel-select.js';
import { SPARSE_DY_DENSITY } from '../src/engine/kernels/conv-js.js';
import type { ConvShape } from '../src/engine/kernels/kernel-set.js';

const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

function close(actual: Float32Array, expected: Float32Array, tol: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) assert.unreachable(`${what}[${i}]: ${actual[i]}, expected ${expected[i]}`);
  }
}

/** dw, db and dx of the valid convolution, loop for loop from their definitions, added to the given arrays. */
function naiveConvBackward(x: Float32Array, batch: number, s: ConvShape, dy: Float32Array, wt: Float32Array, dw: Float32Array, db: Float32Array, dx: Float32Array): void {
  const { channels: c, height: h, width: w, kernel: K, filters: F } = s;
  const [oh, ow] = [h - K + 1, w - K + 1];
  for (let i = 0; i < batch; i++) {
    for (let f = 0; f < F; f++) {
      for (let yy = 0; yy < oh; yy++) {
        for (let xx = 0; xx < ow; xx++) {
          const d = dy[((i * F + f) * oh + yy) * ow + xx];
          db[f] += d;
          for (let ch = 0; ch < c; ch++) {
            for (let kh = 0; kh < K; kh++) {
              for (let kw = 0; kw < K; kw++) {
                const at = ((i * c + ch) * h + yy + kh) * w + xx + kw;
                const k = ((f * c + ch) * K + kh) * K + kw;
                dw[k] += d * x[at];
                dx[at] += d * wt[k];
              }
            }
          }
        }
      }
    }
  }
}

test('the JS convolution backward pass follows its definition on both of its paths (sparse and dense dy)', () => {
  const rng = new Rng(5);
  const s: ConvShape = { channels: 2, height: 9, width: 8, kernel: 3, filters: 3 };
  const batch = 3;
  const outputs = batch * s.filters * (s.height - 2) * (s.width - 2);
  const x = Float32Array.from({ length: batch * 2 * 9 * 8 }, () => rng.uniform() - 0.5);
  const wt = Float32Array.from({ length: 3 * 2 * 9 }, () => rng.uniform() - 0.5);
  for (const zeros of [0, 0.9]) {
    const dy = Float32Array.from({ length: outputs }, () => (rng.uniform() < zeros ? 0 : rng.uniform() - 0.5));
    const nonzeros = dy.reduce((n, v) => n + +(v !== 0), 0);
    assert.is(nonzeros < SPARSE_DY_DENSITY * outputs, zeros > 0.5, 'the density picks the path under test');
    const [dw, db, dx] = [new Float32Array(wt.length).fill(0.5), new Float32Array(3).fill(0.5), new Float32Array(x.length).fill(0.25)];
    const [dwN, dbN, dxN] = [dw.slice(), db.slice(), dx.slice()];
    jsKernels.convBackward(x, batch, s, dy, wt, dw, db, dx);
    naiveConvBackward(x, batch, s, dy, wt, dwN, dbN, dxN);
    close(dw, dwN, 1e-5, `${zeros * 100}% zeros: dw`);
    close(db, dbN, 1e-5, `${zeros * 100}% zeros: db`);
    close(dx, dxN, 1e-5, `${zeros * 100}% zeros: dx`);
  }
});

test('the SIMD convolution gives outputs narrower than a vector to the JS kernel: the same bits', () => {
  const simd = kernelsFor('simd');
  const rng = new Rng(7);
  for (const s of [{ channels: 2, height: 6, width: 5, kernel: 3, filters: 5 }, { channels: 1, height: 4, width: 4, kernel: 4, filters: 2 }] as ConvShape[]) {
    const batch = 2;
    const outputs = batch * s.filters * (s.height - s.kernel + 1) * (s.width - s.kernel + 1);
    const x = Float32Array.from({ length: batch * s.channels * s.height * s.width }, () => rng.uniform() - 0.5);
    const wt = Float32Array.from({ length: s.filters * s.channels * s.kernel * s.kernel }, () => rng.uniform() - 0.5);
    const bias = Float32Array.from({ length: s.filters }, () => rng.uniform());
    const [y, yJs] = [new Float32Array(outputs), new Float32Array(outputs)];
    simd.convValid(x, batch, s, wt, bias, y);
    jsKernels.convValid(x, batch, s, wt, bias, yJs);
    assert.equal(bits(y), bits(yJs), `${JSON.stringify(s)}`);
  }
});

test('the JS 2×2 pooling gradient writes every window and leaves an odd last row and column alone', () => {
  const [planes, h, w] = [2, 5, 3];
  const x = Float32Array.from({ length: planes * h * w }, (_, i) => (i * 7) % 11);
  const y = new Float32Array(planes * 2);
  const arg = new Int32Array(planes * 2);
  jsKernels.maxPool2(x, planes, h, w, y, arg);
  const dx = new Float32Array(x.length).fill(9);
  jsKernels.maxPool2Backward(Float32Array.of(1, 2, 3, 4), arg, planes, h, w, dx);
  for (let p = 0; p < planes; p++) {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const i = (p * h + r) * w + c;
        const o = arg.indexOf(i);
        const expected = r >= 4 || c >= 2 ? 9 : o >= 0 ? o + 1 : 0;
        assert.is(dx[i], expected, `plane ${p}, (${r}, ${c})`);
        if (o >= 0) assert.is(y[o], x[i], `the maximum of window ${o}`);
      }
    }
  }
});

test.run();
