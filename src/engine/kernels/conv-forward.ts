/**
 * The forward convolution kernel (stride 1, no padding: a padded layer pads its input first). It
 * uses the matmul's 4×4 register tile (4 filters × 4 adjacent output pixels), but reads the image
 * in place instead of building im2col columns: four adjacent output pixels of one row see four
 * adjacent input pixels for every (c, kh, kw), so the "column" the tile needs is already
 * contiguous in memory. im2col plus the packed matmul spent as long copying as multiplying.
 */

/** Filters per tile, and output pixels (or weights) per tile. */
const TF = 4;
const TP = 4;

/**
 * Packs weights [F, C·K·K] (row-major, as stored) into groups of four filters, k-major:
 * packed[(g·CKK + k)·4 + j] = w[(4g + j)·CKK + k], zero for filters past F.
 */
export function packFilters(w: Float32Array, filters: number, ckk: number, out: Float32Array): Float32Array {
  const groups = Math.ceil(filters / TF);
  for (let g = 0; g < groups; g++) {
    for (let k = 0; k < ckk; k++) {
      const o = (g * ckk + k) * TF;
      for (let j = 0; j < TF; j++) {
        const f = g * TF + j;
        out[o + j] = f < filters ? w[f * ckk + k] : 0;
      }
    }
  }
  return out;
}

export function packedFilterLength(filters: number, ckk: number): number {
  return Math.ceil(filters / TF) * TF * ckk;
}

/**
 * For every row of every input plane, the columns [lo, hi) that hold its nonzeros (lo = hi when
 * none): spans[2r] = lo, spans[2r+1] = hi. The forward kernel skips a kernel row whose input
 * segment lies outside the span. MNIST digits fill ~20×20 of 28×28 pixels and ReLU zeroes about
 * half of what follows, so this skips a good share of the multiply-adds by zero for one pass
 * over the input.
 */
export function rowSpans(x: Float32Array, rows: number, w: number, spans: Int32Array): Int32Array {
  for (let r = 0; r < rows; r++) {
    const base = r * w;
    let lo = 0;
    while (lo < w && x[base + lo] === 0) lo++;
    let hi = w;
    if (lo === w) hi = lo = 0;
    else while (x[base + hi - 1] === 0) hi--;
    spans[2 * r] = lo;
    spans[2 * r + 1] = hi;
  }
  return spans;
}

/**
 * y[i, f, oy, ox] = bias[f] + Σ_{c,kh,kw} w[f, c, kh, kw] · x[i, c, oy + kh, ox + kw] for an input
 * of c × h × w and a K×K kernel (output (h−K+1) × (w−K+1)). `packed` comes from packFilters,
 * `spans` from rowSpans over the batch × c × h input rows.
 */
export function convValid(x: Float32Array, batch: number, c: number, h: number, w: number, packed: Float32Array, bias: Float32Array, filters: number, K: number, y: Float32Array, spans: Int32Array): void {
  const oh = h - K + 1;
  const ow = w - K + 1;
  const ckk = c * K * K;
  const plane = h * w;
  const oplane = oh * ow;
  const groups = Math.ceil(filters / TF);
  if (ow < TP) {
    convValidScalar(x, batch, c, h, w, packed, bias, filters, K, y);
    return;
  }
  if (K === 5) {
    convValid5(x, batch, c, h, w, packed, bias, filters, y, spans);
    return;
  }
  for (let i = 0; i < batch; i++) {
    const img = i * c * plane;
    for (let g = 0; g < groups; g++) {
      const f0 = g * TF;
      const wBase = g * ckk * TF;
      for (let oy = 0; oy < oh; oy++) {
        for (let xs = 0; xs < ow; xs += TP) {
          // The last strip of a row that is not a multiple of 4 wide overlaps the one before it:
          // it recomputes a few outputs (the same values) instead of needing a scalar tail.
          const x0 = xs + TP <= ow ? xs : ow - TP;
          let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
          let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
          let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
          let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
          let wi = wBase;
          // The kernel row reads input columns [x0, x0 + 3 + K).
          const segEnd = x0 + TP - 1 + K;
          for (let ch = 0; ch < c; ch++) {
            for (let kh = 0; kh < K; kh++) {
              const row = (i * c + ch) * h + oy + kh;
              if (spans[2 * row + 1] <= x0 || spans[2 * row] >= segEnd) {
                wi += 4 * K; // all zeros: nothing to add
                continue;
              }
              const r = img + ch * plane + (oy + kh) * w + x0;
              // A sliding window over the row: each kw needs one new input, not four.
              let a0 = x[r], a1 = x[r + 1], a2 = x[r + 2];
              for (let kw = 0; kw < K; kw++) {
                const a3 = x[r + kw + 3];
                const w0 = packed[wi], w1 = packed[wi + 1], w2 = packed[wi + 2], w3 = packed[wi + 3];
                wi += 4;
                s00 += w0 * a0; s01 += w0 * a1; s02 += w0 * a2; s03 += w0 * a3;
                s10 += w1 * a0; s11 += w1 * a1; s12 += w1 * a2; s13 += w1 * a3;
                s20 += w2 * a0; s21 += w2 * a1; s22 += w2 * a2; s23 += w2 * a3;
                s30 += w3 * a0; s31 += w3 * a1; s32 += w3 * a2; s33 += w3 * a3;
                a0 = a1; a1 = a2; a2 = a3;
              }
            }
          }
          storeTile(y, (i * filters + f0) * oplane + oy * ow + x0, oplane, bias, f0, filters, s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33);
        }
      }
    }
  }
}

