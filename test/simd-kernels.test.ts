/** The SIMD kernels against the definition and the JS kernels, on odd sizes, zeros, resident and staged operands. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CsrMatrix, csrMatmul, csrTransposeMatmul, denseToCsr, matmulNaive, OptionError, Rng } from '../src/engine/index.js';
import { resolveKernelPath, SimdKernels, simdAvailable } from '../src/engine/kernels/kernel-select.js';
import { jsKernels } from '../src/engine/kernels/js-kernels.js';
import { KernelMemory } from '../src/engine/wasm/kernel-memory.js';
import { softmaxModule } from '../src/engine/kernels/softmax-simd.js';
import { transposeModule } from '../src/engine/kernels/transpose-simd.js';
import { wasmApi } from '../src/engine/wasm/runtime.js';
import { softmaxCrossEntropy } from '../src/engine/model/loss.js';
import { assertSameBits } from './helpers/bits.js';

const rng = new Rng(17);
const SIZES = [1, 3, 7, 10, 33, 100, 256, 257, 784];

function rand(n: number, zeroFraction = 0): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.uniform() < zeroFraction ? 0 : rng.normal()));
}

/** Largest difference relative to √k, the typical size of a sum of k products of N(0, 1) values. */
function relativeError(a: Float32Array, b: Float32Array, k: number): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e / Math.max(1, Math.sqrt(k));
}

/** A CSR copy of `x` whose arrays live in `memory` (as a batch gathered by a SIMD trainer does). */
function residentCsr(x: Float32Array, rows: number, cols: number, memory: KernelMemory): CsrMatrix {
  const tmp = new CsrMatrix();
  denseToCsr(x, rows, cols, tmp);
  const m = new CsrMatrix();
  m.rows = rows;
  m.cols = cols;
  m.rowPtr = memory.i32(rows + 1);
  m.rowPtr.set(tmp.rowPtr.subarray(0, rows + 1));
  m.colIdx = memory.i32(Math.max(1, tmp.nnz));
  m.colIdx.set(tmp.colIdx.subarray(0, tmp.nnz));
  m.values = memory.f32(Math.max(1, tmp.nnz));
  m.values.set(tmp.values.subarray(0, tmp.nnz));
  return m;
}

test('the SIMD sparse kernels match the definition and the JS kernels: every width, resident and staged, with empty rows', () => {
  assert.ok(simdAvailable(), 'Node 20 runs the SIMD kernels');
  const memory = new KernelMemory();
  const simd = new SimdKernels(memory);
  let cases = 0;
  for (const n of SIZES) for (const rows of [1, 7, 100]) for (const k of [3, 33, 784]) {
    if (rows * n * k > 4e6) continue;
    for (const resident of [true, false]) {
      const x = rand(rows * k, 0.8);
      if (rows > 1) x.fill(0, 0, k); // an all-zero row
      const csr = resident ? residentCsr(x, rows, k, memory) : (() => {
        const m = new CsrMatrix();
        denseToCsr(x, rows, k, m);
        return m;
      })();
      const w = resident ? memory.f32(k * n) : new Float32Array(k * n);
      w.set(rand(k * n));
      // forward, overwrite and accumulate
      const want = new Float32Array(rows * n);
      matmulNaive(x, w, want, rows, n, k);
      const js = new Float32Array(rows * n);
      csrMatmul(csr, w, js, n);
      const got = resident ? memory.f32(rows * n) : new Float32Array(rows * n);
      got.fill(123); // overwritten, not added to
      simd.csrMatmul(csr, w, got, n);
      assert.ok(relativeError(want, got, k) < 4e-6, `forward n=${n} rows=${rows} k=${k} resident=${resident}`);
      assert.ok(relativeError(js, got, k) < 4e-6);
      const start = rand(rows * n);
      const acc = Float32Array.from(start);
      const accWant = Float32Array.from(start);
      simd.csrMatmul(csr, w, acc, n, true);
      matmulNaive(x, w, accWant, rows, n, k, { accumulate: true });
      assert.ok(relativeError(accWant, acc, k) < 4e-6, `accumulate n=${n}`);
      // weight gradient, accumulated into what is there
      const dy = rand(rows * n, 0.5);
      const g0 = rand(k * n);
      const gWant = Float32Array.from(g0);
      matmulNaive(x, dy, gWant, k, n, rows, { transA: true, accumulate: true });
      const gJs = Float32Array.from(g0);
      csrTransposeMatmul(csr, dy, gJs, n);
      const gGot = resident ? memory.f32(k * n) : new Float32Array(k * n);
      gGot.set(g0);
      simd.csrTransposeMatmul(csr, resident ? (() => { const d = memory.f32(dy.length); d.set(dy); return d; })() : dy, gGot, n);
      assert.ok(relativeError(gWant, gGot, rows) < 4e-6, `weight gradient n=${n} rows=${rows} k=${k} resident=${resident}`);
      assert.ok(relativeError(gJs, gGot, rows) < 4e-6);
      cases++;
    }
  }
  assert.ok(cases > 80, `ran ${cases} cases`);
});

