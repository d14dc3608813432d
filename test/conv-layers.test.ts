/** Conv2D, MaxPool2D, Flatten and Dropout: against naive definitions and central differences. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Conv2D, CsrMatrix, Dense, Dropout, Flatten, MaxPool2D, ReLU, Rng, Sequential, denseToCsr, fromLayers, kernelsFor, normal, type Layer } from '../src/engine/index.js';
import { wasmApi } from '../src/engine/wasm/runtime.js';

const WebAssembly = wasmApi()!;
import { checkInputGradient, checkModel, input } from './helpers/gradcheck.js';
import { convBackwardSparse, convWeightGrad, SparseList, weightOffsetsLength } from '../src/engine/kernels/conv-backward.js';

/** The definition, loop for loop: y[i,f,y,x] = b[f] + Σ_c,kh,kw w[f,c,kh,kw]·x[i,c,y+kh−pad,x+kw−pad]. */
function naiveConv(x: Float32Array, batch: number, [c, h, w]: number[], wt: Float32Array, bias: Float32Array, filters: number, k: number, same: boolean): Float32Array {
  const pad = same ? Math.floor((k - 1) / 2) : 0;
  const oh = same ? h : h - k + 1;
  const ow = same ? w : w - k + 1;
  const y = new Float32Array(batch * filters * oh * ow);
  for (let i = 0; i < batch; i++) {
    for (let f = 0; f < filters; f++) {
      for (let yy = 0; yy < oh; yy++) {
        for (let xx = 0; xx < ow; xx++) {
          let s = bias[f];
          for (let ch = 0; ch < c; ch++) {
            for (let kh = 0; kh < k; kh++) {
              for (let kw = 0; kw < k; kw++) {
                const iy = yy + kh - pad;
                const ix = xx + kw - pad;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                s += wt[((f * c + ch) * k + kh) * k + kw] * x[((i * c + ch) * h + iy) * w + ix];
              }
            }
          }
          y[((i * filters + f) * oh + yy) * ow + xx] = s;
        }
      }
    }
  }
  return y;
}

function close(a: Float32Array, b: Float32Array, tol: number, label: string) {
  assert.is(a.length, b.length, `${label}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${label}[${i}]: ${a[i]} vs ${b[i]}`);
}

for (const [shape, filters, k, same] of [
  [[1, 28, 28], 4, 5, false],
  [[3, 7, 9], 5, 3, true],
  [[2, 6, 5], 3, 4, true], // even kernel: the extra padding goes to the bottom and right
  [[2, 5, 5], 2, 5, false], // the kernel fills the image: one output pixel
  [[1, 4, 4], 1, 1, false],
  [[3, 9, 10], 6, 5, true], // the unrolled 5×5 kernel, padded, with a partial group of filters
  [[8, 12, 12], 12, 5, false], // the preset's second convolution
  [[2, 10, 11], 7, 3, false], // rows of 9 outputs: the SIMD kernel's last vector overlaps
  [[1, 9, 8], 5, 5, false], // rows of exactly 4 outputs
] as [number[], number, number, boolean][]) {
  for (const path of ['js', 'simd'] as const) {
    test(`Conv2D forward equals the definition (${path} kernels): input [${shape}], ${filters} filters ${k}×${k}, ${same ? 'same' : 'valid'}`, () => {
      const conv = new Conv2D(shape, filters, k, { padding: same ? 'same' : 'valid', init: normal(0.5), bias: normal(0.5) });
      const model = new Sequential([conv], { kernels: kernelsFor(path) }).initialize(11);
      const batch = 3;
      const x = input(batch, conv.inputSize, new Rng(12), 0.5);
      const y = model.forward(x, batch);
      close(y, naiveConv(x, batch, shape, model.param('conv2d0.weight'), model.param('conv2d0.bias'), filters, k, same), 1e-5, 'y');
      assert.equal([...conv.outputShape], [filters, same ? shape[1] : shape[1] - k + 1, same ? shape[2] : shape[2] - k + 1]);
    });
  }
}