/** convValid for outputs narrower than a tile: one output at a time. */
function convValidScalar(x: Float32Array, batch: number, c: number, h: number, w: number, packed: Float32Array, bias: Float32Array, filters: number, K: number, y: Float32Array): void {
  const oh = h - K + 1;
  const ow = w - K + 1;
  const ckk = c * K * K;
  for (let i = 0; i < batch; i++) {
    for (let f = 0; f < filters; f++) {
      const wBase = Math.floor(f / TF) * ckk * TF + (f % TF);
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let s = bias[f];
          let wi = wBase;
          for (let ch = 0; ch < c; ch++) {
            for (let kh = 0; kh < K; kh++) {
              const r = ((i * c + ch) * h + oy + kh) * w + ox;
              for (let kw = 0; kw < K; kw++, wi += TF) s += packed[wi] * x[r + kw];
            }
          }
          y[((i * filters + f) * oh + oy) * ow + ox] = s;
        }
      }
    }
  }
}


/**
 * convValid for 5×5 kernels (LeNet's, and the CNN preset's), with the kernel row unrolled: the
 * eight input pixels of a row segment are loaded once into locals and the sliding window costs no
 * register moves, which makes it faster than the general loop on the preset's layers.
 */
function convValid5(x: Float32Array, batch: number, c: number, h: number, w: number, packed: Float32Array, bias: Float32Array, filters: number, y: Float32Array, spans: Int32Array): void {
  const groups = Math.ceil(filters / TF);
  for (let i = 0; i < batch; i++) for (let g = 0; g < groups; g++) convGroup5(x, i, g, c, h, w, packed, bias, filters, y, spans);
}