test('the SIMD dense products match the naive loop: every transpose, odd sizes, zeros, accumulate, resident and staged', () => {
  const memory = new KernelMemory();
  const simd = new SimdKernels(memory);
  const into = (x: Float32Array, resident: boolean) => {
    if (!resident) return x;
    const r = memory.f32(x.length);
    r.set(x);
    return r;
  };
  let cases = 0;
  for (const m of [1, 7, 100]) for (const n of SIZES) for (const k of [1, 3, 33, 256]) {
    if (m * n * k > 2e6) continue;
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const zeros of [0, 0.5]) {
        const resident = cases % 2 === 0;
        const a = into(rand(m * k, zeros), resident);
        const b = into(rand(k * n), resident);
        const start = rand(m * n);
        for (const accumulate of [false, true]) {
          const want = Float32Array.from(start);
          matmulNaive(a, b, want, m, n, k, { transA, transB, accumulate });
          const got = into(Float32Array.from(start), resident);
          simd.matmul(a, b, got, m, n, k, { transA, transB, accumulate });
          assert.ok(relativeError(want, got, k) < 4e-6, `m=${m} n=${n} k=${k} transA=${transA} transB=${transB} zeros=${zeros} accumulate=${accumulate}`);
        }
        cases++;
      }
    }
  }
  assert.ok(cases > 100, `ran ${cases} cases`);
});

test('the SIMD Aᵀ·B (a layer\'s xᵀ·dy) gives the bits of C + a·b added in row order of B, unfused, from any C', () => {
  // What lets a dense layer's weight gradient keep its bits however its rows are held in registers.
  const simd = new SimdKernels(new KernelMemory(), { fused: false });
  for (const m of [1, 5, 64]) for (const n of [1, 2, 3, 10, 27, 64]) for (const k of [1, 8, 33]) {
    const a = rand(m * k, 0.3), b = rand(k * n), start = rand(m * n);
    const want = Float32Array.from(start);
    for (let p = 0; p < k; p++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want[i * n + j] = Math.fround(want[i * n + j] + Math.fround(a[p * m + i] * b[p * n + j]));
    const got = Float32Array.from(start);
    simd.matmul(a, b, got, m, n, k, { transA: true, accumulate: true });
    assertSameBits(got, want, `m=${m} n=${n} k=${k}`);
  }
});

test('the kernel sets\' transpose (kept by a dense layer for dy·Wᵀ) gives the bits of matmul\'s transB', () => {
  for (const kernels of [jsKernels, new SimdKernels(new KernelMemory())]) {
    const [n, k, m] = [37, 19, 6];
    const w = rand(n * k), dy = rand(m * k);
    const wT = new Float32Array(n * k);
    kernels.transpose(w, n, k, wT);
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) assert.ok(Object.is(wT[p * n + j], w[j * k + p]), `${kernels.path}: element ${j}, ${p}`);
    const viaT = new Float32Array(m * n), direct = new Float32Array(m * n);
    kernels.matmul(dy, wT, viaT, m, n, k);
    kernels.matmul(dy, w, direct, m, n, k, { transB: true });
    assertSameBits(viaT, direct, kernels.path);
  }
});