test('the SIMD convolution and pooling modules validate for every shape the preset and these tests use', async () => {
  const { convForwardModule } = await import('../src/engine/kernels/conv-simd.js');
  for (const [c, h, w, k, f] of [[1, 28, 28, 5, 8], [8, 12, 12, 5, 12], [2, 10, 11, 3, 7], [1, 9, 8, 5, 5], [3, 11, 14, 5, 6]]) {
    for (const skip of [false, true]) assert.ok(WebAssembly.validate(convForwardModule({ channels: c, height: h, width: w, kernel: k, filters: f }, false, skip)), `[${c}, ${h}, ${w}] ${k}×${k} × ${f}${skip ? ', skipping zero rows' : ''}`);
  }
  assert.throws(() => convForwardModule({ channels: 1, height: 6, width: 6, kernel: 4, filters: 2 }, false), /rows of 4 or more/);
  const { maxPool2Module } = await import('../src/engine/kernels/maxpool-simd.js');
  for (const [h, w] of [[2, 2], [24, 24], [8, 8], [5, 7], [13, 17], [28, 28]]) assert.ok(WebAssembly.validate(maxPool2Module(h, w)), `2×2 pooling of ${h}×${w}`);
});

test('Conv2D forward skips all-zero row segments correctly: a digit-like input (a box of ink on zeros)', () => {
  const conv = new Conv2D([2, 28, 28], 5, 5, { init: normal(0.5), bias: normal(0.5) });
  const model = new Sequential([conv]).initialize(13);
  const rng = new Rng(14);
  const x = new Float32Array(3 * 2 * 784);
  for (let i = 0; i < 3; i++) for (let ch = 0; ch < 2; ch++) for (let yy = 4 + i; yy < 22 - ch; yy++) for (let xx = 6 + 3 * i; xx < 19; xx++) x[((i * 2 + ch) * 28 + yy) * 28 + xx] = rng.uniform();
  x[5 * 28 + 27] = 1; // a lone pixel at a row's end
  close(model.forward(x, 3), naiveConv(x, 3, [2, 28, 28], model.param('conv2d0.weight'), model.param('conv2d0.bias'), 5, 5, false), 1e-5, 'y');
  // One channel on the SIMD kernels: the kernel that skips all-zero row segments, with ink at
  // the edges of a segment (first and last column it reads) and a −0 that must not be skipped.
  const simd = new Sequential([new Conv2D([1, 28, 28], 6, 5, { init: normal(0.5), bias: normal(0.5) })], { kernels: kernelsFor('simd') }).initialize(15);
  const x1 = simd.kernels.allocator.f32(3 * 784);
  for (let i = 0; i < 3; i++) for (let yy = 5 + i; yy < 20; yy++) for (let xx = 8; xx < 17 + i; xx++) x1[(i * 28 + yy) * 28 + xx] = rng.uniform();
  x1[2 * 28 + 0] = 0.5;
  x1[3 * 28 + 27] = 0.25;
  x1[24 * 28 + 11] = -0;
  x1[26 * 28 + 15] = 1e-30;
  close(simd.forward(x1, 3), naiveConv(x1, 3, [1, 28, 28], simd.param('conv2d0.weight'), simd.param('conv2d0.bias'), 6, 5, false), 1e-5, 'y, SIMD, one channel');
});

test('MaxPool2D forward: the largest of each window; a partial window at the edge is dropped', () => {
  const pool = new MaxPool2D([1, 5, 5], 2);
  assert.equal([...pool.outputShape], [1, 2, 2]);
  const x = Float32Array.from({ length: 25 }, (_, i) => (i * 7) % 25);
  const y = pool.forward(x, 1);
  const expect = [0, 1].flatMap((yy) => [0, 1].map((xx) => Math.max(x[(2 * yy) * 5 + 2 * xx], x[(2 * yy) * 5 + 2 * xx + 1], x[(2 * yy + 1) * 5 + 2 * xx], x[(2 * yy + 1) * 5 + 2 * xx + 1])));
  assert.equal([...y], expect);
  // 3×3 windows (the general loop) against the same definition.
  const pool3 = new MaxPool2D([1, 7, 7], 3);
  const x3 = Float32Array.from({ length: 49 }, (_, i) => (i * 17) % 49);
  const expect3 = [0, 1].flatMap((yy) => [0, 1].map((xx) => Math.max(...[0, 1, 2].flatMap((dy) => [0, 1, 2].map((dx) => x3[(3 * yy + dy) * 7 + 3 * xx + dx])))));
  assert.equal([...pool3.forward(x3, 1)], expect3);
});

