/** The elementwise kernels in plain TypeScript: the reference for their SIMD versions. */

/** y = max(x, 0), as x > 0 ? x : 0 (so NaN and −0 give 0). */
export function relu(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
}

/** dx = y > 0 ? dy : 0, where y is ReLU's output (positive exactly where its input was). */
export function reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < dy.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}

/** dst[i] += src[i] for i in [start, end): the sum of the threads' gradient slabs; `clearSrc` then zeroes src there. */
export function addInto(dst: Float32Array, src: Float32Array, start: number, end: number, clearSrc = false): void {
  for (let i = start; i < end; i++) dst[i] += src[i];
  if (clearSrc) src.fill(0, start, end);
}

/** sums[j] += x[r, j] for each of `rows` rows of n, row after row: a dense layer's bias gradient. */
export function addRowSums(x: Float32Array, sums: Float32Array, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    for (let j = 0; j < n; j++) sums[j] += x[off + j];
  }
}

/** y[r, :] += b for each of `rows` rows of n. */
export function addBias(y: Float32Array, b: Float32Array, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    for (let j = 0; j < n; j++) y[off + j] += b[j];
  }
}