test('the SIMD transpose behind A·Bᵀ copies every element to its place: whole 4 × 4 blocks and every edge', () => {
  const memory = new KernelMemory();
  const wasm = wasmApi()!;
  const kernel = new wasm.Instance(new wasm.Module(transposeModule()), { env: { memory: memory.memory } }).exports.transpose as (src: number, rows: number, cols: number, dst: number) => void;
  for (const rows of [1, 3, 4, 5, 8, 10, 33, 256]) for (const cols of [1, 2, 4, 7, 10, 64]) {
    const src = memory.f32(rows * cols);
    src.set(rand(rows * cols));
    const dst = memory.f32(rows * cols + 4).fill(NaN);
    kernel(src.byteOffset, rows, cols, dst.byteOffset);
    let wrong = 0;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (!Object.is(dst[j * rows + i], src[i * cols + j])) wrong++;
    assert.is(wrong, 0, `${rows} × ${cols}`);
    assert.ok(dst.subarray(rows * cols).every(Number.isNaN), `nothing written past ${rows} × ${cols}`);
  }
});

test('the SIMD elementwise kernels give the JS kernels\' bits: ReLU (NaN, −0 included) and its gradient, bias rows, row sums, slab sums, every tail length', async () => {
  const js = await import('../src/engine/kernels/elementwise-js.js');
  const memory = new KernelMemory();
  const simd = new SimdKernels(memory);
  const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));
  for (const count of [0, 1, 2, 3, 4, 5, 7, 8, 9, 33, 256, 1001]) {
    for (const resident of [true, false]) {
      const alloc = (n: number) => (resident ? memory.f32(n) : new Float32Array(n));
      const x = alloc(count);
      x.set(rand(count, 0.3));
      if (count > 3) [x[0], x[1], x[2]] = [NaN, -0, Infinity];
      const yJs = new Float32Array(count);
      const y = alloc(count);
      js.relu(x, yJs);
      simd.relu(x, y);
      assert.equal(bits(y), bits(yJs), `relu, ${count} values`);
      const dy = alloc(count);
      dy.set(rand(count));
      const dxJs = new Float32Array(count);
      const dx = alloc(count);
      js.reluBackward(yJs, dy, dxJs);
      simd.reluBackward(y, dy, dx);
      assert.equal(bits(dx), bits(dxJs), `relu backward, ${count} values`);
    }
  }
  for (const [start, end] of [[0, 0], [0, 3], [1, 9], [4, 1001]]) {
    const dst = memory.f32(1010);
    dst.set(rand(1010));
    const src = memory.f32(1010);
    src.set(rand(1010));
    const dstJs = Float32Array.from(dst);
    js.addInto(dstJs, src, start, end);
    simd.addInto(dst, src, start, end);
    assert.equal(bits(dst), bits(dstJs), `slab sum over [${start}, ${end})`);
  }
  for (const n of [1, 3, 4, 10, 33, 256]) {
    const b = rand(n);
    const y = memory.f32(7 * n);
    y.set(rand(7 * n));
    const yJs = Float32Array.from(y);
    js.addBias(yJs, b, 7, n);
    simd.addBias(y, b, 7, n);
    assert.equal(bits(y), bits(yJs), `bias, n = ${n}`);
    const sums = memory.f32(n);
    sums.set(rand(n));
    const sumsJs = Float32Array.from(sums);
    js.addRowSums(y, sumsJs, 7, n);
    simd.addRowSums(y, sums, 7, n);
    assert.equal(bits(sums), bits(sumsJs), `row sums, n = ${n}`);
  }
});

