/**
 * Batch normalisation's kernels, the scalar reference (batchnorm-simd.ts is the SIMD set's). Each
 * works on one ghost batch of `rows` examples laid out (rows, channels, size): channel c of row r
 * is the `size` floats from (r·channels + c)·size. Sums are float64, rounded once.
 *  - bnMoments: each channel's mean and biased variance (two passes: the mean, then the squares
 *    of the deviations from it);
 *  - bnNormalise: x̂ = (x − mean)·invStd and y = γ·x̂ + β;
 *  - bnBackward: dγ += Σ dy·x̂, dβ += Σ dy and, unless dx is null,
 *    dx = γ·invStd/n · (n·dy − Σ dy − x̂·Σ dy·x̂), n = rows·size;
 *  - bnAffine (inference): y = x·scale + shift.
 */

export interface BnShape {
  rows: number;
  channels: number;
  size: number;
}

/** Calls body(start, end) for each of channel c's runs of floats. */
function runs(s: BnShape, c: number, body: (start: number, end: number) => void): void {
  for (let r = 0; r < s.rows; r++) {
    const start = (r * s.channels + c) * s.size;
    body(start, start + s.size);
  }
}

export function bnMoments(x: Float32Array, s: BnShape, mean: Float32Array, variance: Float32Array): void {
  const n = s.rows * s.size;
  for (let c = 0; c < s.channels; c++) {
    let sum = 0;
    runs(s, c, (a, b) => {
      for (let i = a; i < b; i++) sum += x[i];
    });
    const m = Math.fround(sum / n);
    let squares = 0;
    runs(s, c, (a, b) => {
      for (let i = a; i < b; i++) squares += (x[i] - m) ** 2;
    });
    mean[c] = m;
    variance[c] = squares / n;
  }
}

export function bnNormalise(x: Float32Array, s: BnShape, mean: Float32Array, invStd: Float32Array, gamma: Float32Array, beta: Float32Array, xhat: Float32Array, y: Float32Array): void {
  for (let c = 0; c < s.channels; c++) {
    const m = mean[c], inv = invStd[c], g = gamma[c], b = beta[c];
    runs(s, c, (from, to) => {
      for (let i = from; i < to; i++) {
        const h = Math.fround((x[i] - m) * inv);
        xhat[i] = h;
        y[i] = g * h + b;
      }
    });
  }
}

export function bnBackward(dy: Float32Array, xhat: Float32Array, s: BnShape, gamma: Float32Array, invStd: Float32Array, dGamma: Float32Array, dBeta: Float32Array, dx: Float32Array | null): void {
  const n = s.rows * s.size;
  for (let c = 0; c < s.channels; c++) {
    let sumDy = 0;
    let sumDyXhat = 0;
    runs(s, c, (a, b) => {
      for (let i = a; i < b; i++) {
        sumDy += dy[i];
        sumDyXhat += dy[i] * xhat[i];
      }
    });
    dGamma[c] += sumDyXhat;
    dBeta[c] += sumDy;
    if (!dx) continue;
    const k = (gamma[c] * invStd[c]) / n;
    runs(s, c, (a, b) => {
      for (let i = a; i < b; i++) dx[i] = k * (n * dy[i] - sumDy - xhat[i] * sumDyXhat);
    });
  }
}

export function bnAffine(x: Float32Array, s: BnShape, scale: Float32Array, shift: Float32Array, y: Float32Array): void {
  for (let c = 0; c < s.channels; c++) {
    const a = scale[c], b = shift[c];
    runs(s, c, (from, to) => {
      for (let i = from; i < to; i++) y[i] = x[i] * a + b;
    });
  }
}
