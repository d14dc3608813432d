/**
 * The reference matmul: a plain i-j-k triple loop with a float64 accumulator. Slow on purpose;
 * tests and benchmarks hold the fast kernels against it.
 */
import type { MatmulOptions } from './matmul.js';

export function matmulNaive(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, opts: MatmulOptions = {}): void {
  const { transA = false, transB = false, accumulate = false } = opts;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        s += av * bv;
      }
      c[i * n + j] = accumulate ? c[i * n + j] + s : s;
    }
  }
}