test('the SIMD optimiser updates follow the JS ones (float32 against float64 arithmetic) on ranges of every tail length', async () => {
  const js = await import('../src/engine/kernels/optimizer-js.js');
  const memory = new KernelMemory();
  const simd = new SimdKernels(memory);
  const close = (a: Float32Array, b: Float32Array, what: string) => {
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-6 * (1 + Math.abs(b[i])), `${what}: element ${i}, ${a[i]} against ${b[i]}`);
  };
  for (const [start, end] of [[0, 0], [0, 1], [3, 10], [5, 38], [0, 1001]]) {
    const n = 1010;
    const fresh = () => {
      const p = memory.f32(n); p.set(rand(n));
      const g = memory.f32(n); g.set(rand(n, 0.3));
      const m = memory.f32(n); m.set(rand(n).map((x) => x * 0.1));
      const v = memory.f32(n); v.set(rand(n).map((x) => x * x * 0.01));
      return { p, g, m, v };
    };
    const twin = (o: ReturnType<typeof fresh>) => ({ p: Float32Array.from(o.p), g: o.g, m: Float32Array.from(o.m), v: Float32Array.from(o.v) });
    let a = fresh();
    let b = twin(a);
    simd.sgdUpdate(a.p, a.g, start, end, 0.05, 0.01);
    js.sgdUpdate(b.p, b.g, start, end, 0.05, 0.01);
    close(a.p, b.p, `sgd [${start}, ${end})`);
    a = fresh();
    b = twin(a);
    simd.momentumUpdate(a.p, a.g, a.v, start, end, 0.05, 0.9, 0.001);
    js.momentumUpdate(b.p, b.g, b.v, start, end, 0.05, 0.9, 0.001);
    close(a.v, b.v, `momentum velocity [${start}, ${end})`);
    close(a.p, b.p, `momentum [${start}, ${end})`);
    for (const step of [{ a: 0.002, e: 1e-8, b1: 0.9, b2: 0.999, l2: 0.01, shrink: 1 }, { a: 0.001, e: 3e-9, b1: 0.9, b2: 0.999, l2: 0, shrink: 1 - 1e-5 }]) {
      a = fresh();
      b = twin(a);
      simd.adamUpdate(a.p, a.g, a.m, a.v, start, end, step);
      js.adamUpdate(b.p, b.g, b.m, b.v, start, end, step);
      close(a.m, b.m, `adam m [${start}, ${end})`);
      close(a.v, b.v, `adam v [${start}, ${end})`);
      close(a.p, b.p, `adam [${start}, ${end})`);
    }
    // outside the range nothing moves
    const untouched = fresh();
    const before = Float32Array.from(untouched.p);
    simd.sgdUpdate(untouched.p, untouched.g, start, end, 0.05, 0);
    for (let i = 0; i < n; i++) if (i < start || i >= end) assert.is(untouched.p[i], before[i]);
  }
});

test('with clear, each update and the slab sum zero the gradient they read, over the range only, and compute the same bits as without', () => {
  const memory = new KernelMemory();
  const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));
  const step = { a: 0.002, e: 1e-8, b1: 0.9, b2: 0.999, l2: 0.01, shrink: 1 };
  for (const kernels of [jsKernels, new SimdKernels(memory)]) {
    for (const [start, end] of [[0, 0], [0, 1], [3, 10], [5, 38], [0, 1001]]) {
      const n = 1010;
      const updates: [string, (p: Float32Array, g: Float32Array, state: Float32Array[], clear: boolean) => void][] = [
        ['sgd', (p, g, _s, clear) => kernels.sgdUpdate(p, g, start, end, 0.05, 0.01, clear)],
        ['momentum', (p, g, [v], clear) => kernels.momentumUpdate(p, g, v, start, end, 0.05, 0.9, 0.001, clear)],
        ['adam', (p, g, [m, v], clear) => kernels.adamUpdate(p, g, m, v, start, end, step, clear)],
        ['slab sum', (p, g, _s, clear) => kernels.addInto(p, g, start, end, clear)],
      ];
      for (const [name, update] of updates) {
        const runs = [false, true].map((clear) => {
          // the same values for both runs
          const r = new Rng(5);
          const values = (zeroFraction = 0) => Float32Array.from({ length: n }, () => (r.uniform() < zeroFraction ? 0 : r.normal()));
          const p = kernels.allocator.f32(n); p.set(values());
          const g = kernels.allocator.f32(n); g.set(values(0.3));
          const state = [0, 1].map(() => { const x = kernels.allocator.f32(n); x.set(values().map((y) => y * y * 0.01)); return x; });
          const gBefore = Float32Array.from(g);
          update(p, g, state, clear);
          return { p, g, gBefore, state };
        });
        const what = `${kernels.path} ${name} [${start}, ${end})`;
        assert.equal(bits(runs[1].p), bits(runs[0].p), `${what}: parameters`);
        for (let i = 0; i < 2; i++) assert.equal(bits(runs[1].state[i]), bits(runs[0].state[i]), `${what}: state ${i}`);
        assert.equal(bits(runs[0].g), bits(runs[0].gBefore), `${what}: without clear the gradient stays`);
        for (let i = 0; i < n; i++) assert.is(runs[1].g[i], i >= start && i < end ? 0 : runs[1].gBefore[i], `${what}: gradient ${i}`);
      }
    }
  }
});

