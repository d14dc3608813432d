/**
 * The engine's matrix multiply: C (m×n) = op(A) (m×k) · op(B) (k×n), or C += ... with
 * `accumulate`. A is stored m×k row-major, or k×m when `transA`; B is k×n, or n×k when `transB`.
 * One kernel serves a dense layer's y = xW, dW = xᵀ·dy and dx = dy·Wᵀ.
 *
 * Two paths, chosen from the data:
 *  - Dense: cache blocks (KC×NC panels of B, MC×KC panels of A, packed so the inner loop reads
 *    both sequentially) with a 4×4 register tile inside: 16 accumulators in locals, 8 loads per
 *    16 multiply-adds. In JavaScript the speed comes from the register tile; blocking alone is
 *    no faster than the naive loop.
 *  - Sparse-left: when most entries of A are zero (MNIST pixels are ~81% zeros) or C is too narrow
 *    for a 4-wide tile, only the nonzero entries of A are visited, four at a time, each
 *    scaling a row of B into a row of C.
 * Both give the same result up to float rounding; the choice depends only on the operands, so a
 * run is deterministic.
 */
import { ShapeError, formatShape } from '../errors.js';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
  /** C += op(A)·op(B) instead of C = op(A)·op(B). */
  accumulate?: boolean;
}

const MR = 4; // register tile rows
const NR = 4; // register tile columns
const KC = 256; // depth of a packed block: an MR×KC panel of A is 4 KiB, fits L1 with B's panel
const MC = 64; // rows of A packed at once
const NC = 512; // columns of B packed at once: KC×NC floats = 512 KiB, within L2
/** Below this fraction of nonzeros in A, the sparse-left path does less work than the tile. */
export const SPARSE_DENSITY = 0.5;

let packA: Float32Array = new Float32Array(MC * KC);
let packB: Float32Array = new Float32Array(KC * NC);
let scratchB: Float32Array = new Float32Array(0);
let nzIndex: Int32Array = new Int32Array(0);

export function checkMatmulSizes(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, o: MatmulOptions): void {
  const shapeA = o.transA ? [k, m] : [m, k];
  const shapeB = o.transB ? [n, k] : [k, n];
  if (a.length < m * k) throw new ShapeError(`matmul: A has ${a.length} values, expected ${formatShape(shapeA)} = ${m * k}`);
  if (b.length < k * n) throw new ShapeError(`matmul: B has ${b.length} values, expected ${formatShape(shapeB)} = ${k * n}`);
  if (c.length < m * n) throw new ShapeError(`matmul: C has ${c.length} values, expected ${formatShape([m, n])} = ${m * n}`);
}

/** Fraction of nonzero entries (0..1) of the first `len` values. */
export function density(a: Float32Array, len = a.length): number {
  let nz = 0;
  for (let i = 0; i < len; i++) if (a[i] !== 0) nz++;
  return len === 0 ? 1 : nz / len;
}

export function matmulRaw(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, opts: MatmulOptions = {}): void {
  checkMatmulSizes(a, b, c, m, n, k, opts);
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  if (!opts.accumulate) c.fill(0, 0, m * n);
  if (m === 0 || n === 0 || k === 0) return;
  if (n < NR || density(a, m * k) < SPARSE_DENSITY) {
    const bRows = transB ? transposeInto(b, n, k) : b;
    if (transA) sparseLeftTransposed(a, bRows, c, m, n, k);
    else sparseLeft(a, bRows, c, m, n, k);
  } else {
    tiled(a, b, c, m, n, k, transA, transB);
  }
}

/** dst (cols × rows) = srcᵀ, src row-major rows × cols. */
export function transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
}

/** Row-major transpose of an r×s matrix into shared scratch (s×r). */
function transposeInto(x: Float32Array, r: number, s: number): Float32Array {
  if (scratchB.length < r * s) scratchB = new Float32Array(r * s);
  transpose(x, r, s, scratchB);
  return scratchB;
}

/**
 * C[i,:] += Σ_p A[i,p]·B[p,:] over the nonzero A[i,p] only, four at a time: each pass over a row
 * of C then does four multiply-adds per load and store of C.
 */
