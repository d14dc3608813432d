/**
 * The backward convolution kernels (stride 1, no padding), for the weight gradient and the input
 * gradient of convValid: a dense register tile for a dense dy, and a pass over dy's nonzeros for
 * the usual case after ReLU and max-pooling.
 */

/** Weights per tile of the dense weight gradient, and filters per tile. */
const TF = 4;
const TP = 4;

/**
 * dw[f, c, kh, kw] += Σ_{i,oy,ox} dy[i, f, oy, ox] · x[i, c, oy + kh, ox + kw]: the weight gradient
 * of convValid, as a 4×4 tile of (filters × weights) accumulated over every output position.
 * `offsets` (length ≥ ⌈CKK/4⌉·4) holds each weight's offset into an image, c·h·w + kh·w + kw.
 */
export function convWeightGrad(x: Float32Array, batch: number, c: number, h: number, w: number, dy: Float32Array, filters: number, K: number, dw: Float32Array, offsets: Int32Array): void {
  const oh = h - K + 1;
  const ow = w - K + 1;
  const ckk = c * K * K;
  const plane = h * w;
  const oplane = oh * ow;
  fillOffsets(offsets, c, h, w, K);
  for (let f0 = 0; f0 < filters; f0 += TF) {
    // A filter past the last reads the last filter's gradient again; its sums are thrown away.
    const f1 = Math.min(f0 + 1, filters - 1), f2 = Math.min(f0 + 2, filters - 1), f3 = Math.min(f0 + 3, filters - 1);
    for (let k0 = 0; k0 < ckk; k0 += TP) {
      const o0 = offsets[k0], o1 = offsets[k0 + 1], o2 = offsets[k0 + 2], o3 = offsets[k0 + 3];
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let i = 0; i < batch; i++) {
        const img = i * c * plane;
        const d0base = (i * filters + f0) * oplane, d1base = (i * filters + f1) * oplane;
        const d2base = (i * filters + f2) * oplane, d3base = (i * filters + f3) * oplane;
        for (let oy = 0; oy < oh; oy++) {
          const r = img + oy * w;
          const q = oy * ow;
          for (let ox = 0; ox < ow; ox++) {
            const d0 = dy[d0base + q + ox], d1 = dy[d1base + q + ox], d2 = dy[d2base + q + ox], d3 = dy[d3base + q + ox];
            const p = r + ox;
            const a0 = x[p + o0], a1 = x[p + o1], a2 = x[p + o2], a3 = x[p + o3];
            s00 += d0 * a0; s01 += d0 * a1; s02 += d0 * a2; s03 += d0 * a3;
            s10 += d1 * a0; s11 += d1 * a1; s12 += d1 * a2; s13 += d1 * a3;
            s20 += d2 * a0; s21 += d2 * a1; s22 += d2 * a2; s23 += d2 * a3;
            s30 += d3 * a0; s31 += d3 * a1; s32 += d3 * a2; s33 += d3 * a3;
          }
        }
      }
      const sums = [s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33];
      for (let j = 0; j < TF && f0 + j < filters; j++) {
        for (let q = 0; q < TP && k0 + q < ckk; q++) dw[(f0 + j) * ckk + k0 + q] += sums[j * TP + q];
      }
    }
  }
}

/** Offsets buffer length convWeightGrad needs for c·K·K weights. */
export function weightOffsetsLength(ckk: number): number {
  return Math.ceil(ckk / TP) * TP;
}

/**
 * The backward pass of convValid from the nonzero output gradients only. After ReLU and
 * max-pooling most of dy is zero, so this does a fraction of the dense tile's work. For each
 * filter, the nonzeros of its gradient over the whole batch are listed once (value d_n, patch
 * corner pos_n); then, four weights k at a time (each reading at offset o_k = c·h·w + kh·w + kw
 * from a patch's corner), one pass over the list does
 *   dw[f, k] += Σ_n d_n · x[pos_n + o_k]        (sums in locals)
 *   dx[pos_n + o_k] += d_n · w[f, k]            (when dx is given; dx is added to)
 * with the four weights and offsets in locals. Four weights per pass beat one weight per pass
 * and four adjacent kernel columns per pass (K = 5 leaves a 1-wide remainder pass), and both
 * gradients this way cost less than the dense weight-gradient tile alone.
 */