test('the SIMD exp is within 2 float32 ulps of Math.exp over [−87.3, 88.3], and about 2^−126 below', () => {
  const memory = new KernelMemory();
  const wasm = wasmApi()!;
  const exports = new wasm.Instance(new wasm.Module(softmaxModule(10)), { env: { memory: memory.memory } }).exports;
  const exp = exports.exp as (x: number, y: number, count: number) => void;
  const count = 200_001;
  const x = memory.f32(count);
  const y = memory.f32(count);
  for (let i = 0; i < count; i++) x[i] = -87.3 + (175.6 * i) / (count - 1);
  exp(x.byteOffset, y.byteOffset, count - 1); // the last one by the scalar tail
  let worst = 0;
  for (let i = 0; i < count - 1; i++) {
    const want = Math.fround(Math.exp(x[i]));
    const ulp = Math.fround(want * (1 + 2 ** -23)) - want;
    worst = Math.max(worst, Math.abs(y[i] - want) / ulp);
  }
  assert.ok(worst <= 2, `worst error ${worst.toFixed(2)} ulps`);
  x.set([-90, -200, -Infinity, 0, 1]);
  exp(x.byteOffset, y.byteOffset, 5);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(y[i] / 2 ** -126 - 1) < 1e-4, `exp(${x[i]}) = ${y[i]}, expected about 2^−126`);
  assert.equal(Array.from(y.subarray(3, 5)), [1, Math.fround(Math.E)]);
});

test('the SIMD softmax cross-entropy follows the JS loss and gradient: class counts with and without a tail, wide logits, every label', () => {
  const simd = new SimdKernels(new KernelMemory());
  for (const classes of [1, 3, 4, 10, 17]) {
    for (const [batch, spread] of [[1, 1], [7, 3], [100, 1], [64, 40]]) {
      const logits = Float32Array.from(rand(batch * classes), (v) => v * spread);
      const labels = simd.allocator.i32(batch);
      for (let r = 0; r < batch; r++) labels[r] = r % classes;
      const scale = 1 / (3 * batch);
      const gradJs = new Float32Array(batch * classes);
      const grad = new Float32Array(batch * classes);
      const lossJs = softmaxCrossEntropy(logits, labels, batch, classes, gradJs, scale);
      const loss = simd.softmaxCrossEntropy(logits, labels, batch, classes, grad, scale);
      const what = `${classes} classes, batch ${batch}, spread ${spread}`;
      assert.ok(Math.abs(loss - lossJs) <= 1e-5 * (batch + Math.abs(lossJs)), `${what}: loss ${loss} against ${lossJs}`);
      for (let i = 0; i < grad.length; i++) assert.ok(Math.abs(grad[i] - gradJs[i]) <= 1e-6 * scale, `${what}: gradient ${i}, ${grad[i]} against ${gradJs[i]}`);
    }
  }
  const labels = simd.allocator.i32(2);
  labels.set([0, 10]);
  assert.throws(() => simd.softmaxCrossEntropy(new Float32Array(20), labels, 2, 10, new Float32Array(20), 0.5), /label 10 at row 1, expected 0\.\.9/);
});