function sparseLeft(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number): void {
  if (nzIndex.length < k) nzIndex = new Int32Array(k);
  const idx = nzIndex;
  for (let i = 0; i < m; i++) {
    const ar = i * k;
    let cnt = 0;
    for (let p = 0; p < k; p++) if (a[ar + p] !== 0) idx[cnt++] = p;
    const cr = i * n;
    let t = 0;
    for (; t + 3 < cnt; t += 4) {
      const p0 = idx[t], p1 = idx[t + 1], p2 = idx[t + 2], p3 = idx[t + 3];
      const a0 = a[ar + p0], a1 = a[ar + p1], a2 = a[ar + p2], a3 = a[ar + p3];
      const b0 = p0 * n, b1 = p1 * n, b2 = p2 * n, b3 = p3 * n;
      for (let j = 0; j < n; j++) {
        c[cr + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
      }
    }
    for (; t < cnt; t++) {
      const p0 = idx[t];
      const a0 = a[ar + p0];
      const b0 = p0 * n;
      for (let j = 0; j < n; j++) c[cr + j] += a0 * b[b0 + j];
    }
  }
}

/**
 * C = Aᵀ·B with A stored k×m: each stored row p of A scatters its nonzero A[p,i]·B[p,:] into
 * row i of C. This is a dense layer's weight gradient xᵀ·dy, visiting only the nonzero inputs.
 */
function sparseLeftTransposed(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number): void {
  for (let p = 0; p < k; p++) {
    const ar = p * m;
    const br = p * n;
    for (let i = 0; i < m; i++) {
      const av = a[ar + i];
      if (av === 0) continue;
      const cr = i * n;
      for (let j = 0; j < n; j++) c[cr + j] += av * b[br + j];
    }
  }
}

/** Packs rows [ic, ic+mc) × depth [pc, pc+kc) of op(A) into MR-row panels, k-major, zero-padded. */
function packPanelsA(a: Float32Array, transA: boolean, m: number, k: number, ic: number, mc: number, pc: number, kc: number): void {
  const panels = Math.ceil(mc / MR);
  if (packA.length < panels * MR * kc) packA = new Float32Array(panels * MR * kc);
  const out = packA;
  for (let q = 0; q < panels; q++) {
    const base = q * MR * kc;
    for (let ii = 0; ii < MR; ii++) {
      const row = ic + q * MR + ii;
      if (row >= ic + mc) {
        for (let p = 0; p < kc; p++) out[base + p * MR + ii] = 0;
      } else if (transA) {
        for (let p = 0; p < kc; p++) out[base + p * MR + ii] = a[(pc + p) * m + row];
      } else {
        const r = row * k + pc;
        for (let p = 0; p < kc; p++) out[base + p * MR + ii] = a[r + p];
      }
    }
  }
}

/** Packs depth [pc, pc+kc) × columns [jc, jc+nc) of op(B) into NR-column panels, k-major, zero-padded. */
function packPanelsB(b: Float32Array, transB: boolean, n: number, k: number, pc: number, kc: number, jc: number, nc: number): void {
  const panels = Math.ceil(nc / NR);
  if (packB.length < panels * NR * kc) packB = new Float32Array(panels * NR * kc);
  const out = packB;
  for (let q = 0; q < panels; q++) {
    const base = q * NR * kc;
    for (let jj = 0; jj < NR; jj++) {
      const col = jc + q * NR + jj;
      if (col >= jc + nc) {
        for (let p = 0; p < kc; p++) out[base + p * NR + jj] = 0;
      } else if (transB) {
        const r = col * k + pc;
        for (let p = 0; p < kc; p++) out[base + p * NR + jj] = b[r + p];
      } else {
        for (let p = 0; p < kc; p++) out[base + p * NR + jj] = b[(pc + p) * n + col];
      }
    }
  }
}

function tiled(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean): void {
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanelsB(b, transB, n, k, pc, kc, jc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packPanelsA(a, transA, m, k, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          for (let ir = 0; ir < mc; ir += MR) {
            tile4x4(packA, (ir / MR) * MR * kc, packB, (jr / NR) * NR * kc, kc, c, n, ic + ir, jc + jr, Math.min(MR, mc - ir), Math.min(NR, nc - jr));
          }
        }
      }
    }
  }
}

/** The register tile: a 4×4 block of C accumulated over kc in 16 locals, then added to C. */
function tile4x4(ap: Float32Array, ao: number, bp: Float32Array, bo: number, kc: number, c: Float32Array, n: number, row: number, col: number, rows: number, cols: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const x = ao + p * 4;
    const y = bo + p * 4;
    const a0 = ap[x], a1 = ap[x + 1], a2 = ap[x + 2], a3 = ap[x + 3];
    const b0 = bp[y], b1 = bp[y + 1], b2 = bp[y + 2], b3 = bp[y + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (rows === 4 && cols === 4) {
    let o = row * n + col;
    c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; o += n;
    c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13; o += n;
    c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23; o += n;
    c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
    return;
  }
  const t = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) c[(row + i) * n + col + j] += t[i * 4 + j];
}