test('SIMD 2×2 max-pooling gives the JS pooling\'s bits: maxima and the gradient routed to the first of tied maxima, NaN and −0 included, odd plane sizes', () => {
  const simd = kernelsFor('simd');
  const rng = new Rng(21);
  const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));
  for (const [c, h, w] of [[1, 2, 2], [8, 24, 24], [12, 8, 8], [3, 5, 7], [2, 13, 17], [1, 28, 28], [2, 4, 19]]) {
    const js = new MaxPool2D([c, h, w], 2);
    const fast = new MaxPool2D([c, h, w], 2);
    fast.useKernels(simd);
    const batch = 3;
    // few distinct values, so windows tie often
    const x = simd.allocator.f32(batch * c * h * w);
    for (let i = 0; i < x.length; i++) x[i] = [0, -0, 1, 2, -1, 0.5][Math.floor(rng.uniform() * 6)];
    x[1] = NaN;
    x[x.length - 2] = NaN;
    const what = `[${c}, ${h}, ${w}]`;
    assert.equal(bits(fast.forward(x, batch)), bits(js.forward(x, batch)), `${what}: maxima`);
    const dy = Float32Array.from({ length: batch * js.outputSize }, (_, i) => (i % 5 === 0 ? -0 : i + 1));
    // twice, with other gradients between: every input is written each time, not just the maxima
    fast.backward(dy.map((v) => v * 3 + 1), batch, true);
    js.backward(dy.map((v) => v * 3 + 1), batch, true);
    assert.equal(bits(fast.backward(dy, batch, true)!), bits(js.backward(dy, batch, true)!), `${what}: gradient routing`);
  }
});

// No ReLU in this stack: with central differences, a pre-activation near zero crossing its kink
// reads as a gradient error (ReLU has its own check). Max-pooling's kinks are ties, which random
// inputs do not make.
test('a small CNN: every weight and bias gradient against central differences', () => {
  const rng = new Rng(21);
  const layers: Layer[] = [
    new Conv2D([2, 6, 6], 3, 3, { padding: 'same', init: normal(0.5), bias: normal(0.3) }),
    new MaxPool2D([3, 6, 6], 2),
    new Conv2D([3, 3, 3], 2, 2, { init: normal(0.5), bias: normal(0.3) }),
    new Flatten([2, 2, 2]),
    new Dense(8, 4, { init: normal(0.5), bias: normal(0.3) }),
  ];
  const model = new Sequential(layers).initialize(22);
  checkModel(model, input(3, 72, rng), [0, 3, 1], 3, 'cnn');
});

test('Conv2D then ReLU: the weight gradient flows through the ReLU mask', () => {
  const conv = new Conv2D([1, 5, 5], 2, 3, { init: normal(0.5), bias: normal(0.5) });
  const model = new Sequential([conv, new ReLU(18, [2, 3, 3]), new Dense(18, 3, { init: normal(0.5) })]).initialize(23);
  // Pre-activations away from zero, so that no central difference crosses the kink.
  const x = input(2, 25, new Rng(24));
  const pre = Float32Array.from(new Sequential([new Conv2D([1, 5, 5], 2, 3)], { params: model.params.slice(0, 20) }).forward(x, 2));
  assert.ok(pre.every((v) => Math.abs(v) > 0.05), 'test input has no pre-activation near 0');
  checkModel(model, x, [2, 0], 2, 'conv+relu', 1e-3);
});

test('input gradients of Conv2D (valid and same), MaxPool2D, Flatten and Dropout', () => {
  const convValid = new Conv2D([2, 5, 6], 3, 3, { init: normal(0.5) });
  const convSame = new Conv2D([2, 5, 6], 3, 4, { padding: 'same', init: normal(0.5) });
  for (const conv of [convValid, convSame]) {
    new Sequential([conv]).initialize(31);
    checkInputGradient(conv, 2, 32);
  }
  checkInputGradient(new MaxPool2D([2, 6, 4], 2), 2, 33);
  checkInputGradient(new MaxPool2D([2, 7, 6], 3), 2, 36); // the general (not 2×2) loop
  checkInputGradient(new Flatten([2, 3, 3]), 2, 34);
  checkInputGradient(new Dropout(0.4, [20]), 3, 35, { seed: 1, step: 7, offset: 0, layer: 2 });
});

test('Dropout: off in inference; in training about rate dropped, the rest scaled, masks fixed by (seed, step, layer, position)', () => {
  const d = new Dropout(0.25, [400]);
  const x = new Float32Array(6 * 400).fill(1);
  assert.is(d.forward(x, 6, false), x, 'inference passes the input through');
  const ctx = { seed: 3, step: 5, offset: 0, layer: 1 };
  const y = Float32Array.from(d.forward(x, 6, true, ctx));
  const dropped = y.filter((v) => v === 0).length / y.length;
  assert.ok(Math.abs(dropped - 0.25) < 0.03, `dropped ${dropped}`);
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6), 'kept values are scaled by 1/(1-rate)');
  assert.equal([...d.forward(x, 6, true, ctx)], [...y], 'same context, same mask');
  // The second half of the batch as a range of its own (offset 3) gets the same masks.
  const tail = d.forward(x.subarray(0, 3 * 400), 3, true, { ...ctx, offset: 3 });
  assert.equal([...tail], [...y.subarray(3 * 400)]);
  assert.not.equal([...d.forward(x, 6, true, { ...ctx, step: 6 })], [...y], 'another step, another mask');
  assert.throws(() => new Dropout(1, [4]), /rate 1, expected a number in \[0, 1\)/);
});