test('the SIMD gather gives the JS gather\'s bits: rows of every length, resident and not', async () => {
  const { gatherCsrRows } = await import('../src/engine/kernels/gather-js.js');
  const memory = new KernelMemory();
  const simd = new SimdKernels(memory);
  // 40 rows of 0..11 nonzeros (every remainder of 4), bytes 1..255, columns up to 783
  const lengths = Array.from({ length: 40 }, (_, r) => r % 12);
  const total = lengths.reduce((a, b) => a + b, 0);
  const make = (resident: boolean) => {
    const src = { rowPtr: resident ? memory.i32(41) : new Int32Array(41), colIdx: resident ? memory.u16(total) : new Uint16Array(total), values: resident ? memory.u8(total) : new Uint8Array(total) };
    let t = 0;
    lengths.forEach((n, r) => {
      src.rowPtr[r] = t;
      for (let q = 0; q < n; q++, t++) {
        src.colIdx[t] = (r * 37 + q * 71) % 784;
        src.values[t] = 1 + ((r * 13 + q * 29) % 255);
      }
    });
    src.rowPtr[40] = t;
    return src;
  };
  const indices = Int32Array.from([3, 0, 39, 11, 11, 5, 24, 7, 12, 1, 35]);
  for (const resident of [true, false]) {
    const src = make(resident);
    const nnz = Array.from(indices).reduce((s, i) => s + lengths[i], 0);
    const want = new CsrMatrix().reserve(indices.length, 784, nnz);
    gatherCsrRows(src, indices, 0, indices.length, want, 1 / 255);
    const got = new CsrMatrix(memory).reserve(indices.length, 784, nnz);
    simd.gatherCsrRows(src, indices, 0, indices.length, got, 1 / 255);
    assert.equal(Array.from(got.rowPtr.subarray(0, indices.length + 1)), Array.from(want.rowPtr.subarray(0, indices.length + 1)), `row pointers, resident=${resident}`);
    assert.equal(Array.from(got.colIdx.subarray(0, nnz)), Array.from(want.colIdx.subarray(0, nnz)), `columns, resident=${resident}`);
    assert.equal(Array.from(new Uint32Array(got.values.buffer, got.values.byteOffset, nnz)), Array.from(new Uint32Array(want.values.buffer, want.values.byteOffset, nnz)), `values, bit for bit, resident=${resident}`);
    assert.is(want.values[0], Math.fround(src.values[src.rowPtr[3]] * Math.fround(1 / 255)), 'float32(byte) × float32(1/255)');
    // With bounds: each row's nonzeros from its second to its last but one (a range of columns
    // in a sorted row), the same bits from both, and exactly those nonzeros.
    const pairs = resident ? memory.i32(80) : new Int32Array(80);
    for (let e = 0; e < 40; e++) [pairs[2 * e], pairs[2 * e + 1]] = [src.rowPtr[e] + Math.min(1, lengths[e]), Math.max(src.rowPtr[e] + Math.min(1, lengths[e]), src.rowPtr[e + 1] - 1)];
    const part = Array.from(indices).reduce((s, i) => s + pairs[2 * i + 1] - pairs[2 * i], 0);
    const wantPart = new CsrMatrix().reserve(indices.length, 784, part);
    gatherCsrRows(src, indices, 0, indices.length, wantPart, 1 / 255, { pairs });
    const gotPart = new CsrMatrix(memory).reserve(indices.length, 784, part);
    simd.gatherCsrRows(src, indices, 0, indices.length, gotPart, 1 / 255, { pairs });
    assert.is(gotPart.nnz, part, `bounded nonzeros, resident=${resident}`);
    assert.equal(Array.from(gotPart.rowPtr.subarray(0, indices.length + 1)), Array.from(wantPart.rowPtr.subarray(0, indices.length + 1)), `bounded row pointers, resident=${resident}`);
    assert.equal(Array.from(gotPart.colIdx.subarray(0, part)), Array.from(wantPart.colIdx.subarray(0, part)), `bounded columns, resident=${resident}`);
    assert.equal(Array.from(new Uint32Array(gotPart.values.buffer, gotPart.values.byteOffset, part)), Array.from(new Uint32Array(wantPart.values.buffer, wantPart.values.byteOffset, part)), `bounded values, resident=${resident}`);
    const r0 = indices[0];
    assert.equal(Array.from(wantPart.colIdx.subarray(0, wantPart.rowPtr[1])), Array.from(src.colIdx.subarray(pairs[2 * r0], pairs[2 * r0 + 1])), 'the first row\'s bounded columns');
    // A slice of the indices, from outside the memory (copied) and from inside it (read in place).
    const inMemory = memory.i32(indices.length);
    inMemory.set(indices);
    const [a, b] = [2, 9];
    const sliceNnz = Array.from(indices.subarray(a, b)).reduce((s, i) => s + lengths[i], 0);
    const wantSlice = new CsrMatrix().reserve(b - a, 784, sliceNnz);
    gatherCsrRows(src, indices, a, b, wantSlice, 1 / 255);
    for (const idx of [indices, inMemory]) {
      const gotSlice = new CsrMatrix(memory).reserve(b - a, 784, sliceNnz);
      simd.gatherCsrRows(src, idx, a, b, gotSlice, 1 / 255);
      const where = `indices ${idx === inMemory ? 'in' : 'outside'} the memory, resident=${resident}`;
      assert.equal(Array.from(gotSlice.rowPtr.subarray(0, b - a + 1)), Array.from(wantSlice.rowPtr.subarray(0, b - a + 1)), `slice's row pointers, ${where}`);
      assert.equal(Array.from(gotSlice.colIdx.subarray(0, sliceNnz)), Array.from(wantSlice.colIdx.subarray(0, sliceNnz)), `slice's columns, ${where}`);
    }
  }
});

