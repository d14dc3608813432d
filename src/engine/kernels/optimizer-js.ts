/**
 * The optimisers' elementwise updates over [start, end) in plain TypeScript: the reference for the
 * SIMD versions. Arithmetic as JavaScript numbers (float64), rounded to float32 on each store.
 * With `clear`, the gradient is set to 0 over the range once used: the training backends consume
 * gradients this way, so the next step can add into them without a zeroing pass of its own.
 */

/** p −= lr·(g + λ·p) */
export function sgdUpdate(p: Float32Array, g: Float32Array, start: number, end: number, lr: number, wd: number, clear = false): void {
  for (let i = start; i < end; i++) p[i] -= lr * (g[i] + wd * p[i]);
  if (clear) g.fill(0, start, end);
}

/** v = μ·v + g + λ·p; p −= lr·v */
export function momentumUpdate(p: Float32Array, g: Float32Array, v: Float32Array, start: number, end: number, lr: number, mu: number, wd: number, clear = false): void {
  for (let i = start; i < end; i++) {
    v[i] = mu * v[i] + g[i] + wd * p[i];
    p[i] -= lr * v[i];
  }
  if (clear) g.fill(0, start, end);
}

/** Adam's moments and step, bias corrections folded into `a` and `e`; `l2` and `shrink` carry weight decay. */
export interface AdamStep {
  a: number;
  e: number;
  b1: number;
  b2: number;
  l2: number;
  shrink: number;
}

/** g' = g + l2·p; m = β1·m + (1−β1)·g'; v = β2·v + (1−β2)·g'²; p = p·shrink − a·m/(√v + e) */
export function adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, start: number, end: number, s: AdamStep, clear = false): void {
  const { a, e, b1, b2, l2, shrink } = s;
  for (let i = start; i < end; i++) {
    const gi = g[i] + l2 * p[i];
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    p[i] = p[i] * shrink - (a * m[i]) / (Math.sqrt(v[i]) + e);
  }
  if (clear) g.fill(0, start, end);
}
