/**
 * The JS kernel set's convolution (stride 1, valid: a padded layer pads its input first), over the
 * kernels of conv-forward.ts and conv-backward.ts:
 *  - forward: the register-tiled kernel that reads the image in place, skipping empty row segments;
 *  - backward, when dy is mostly zeros (after ReLU and max-pooling, the usual case): one pass over
 *    dy's nonzeros gives the weight and input gradients together;
 *  - backward, dense dy: the register-tiled weight gradient, and per image dcols [P, C·K·K] =
 *    dyᵀ · W through the matmul, each patch's gradient then added back into the pixels it came
 *    from (col2im).
 * Their buffers are kept here between calls (one set per thread).
 */
import { matmulRaw } from './matmul.js';
import { convValid, packFilters, packedFilterLength, rowSpans } from './conv-forward.js';
import { convBackwardSparse, convWeightGrad, SparseList, weightOffsetsLength } from './conv-backward.js';
import type { ConvShape } from './kernel-set.js';

/**
 * Below this fraction of nonzeros in dy, the backward pass visits the nonzeros only
 * (convBackwardSparse); above it, the dense tiles are faster. The sparse pass's cost grows with
 * the nonzeros and reaches the dense tile's at about three quarters of them, so the switch sits
 * below that.
 */
export const SPARSE_DY_DENSITY = 0.6;

let packed = new Float32Array(0);
let spans = new Int32Array(0);
let offsets = new Int32Array(0);
let dcols = new Float32Array(0);
const nonzeros = new SparseList();

/** y = conv(x, weights) + bias for `batch` images of `shape` (KernelSet.convValid). */
export function convValidJs(x: Float32Array, batch: number, s: ConvShape, weights: Float32Array, bias: Float32Array, y: Float32Array): void {
  const { channels: c, height: h, width: w, kernel: K, filters: F } = s;
  const ckk = c * K * K;
  const length = packedFilterLength(F, ckk);
  if (packed.length < length) packed = new Float32Array(length);
  const filters = packFilters(weights, F, ckk, packed.subarray(0, length));
  if (spans.length < 2 * batch * c * h) spans = new Int32Array(2 * batch * c * h);
  convValid(x, batch, c, h, w, filters, bias, F, K, y, rowSpans(x, batch * c * h, w, spans));
}

/**
 * db[f] += Σ dy over filter f's outputs, as JavaScript numbers per filter; returns dy's count of
 * nonzeros, which picks the backward path, counted in the same pass.
 */
function biasGradient(dy: Float32Array, batch: number, filters: number, outputs: number, db: Float32Array): number {
  let count = 0;
  for (let o = 0; o < filters; o++) {
    let s = 0;
    for (let i = 0; i < batch; i++) {
      const src = (i * filters + o) * outputs;
      for (let q = 0; q < outputs; q++) {
        const v = dy[src + q];
        s += v;
        count += +(v !== 0); // no branch: V8 compiles `? 1 : 0` to one, mispredicted on ReLU's zeros
      }
    }
    db[o] += s;
  }
  return count;
}

/** convValid's backward pass (KernelSet.convBackward): sparse or dense by dy's density. */
export function convBackwardJs(x: Float32Array, batch: number, s: ConvShape, dy: Float32Array, weights: Float32Array, dw: Float32Array, db: Float32Array, dx: Float32Array | null): void {
  const { channels: c, height: h, width: w, kernel: K, filters: F } = s;
  const p = (h - K + 1) * (w - K + 1);
  const ckk = c * K * K;
  const count = biasGradient(dy, batch, F, p, db);
  if (offsets.length < weightOffsetsLength(ckk)) offsets = new Int32Array(weightOffsetsLength(ckk));
  if (count < SPARSE_DY_DENSITY * batch * F * p) {
    convBackwardSparse(x, batch, c, h, w, dy, F, K, weights, dw, dx, nonzeros);
    return;
  }
  convWeightGrad(x, batch, c, h, w, dy, F, K, dw, offsets);
  if (!dx) return;
  if (dcols.length < batch * p * ckk) dcols = new Float32Array(batch * p * ckk);
  for (let i = 0; i < batch; i++) {
    // dy of image i is [F, P], so dyᵀ is its transpose: the matmul reads it with transA.
    matmulRaw(dy.subarray(i * F * p, (i + 1) * F * p), weights, dcols.subarray(i * p * ckk, (i + 1) * p * ckk), p, ckk, F, { transA: true });
  }
  col2im(dcols, batch, s, dx);
}

/** Adds each patch's gradient back into its pixels: dx[i, c, y, x] += Σ over the patches that read it, from dcols [B·P, C·K·K]. */
function col2im(cols: Float32Array, batch: number, s: ConvShape, dx: Float32Array): void {
  const { channels: c, height: h, width: w, kernel: K } = s;
  const oh = h - K + 1;
  const ow = w - K + 1;
  const k = c * K * K;
  for (let i = 0; i < batch; i++) {
    for (let yy = 0; yy < oh; yy++) {
      for (let xx = 0; xx < ow; xx++) {
        const src = ((i * oh + yy) * ow + xx) * k;
        for (let ch = 0; ch < c; ch++) {
          const plane = (i * c + ch) * h * w;
          for (let kh = 0; kh < K; kh++) {
            const rowBase = plane + (yy + kh) * w + xx;
            const kBase = src + (ch * K + kh) * K;
            for (let kw = 0; kw < K; kw++) dx[rowBase + kw] += cols[kBase + kw];
          }
        }
      }
    }
  }
}