test('the SIMD kernels are deterministic: the same inputs give the same bits in another memory, staged or resident', () => {
  const x = rand(100 * 784, 0.81);
  const w = rand(784 * 256);
  // Operands outside the kernel memory, staged into it by the call.
  const staged = new CsrMatrix();
  denseToCsr(x, 100, 784, staged);
  const a = new Float32Array(100 * 256);
  new SimdKernels(new KernelMemory()).csrMatmul(staged, w, a, 256);
  // The same operands living in another instance's memory, at other addresses.
  const memory = new KernelMemory();
  memory.f32(1234);
  const resident = new CsrMatrix(memory);
  denseToCsr(x, 100, 784, resident);
  const wIn = memory.f32(w.length);
  wIn.set(w);
  const b = memory.f32(100 * 256);
  new SimdKernels(memory).csrMatmul(resident, wIn, b, 256);
  assertSameBits(b, a);
});

test('shapes are checked before any kernel runs', () => {
  const simd = new SimdKernels(new KernelMemory());
  const csr = new CsrMatrix();
  denseToCsr(rand(4 * 5), 4, 5, csr);
  assert.throws(() => simd.csrMatmul(csr, new Float32Array(5 * 3 - 1), new Float32Array(4 * 3), 3), /B has 14 values, expected \[5, 3\]/);
  assert.throws(() => simd.csrTransposeMatmul(csr, new Float32Array(4 * 3), new Float32Array(5 * 3 - 1), 3), /C has 14 values, expected \[5, 3\]/);
});

test('kernel choice: auto picks SIMD where it runs; a bad name is one clear error', () => {
  assert.is(resolveKernelPath('auto'), 'simd');
  assert.is(resolveKernelPath('js'), 'js');
  assert.is(resolveKernelPath('simd'), 'simd');
  assert.throws(() => resolveKernelPath('gpu'), (e: Error) => e instanceof OptionError && /^kernels: 'gpu', expected one of auto, simd, js$/.test(e.message));
});

test('a kernel memory grows as it hands out regions, and views made earlier stay valid', () => {
  const memory = new KernelMemory();
  const first = memory.f32(10);
  first.fill(7);
  const big = memory.f32(5 * 65536); // past the first page: the memory grows
  big[big.length - 1] = 1;
  assert.is(first[9], 7, 'an earlier view still reads its values');
  assert.ok(memory.holds(first) && memory.holds(big));
  assert.not.ok(memory.holds(new Float32Array(4)));
  assert.is(first.byteOffset % 16, 0);
  assert.is(big.byteOffset % 16, 0);
  assert.throws(() => memory.f32(2 ** 30), /^kernel memory: 409\d MiB needed, more than the 4096 MiB a WebAssembly memory can hold/);
  assert.is(memory.f32(4).length, 4, 'a refused request leaves the arena usable');
});

test.run();