test('a convolutional first layer takes a CSR batch as the same pixels, dense', () => {
  const model = new Sequential([new Conv2D([1, 6, 6], 2, 3, { init: normal(0.5) }), new Flatten([2, 4, 4]), new Dense(32, 3)]).initialize(41);
  const x = input(4, 36, new Rng(42), 0.8);
  const dense = Float32Array.from(model.forward(x, 4));
  const csr = new CsrMatrix();
  assert.ok(denseToCsr(x, 4, 36, csr));
  assert.equal([...model.forward(csr, 4)], [...dense]);
});

test('the sparse backward kernel equals the dense one (weight gradient) and the definition (input gradient)', () => {
  const [b, c, h, w, f, k] = [3, 2, 7, 6, 5, 3];
  const [oh, ow] = [h - k + 1, w - k + 1];
  const rng = new Rng(51);
  const x = input(b, c * h * w, rng, 0.3);
  const dy = input(b, f * oh * ow, rng, 0.8);
  const wt = input(1, f * c * k * k, rng);
  const offsets = new Int32Array(weightOffsetsLength(c * k * k));
  const dwDense = new Float32Array(wt.length).fill(0.5);
  convWeightGrad(x, b, c, h, w, dy, f, k, dwDense, offsets);
  const dwSparse = new Float32Array(wt.length).fill(0.5);
  const dx = new Float32Array(x.length).fill(0.25);
  convBackwardSparse(x, b, c, h, w, dy, f, k, wt, dwSparse, dx, new SparseList());
  close(dwSparse, dwDense, 1e-5, 'dw');
  // dx by the definition: every output gradient spread over the patch it read.
  const expect = new Float32Array(x.length).fill(0.25);
  for (let i = 0; i < b; i++) for (let o = 0; o < f; o++) for (let yy = 0; yy < oh; yy++) for (let xx = 0; xx < ow; xx++) {
    const d = dy[((i * f + o) * oh + yy) * ow + xx];
    for (let ch = 0; ch < c; ch++) for (let kh = 0; kh < k; kh++) for (let kw = 0; kw < k; kw++) {
      expect[((i * c + ch) * h + yy + kh) * w + xx + kw] += d * wt[((o * c + ch) * k + kh) * k + kw];
    }
  }
  close(dx, expect, 1e-5, 'dx');
  // A first layer's 5×5 kernels take their own path (a kernel row per pass, no input gradient).
  const [c5, h5, w5, f5] = [2, 9, 8, 3];
  const x5 = input(2, c5 * h5 * w5, rng, 0.3);
  const dy5 = input(2, f5 * (h5 - 4) * (w5 - 4), rng, 0.8);
  const dense5 = new Float32Array(f5 * c5 * 25);
  convWeightGrad(x5, 2, c5, h5, w5, dy5, f5, 5, dense5, new Int32Array(weightOffsetsLength(c5 * 25)));
  const sparse5 = new Float32Array(f5 * c5 * 25);
  convBackwardSparse(x5, 2, c5, h5, w5, dy5, f5, 5, new Float32Array(f5 * c5 * 25), sparse5, null, new SparseList());
  close(sparse5, dense5, 1e-5, 'dw, 5×5, no dx');
});