/** convValid5 for image i and filters 4g .. 4g+3 (those of them that exist). */
function convGroup5(x: Float32Array, i: number, g: number, c: number, h: number, w: number, packed: Float32Array, bias: Float32Array, filters: number, y: Float32Array, spans: Int32Array): void {
  const K = 5;
  const oh = h - K + 1;
  const ow = w - K + 1;
  const plane = h * w;
  const oplane = oh * ow;
  const img = i * c * plane;
  const f0 = g * TF;
  const wBase = g * c * K * K * TF;
  for (let oy = 0; oy < oh; oy++) {
    for (let xs = 0; xs < ow; xs += TP) {
      const x0 = xs + TP <= ow ? xs : ow - TP;
      const segEnd = x0 + TP - 1 + K;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      let wi = wBase;
      for (let ch = 0; ch < c; ch++) {
        for (let kh = 0; kh < K; kh++, wi += 4 * K) {
          const row = (i * c + ch) * h + oy + kh;
          if (spans[2 * row + 1] <= x0 || spans[2 * row] >= segEnd) continue;
          const r = img + ch * plane + (oy + kh) * w + x0;
          const a0 = x[r], a1 = x[r + 1], a2 = x[r + 2], a3 = x[r + 3];
          const a4 = x[r + 4], a5 = x[r + 5], a6 = x[r + 6], a7 = x[r + 7];
          let w0 = packed[wi], w1 = packed[wi + 1], w2 = packed[wi + 2], w3 = packed[wi + 3];
          s00 += w0 * a0; s01 += w0 * a1; s02 += w0 * a2; s03 += w0 * a3;
          s10 += w1 * a0; s11 += w1 * a1; s12 += w1 * a2; s13 += w1 * a3;
          s20 += w2 * a0; s21 += w2 * a1; s22 += w2 * a2; s23 += w2 * a3;
          s30 += w3 * a0; s31 += w3 * a1; s32 += w3 * a2; s33 += w3 * a3;
          w0 = packed[wi + 4]; w1 = packed[wi + 5]; w2 = packed[wi + 6]; w3 = packed[wi + 7];
          s00 += w0 * a1; s01 += w0 * a2; s02 += w0 * a3; s03 += w0 * a4;
          s10 += w1 * a1; s11 += w1 * a2; s12 += w1 * a3; s13 += w1 * a4;
          s20 += w2 * a1; s21 += w2 * a2; s22 += w2 * a3; s23 += w2 * a4;
          s30 += w3 * a1; s31 += w3 * a2; s32 += w3 * a3; s33 += w3 * a4;
          w0 = packed[wi + 8]; w1 = packed[wi + 9]; w2 = packed[wi + 10]; w3 = packed[wi + 11];
          s00 += w0 * a2; s01 += w0 * a3; s02 += w0 * a4; s03 += w0 * a5;
          s10 += w1 * a2; s11 += w1 * a3; s12 += w1 * a4; s13 += w1 * a5;
          s20 += w2 * a2; s21 += w2 * a3; s22 += w2 * a4; s23 += w2 * a5;
          s30 += w3 * a2; s31 += w3 * a3; s32 += w3 * a4; s33 += w3 * a5;
          w0 = packed[wi + 12]; w1 = packed[wi + 13]; w2 = packed[wi + 14]; w3 = packed[wi + 15];
          s00 += w0 * a3; s01 += w0 * a4; s02 += w0 * a5; s03 += w0 * a6;
          s10 += w1 * a3; s11 += w1 * a4; s12 += w1 * a5; s13 += w1 * a6;
          s20 += w2 * a3; s21 += w2 * a4; s22 += w2 * a5; s23 += w2 * a6;
          s30 += w3 * a3; s31 += w3 * a4; s32 += w3 * a5; s33 += w3 * a6;
          w0 = packed[wi + 16]; w1 = packed[wi + 17]; w2 = packed[wi + 18]; w3 = packed[wi + 19];
          s00 += w0 * a4; s01 += w0 * a5; s02 += w0 * a6; s03 += w0 * a7;
          s10 += w1 * a4; s11 += w1 * a5; s12 += w1 * a6; s13 += w1 * a7;
          s20 += w2 * a4; s21 += w2 * a5; s22 += w2 * a6; s23 += w2 * a7;
          s30 += w3 * a4; s31 += w3 * a5; s32 += w3 * a6; s33 += w3 * a7;
        }
      }
      storeTile(y, (i * filters + f0) * oplane + oy * ow + x0, oplane, bias, f0, filters, s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33);
    }
  }
}

/** Writes a 4 filters × 4 pixels tile plus bias at y[o...] (filter planes `oplane` apart), stopping at the last filter. */
function storeTile(y: Float32Array, o: number, oplane: number, bias: Float32Array, f0: number, filters: number,
  s00: number, s01: number, s02: number, s03: number, s10: number, s11: number, s12: number, s13: number,
  s20: number, s21: number, s22: number, s23: number, s30: number, s31: number, s32: number, s33: number): void {
  let b = bias[f0];
  y[o] = s00 + b; y[o + 1] = s01 + b; y[o + 2] = s02 + b; y[o + 3] = s03 + b;
  if (f0 + 1 >= filters) return;
  o += oplane; b = bias[f0 + 1];
  y[o] = s10 + b; y[o + 1] = s11 + b; y[o + 2] = s12 + b; y[o + 3] = s13 + b;
  if (f0 + 2 >= filters) return;
  o += oplane; b = bias[f0 + 2];
  y[o] = s20 + b; y[o + 1] = s21 + b; y[o + 2] = s22 + b; y[o + 3] = s23 + b;
  if (f0 + 3 >= filters) return;
  o += oplane; b = bias[f0 + 3];
  y[o] = s30 + b; y[o + 1] = s31 + b; y[o + 2] = s32 + b; y[o + 3] = s33 + b;
}
