import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matmulRaw, matmulNaive, matmul, Tensor, Rng, ShapeError, CsrMatrix, denseToCsr, csrMatmul, csrTransposeMatmul } from '../src/engine/index.js';

function rand(n: number, rng: Rng, zeroFraction = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform() < zeroFraction ? 0 : rng.normal();
  return out;
}

/**
 * Largest |a − b| relative to the size of what was summed: each entry is a sum of k products of
 * N(0, 1) values, so its typical magnitude is √k, and float32 rounding grows with it.
 */
function relativeError(a: Float32Array, b: Float32Array, k: number): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e / Math.max(1, Math.sqrt(k));
}

const SIZES = [1, 7, 33, 100, 257, 784];

/** The engine's product against the naive loop on random operands; returns the largest difference. */
function errorAgainstNaive(m: number, n: number, k: number, opts: { transA?: boolean; transB?: boolean }, zeroFraction = 0): number {
  const a = rand(m * k, rng, zeroFraction);
  const b = rand(k * n, rng);
  const want = new Float32Array(m * n);
  const got = new Float32Array(m * n);
  matmulNaive(a, b, want, m, n, k, opts);
  matmulRaw(a, b, got, m, n, k, opts);
  return relativeError(want, got, k);
}
const rng = new Rng(42);

test('all four transpose combinations match the naive loop on awkward sizes', () => {
  let cases = 0;
  for (const m of SIZES) for (const n of SIZES) for (const k of SIZES) {
    // Keep the naive reference quick (the models' large shapes have a test of their own below).
    if (m * n * k > 1e6) continue;
    for (const transA of [false, true]) for (const transB of [false, true]) {
      const tol = 4e-5;
      const err = errorAgainstNaive(m, n, k, { transA, transB });
      assert.ok(err < tol, `m=${m} n=${n} k=${k} transA=${transA} transB=${transB}: error ${err}`);
      cases++;
    }
  }
  assert.ok(cases > 300, `ran ${cases} cases`);
});

test('the large shapes of the models match too', () => {
  for (const [m, n, k, transA, transB] of [[100, 256, 784, false, false], [784, 256, 100, true, false], [100, 784, 256, false, true], [256, 256, 256, false, false]] as const) {
    assert.ok(errorAgainstNaive(m, n, k, { transA, transB }) < 4e-5, `${m}x${n}x${k}`);
  }
});

test('inputs with many zeros take the sparse path and still match', () => {
  for (const zeros of [0.5, 0.81, 0.99, 1]) for (const transA of [false, true]) for (const transB of [false, true]) {
    assert.ok(errorAgainstNaive(100, 33, 784, { transA, transB }, zeros) < 4e-5, `zeros=${zeros} transA=${transA} transB=${transB}`);
  }
});

test('accumulate adds to C instead of overwriting it', () => {
  for (const zeros of [0, 0.9]) {
    const [m, n, k] = [33, 17, 65];
    const a = rand(m * k, rng, zeros);
    const b = rand(k * n, rng);
    const c0 = rand(m * n, rng);
    const want = Float32Array.from(c0);
    const got = Float32Array.from(c0);
    matmulNaive(a, b, want, m, n, k, { accumulate: true });
    matmulRaw(a, b, got, m, n, k, { accumulate: true });
    assert.ok(relativeError(want, got, k) < 4e-5);
  }
});

test('CSR kernels match the dense naive products', () => {
  for (const n of [1, 7, 8, 10, 33, 256]) {
    const [rows, k] = [37, 101];
    const x = rand(rows * k, rng, 0.8);
    const csr = new CsrMatrix();
    assert.ok(denseToCsr(x, rows, k, csr));
    assert.equal(Array.from(csr.toDense()), Array.from(x));
    const w = rand(k * n, rng);
    const want = new Float32Array(rows * n);
    const got = new Float32Array(rows * n);
    matmulNaive(x, w, want, rows, n, k);
    csrMatmul(csr, w, got, n);
    assert.ok(relativeError(want, got, k) < 4e-5, `forward n=${n}`);
    const dy = rand(rows * n, rng);
    const dwWant = rand(k * n, rng);
    const dwGot = Float32Array.from(dwWant);
    matmulNaive(x, dy, dwWant, k, n, rows, { transA: true, accumulate: true });
    csrTransposeMatmul(csr, dy, dwGot, n);
    assert.ok(relativeError(dwWant, dwGot, rows) < 4e-5, `weight gradient n=${n}`);
  }
});

test('denseToCsr gives up past the density limit', () => {
  const x = rand(10 * 10, rng, 0.2);
  assert.not.ok(denseToCsr(x, 10, 10, new CsrMatrix(), 0.5));
});

test('shape errors name both shapes', () => {
  const a = Tensor.zeros([100, 784]);
  const b = Tensor.zeros([785, 10]);
  assert.throws(() => matmul(a, b), (e: Error) => e instanceof ShapeError && e.message === 'matmul: cannot multiply [100, 784] by [785, 10]');
  assert.throws(() => matmul(a, Tensor.zeros([10, 784]), { transB: false }), /cannot multiply \[100, 784\] by \[10, 784\]/);
  assert.is(matmul(a, Tensor.zeros([10, 784]), { transB: true }).shape.join('x'), '100x10');
  assert.throws(() => new Tensor(new Float32Array(3), [2, 2]), /3 values cannot have shape \[2, 2\]/);
  assert.throws(() => matmulRaw(new Float32Array(5), new Float32Array(6), new Float32Array(4), 2, 2, 3), /A has 5 values, expected \[2, 3\] = 6/);
});

test('Tensor matmul computes the right values', () => {
  const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = Tensor.from([7, 8, 9, 10, 11, 12], [3, 2]);
  assert.equal(Array.from(matmul(a, b).data), [58, 64, 139, 154]);
  assert.equal(Array.from(matmul(a, a, { transB: true }).data), [14, 32, 32, 77]);
  assert.is(matmul(a, b).get(1, 0), 139);
});

test.run();