export function convBackwardSparse(x: Float32Array, batch: number, c: number, h: number, w: number, dy: Float32Array, filters: number, K: number, wt: Float32Array, dw: Float32Array, dx: Float32Array | null, list: SparseList): void {
  const oh = h - K + 1;
  const ow = w - K + 1;
  const plane = h * w;
  const oplane = oh * ow;
  const ckk = c * K * K;
  list.reserve(batch * oplane, weightOffsetsLength(ckk));
  const offsets = list.offsets;
  fillOffsets(offsets, c, h, w, K);
  const sums = list.sums;
  const vals = list.values;
  const pos = list.positions;
  for (let f = 0; f < filters; f++) {
    let n = 0;
    for (let i = 0; i < batch; i++) {
      const dBase = (i * filters + f) * oplane;
      const img = i * c * plane;
      for (let oy = 0; oy < oh; oy++) {
        const dr = dBase + oy * ow;
        const xr = img + oy * w;
        // Written whether zero or not, kept by advancing n only past a nonzero: no branch to
        // mispredict (about 1 in 8 is nonzero, in no pattern). V8 compiles `d !== 0 ? 1 : 0` as
        // a branch too; the unary plus it does not.
        for (let ox = 0; ox < ow; ox++) {
          const d = dy[dr + ox];
          vals[n] = d;
          pos[n] = xr + ox;
          n += +(d !== 0);
        }
      }
    }
    if (n === 0) continue;
    const wf = f * ckk;
    if (!dx && K === 5) {
      // A first layer's 5×5 kernels: a kernel row (five weights) per pass, no weight wasted.
      for (let ch = 0; ch < c; ch++) {
        for (let kh = 0; kh < K; kh++) {
          sparseRow5Weights(x, vals, pos, n, ch * plane + kh * w, sums);
          const k = wf + (ch * K + kh) * K;
          for (let q = 0; q < 5; q++) dw[k + q] += sums[q];
        }
      }
      continue;
    }
    for (let k = 0; k < ckk; k += 4) {
      // Weights past the last (when 4 does not divide c·K·K) read and write at offset 0 with a
      // weight of 0: they change nothing, and their sums are dropped.
      const o0 = offsets[k], o1 = offsets[k + 1], o2 = offsets[k + 2], o3 = offsets[k + 3];
      if (dx) {
        const w0 = wt[wf + k], w1 = k + 1 < ckk ? wt[wf + k + 1] : 0, w2 = k + 2 < ckk ? wt[wf + k + 2] : 0, w3 = k + 3 < ckk ? wt[wf + k + 3] : 0;
        sparseGroup(x, dx, vals, pos, n, o0, o1, o2, o3, w0, w1, w2, w3, sums);
      } else {
        sparseGroupWeights(x, vals, pos, n, o0, o1, o2, o3, sums);
      }
      for (let q = 0; q < 4 && k + q < ckk; q++) dw[wf + k + q] += sums[q];
    }
  }
}

/** Four weights (reading at offsets o0..o3): their weight-gradient sums into `sums`, and their input gradients. */
function sparseGroup(x: Float32Array, dx: Float32Array, vals: Float32Array, pos: Int32Array, n: number, o0: number, o1: number, o2: number, o3: number, w0: number, w1: number, w2: number, w3: number, sums: Float64Array): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let t = 0; t < n; t++) {
    const p = pos[t];
    const d = vals[t];
    s0 += d * x[p + o0]; s1 += d * x[p + o1]; s2 += d * x[p + o2]; s3 += d * x[p + o3];
    dx[p + o0] += d * w0; dx[p + o1] += d * w1; dx[p + o2] += d * w2; dx[p + o3] += d * w3;
  }
  sums[0] = s0; sums[1] = s1; sums[2] = s2; sums[3] = s3;
}

/** sparseGroup for a first layer, which needs no input gradient. */
function sparseGroupWeights(x: Float32Array, vals: Float32Array, pos: Int32Array, n: number, o0: number, o1: number, o2: number, o3: number, sums: Float64Array): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let t = 0; t < n; t++) {
    const p = pos[t];
    const d = vals[t];
    s0 += d * x[p + o0]; s1 += d * x[p + o1]; s2 += d * x[p + o2]; s3 += d * x[p + o3];
  }
  sums[0] = s0; sums[1] = s1; sums[2] = s2; sums[3] = s3;
}

/** Five adjacent weights of a kernel row (reading at o..o+4 from a patch's corner): their weight-gradient sums. */
function sparseRow5Weights(x: Float32Array, vals: Float32Array, pos: Int32Array, n: number, o: number, sums: Float64Array): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  for (let t = 0; t < n; t++) {
    const p = pos[t] + o;
    const d = vals[t];
    s0 += d * x[p]; s1 += d * x[p + 1]; s2 += d * x[p + 2]; s3 += d * x[p + 3]; s4 += d * x[p + 4];
  }
  sums[0] = s0; sums[1] = s1; sums[2] = s2; sums[3] = s3; sums[4] = s4;
}

/** Reusable buffers for convBackwardSparse's lists of nonzeros. */
export class SparseList {
  values: Float32Array = new Float32Array(0);
  positions: Int32Array = new Int32Array(0);
  offsets: Int32Array = new Int32Array(0);
  readonly sums = new Float64Array(5);
  reserve(n: number, weights: number): void {
    // One more than the nonzeros can be: every entry is written before it is known to be kept.
    n += 1;
    if (this.values.length < n) {
      this.values = new Float32Array(n);
      this.positions = new Int32Array(n);
    }
    if (this.offsets.length !== weights) this.offsets = new Int32Array(weights);
  }
}

/** offsets[k] = c·h·w + kh·w + kw for weight k = (c, kh, kw): where it reads, from a patch's corner. */
function fillOffsets(offsets: Int32Array, c: number, h: number, w: number, K: number): void {
  let k = 0;
  for (let ch = 0; ch < c; ch++) for (let kh = 0; kh < K; kh++) for (let kw = 0; kw < K; kw++) offsets[k++] = ch * h * w + kh * w + kw;
  // Weights past the last (a tile's padding) read at offset 0, valid memory; their sums are dropped.
  for (; k < offsets.length; k++) offsets[k] = 0;
}