test('the SIMD backward convolution follows the JS sparse one: weight, bias and input gradients, 5×5, 3×3 and 4×4 kernels, sparse and dense dy, first layers without dx', () => {
  const simd = kernelsFor('simd');
  const rng = new Rng(61);
  for (const [b, c, h, w, f, k, withDx, zeros] of [[3, 1, 28, 28, 8, 5, false, 0.85], [4, 8, 12, 12, 12, 5, true, 0.85], [4, 8, 12, 12, 12, 5, true, 0], [2, 2, 10, 11, 7, 3, true, 0.85], [3, 3, 9, 8, 5, 4, true, 0.5], [1, 1, 5, 5, 2, 5, true, 0], [2, 2, 6, 7, 3, 2, false, 0.85]] as const) {
    const [oh, ow] = [h - k + 1, w - k + 1];
    const x = simd.allocator.f32(b * c * h * w);
    x.set(input(b, c * h * w, rng, 0.4));
    const dy = simd.allocator.f32(b * f * oh * ow);
    dy.set(input(b, f * oh * ow, rng, zeros));
    dy[dy.length - 1] = 0.75; // the last entry nonzero: the list is full to its end
    const wt = simd.allocator.f32(f * c * k * k);
    wt.set(input(1, f * c * k * k, rng));
    const dwJs = new Float32Array(wt.length).fill(0.5);
    const dw = simd.allocator.f32(wt.length).fill(0.5);
    const dxJs = withDx ? new Float32Array(x.length).fill(0.25) : null;
    const dx = withDx ? simd.allocator.f32(x.length).fill(0.25) : null;
    convBackwardSparse(x, b, c, h, w, dy, f, k, wt, dwJs, dxJs, new SparseList());
    const db = simd.allocator.f32(f).fill(0.5);
    simd.convBackward(x, b, { channels: c, height: h, width: w, kernel: k, filters: f }, dy, wt, dw, db, dx);
    const dbJs = Float32Array.from({ length: f }, (_, o) => {
      let sum = 0.5;
      for (let i = 0; i < b; i++) for (let q = 0; q < oh * ow; q++) sum += dy[(i * f + o) * oh * ow + q];
      return sum;
    });
    const what = `[${b}, ${c}, ${h}, ${w}] × ${f} ${k}×${k}, ${zeros * 100}% zeros`;
    close(dw, dwJs, 1e-5, `${what}: dw`);
    close(db, dbJs, 1e-5, `${what}: db`);
    if (dx && dxJs) close(dx, dxJs, 1e-5, `${what}: dx`);
  }
});

test('a CNN on the SIMD kernels computes the JS kernels\' gradients (valid and same convolutions, pooling, ReLU, dense)', () => {
  const layers = 'conv:4:3:same,pool:2,relu,conv:6:3:same,relu,pool:2,conv:3:2,flatten,dense:10';
  const grads = (['js', 'simd'] as const).map((path) => {
    const model = fromLayers(layers, [2, 14, 14], { kernels: kernelsFor(path) }).initialize(71);
    const x = model.kernels.allocator.f32(5 * 2 * 14 * 14);
    x.set(input(5, 2 * 14 * 14, new Rng(72), 0.3));
    const logits = model.forward(x, 5, true);
    const dlogits = Float32Array.from(logits, (v, i) => Math.sin(i) * 0.1 + v * 0.01);
    model.zeroGrad();
    model.backward(dlogits, 5);
    return Float32Array.from(model.grads);
  });
  close(grads[1], grads[0], 1e-4, 'every gradient');
  assert.ok(grads[0].some((g) => g !== 0), 'gradients are not all zero');
});

test('Conv2D backward gives the same gradients whether dy is sparse enough for the sparse path or not', () => {
  const conv = new Conv2D([2, 6, 6], 3, 3, { padding: 'same', init: normal(0.5), bias: normal(0.5) });
  const model = new Sequential([conv]).initialize(61);
  const rng = new Rng(62);
  const x = input(2, 72, rng);
  const sparseDy = input(2, 108, rng, 0.9);
  conv.forward(x, 2);
  model.zeroGrad();
  const dx = Float32Array.from(conv.backward(sparseDy, 2, true)!);
  const grads = Float32Array.from(model.grads);
  // The same dy with its zeros replaced by a value too small to matter looks dense to the layer.
  const floor = 1e-30;
  const denseDy = sparseDy.map((v) => (v === 0 ? floor : v));
  conv.forward(x, 2);
  model.zeroGrad();
  const dx2 = Float32Array.from(conv.backward(denseDy, 2, true)!);
  close(dx2, dx, 1e-5, 'dx');
  close(Float32Array.from(model.grads), grads, 1e-5, 'grads');
});

test('layer shapes are checked where the layer is made', () => {
  assert.throws(() => new Conv2D([1, 4, 4], 2, 5), /5×5 kernel does not fit a 4×4 input/);
  assert.throws(() => new Conv2D([784], 2, 5), /expected \[channels, height, width\]/);
  assert.throws(() => new MaxPool2D([1, 1, 3], 2), /2×2 window does not fit a 1×3 input/);
  assert.throws(() => new Sequential([new Conv2D([1, 8, 8], 2, 3), new Dense(100, 2)]), /takes 100 inputs, but layer 0 \(conv2d\) gives 72/);
});

test.run();
