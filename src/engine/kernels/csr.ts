/**
 * Compressed sparse rows: the nonzero entries of a batch of inputs. MNIST pixels are ~81% zeros,
 * so the first layer's forward (x·W) and weight gradient (xᵀ·dy) touch only ~19% of the work when
 * they read x through this. One conversion serves both; a trainer that keeps its data set as CSR
 * skips the conversion entirely.
 */
import { heapAllocator, type Allocator } from '../allocator.js';
import { ShapeError } from '../errors.js';

export class CsrMatrix {
  /** `allocator`: where the arrays come from when they grow (a kernel memory for the SIMD kernels). */
  constructor(private readonly allocator: Allocator = heapAllocator) {}

  rows = 0;
  cols = 0;
  /** rowPtr[r]..rowPtr[r+1] index the nonzeros of row r. */
  rowPtr: Int32Array = new Int32Array(1);
  colIdx: Int32Array = new Int32Array(0);
  values: Float32Array = new Float32Array(0);

  get nnz(): number {
    return this.rowPtr[this.rows];
  }

  /** Makes room for `rows` rows and `nnz` nonzeros, reusing the buffers when they are big enough. */
  reserve(rows: number, cols: number, nnz: number): this {
    this.rows = rows;
    this.cols = cols;
    if (this.rowPtr.length < rows + 1) this.rowPtr = this.allocator.i32(rows + 1);
    if (this.colIdx.length < nnz) {
      this.colIdx = this.allocator.i32(nnz);
      this.values = this.allocator.f32(nnz);
    }
    return this;
  }

  /** The dense form (rows × cols), for tests and inspection. */
  toDense(out: Float32Array = new Float32Array(this.rows * this.cols)): Float32Array {
    out.fill(0);
    for (let r = 0; r < this.rows; r++) {
      for (let t = this.rowPtr[r]; t < this.rowPtr[r + 1]; t++) out[r * this.cols + this.colIdx[t]] = this.values[t];
    }
    return out;
  }
}

/**
 * Fills `out` with the nonzeros of the dense rows × cols matrix `x`. Returns false, leaving `out`
 * partly filled, as soon as the nonzeros pass `maxDensity` of the entries: then dense is faster.
 */
export function denseToCsr(x: Float32Array, rows: number, cols: number, out: CsrMatrix, maxDensity = 1): boolean {
  const limit = Math.floor(maxDensity * rows * cols);
  out.reserve(rows, cols, Math.min(limit, rows * cols) + cols);
  const ptr = out.rowPtr;
  const idx = out.colIdx;
  const val = out.values;
  let nz = 0;
  ptr[0] = 0;
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = x[off + c];
      // Branch-free append: write always, advance only for a nonzero (faster than an if, since
      // MNIST's zero/nonzero pattern defeats the branch predictor).
      idx[nz] = c;
      val[nz] = v;
      nz += v !== 0 ? 1 : 0;
    }
    ptr[r + 1] = nz;
    if (nz > limit) return false;
  }
  return true;
}

/** C (rows × n) = A·B, or += with `accumulate`; A sparse (rows × k), B dense k × n row-major. */
export function csrMatmul(a: CsrMatrix, b: Float32Array, c: Float32Array, n: number, accumulate = false): void {
  if (b.length < a.cols * n) throw new ShapeError(`csrMatmul: B has ${b.length} values, expected [${a.cols}, ${n}]`);
  if (c.length < a.rows * n) throw new ShapeError(`csrMatmul: C has ${c.length} values, expected [${a.rows}, ${n}]`);
  if (!accumulate) c.fill(0, 0, a.rows * n);
  const { rowPtr, colIdx, values } = a;
  for (let r = 0; r < a.rows; r++) {
    const cr = r * n;
    const start = rowPtr[r];
    const end = rowPtr[r + 1];
    // Columns of C's row in chunks of 8, then 2, then 1, each summed in locals over the row's
    // nonzeros: per nonzero, loads of B only, no load or store of C.
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let t = start; t < end; t++) {
        const v = values[t];
        const o = colIdx[t] * n + j;
        s0 += v * b[o]; s1 += v * b[o + 1]; s2 += v * b[o + 2]; s3 += v * b[o + 3];
        s4 += v * b[o + 4]; s5 += v * b[o + 5]; s6 += v * b[o + 6]; s7 += v * b[o + 7];
      }
      const o = cr + j;
      c[o] += s0; c[o + 1] += s1; c[o + 2] += s2; c[o + 3] += s3;
      c[o + 4] += s4; c[o + 5] += s5; c[o + 6] += s6; c[o + 7] += s7;
    }
    for (; j + 2 <= n; j += 2) {
      let s0 = 0, s1 = 0;
      for (let t = start; t < end; t++) {
        const v = values[t];
        const o = colIdx[t] * n + j;
        s0 += v * b[o]; s1 += v * b[o + 1];
      }
      c[cr + j] += s0;
      c[cr + j + 1] += s1;
    }
    if (j < n) {
      let s0 = 0;
      for (let t = start; t < end; t++) s0 += values[t] * b[colIdx[t] * n + j];
      c[cr + j] += s0;
    }
  }
}

/** C (k × n) += Aᵀ·B; A sparse (rows × k), B dense rows × n. A dense layer's weight gradient xᵀ·dy. */
export function csrTransposeMatmul(a: CsrMatrix, b: Float32Array, c: Float32Array, n: number): void {
  if (b.length < a.rows * n) throw new ShapeError(`csrTransposeMatmul: B has ${b.length} values, expected [${a.rows}, ${n}]`);
  if (c.length < a.cols * n) throw new ShapeError(`csrTransposeMatmul: C has ${c.length} values, expected [${a.cols}, ${n}]`);
  const { rowPtr, colIdx, values } = a;
  for (let r = 0; r < a.rows; r++) {
    const br = r * n;
    const start = rowPtr[r];
    const end = rowPtr[r + 1];
    // Values of B's row held in locals (8, then 2, then 1 at a time) while every nonzero of A's
    // row scatters into C. (Transposing A to gather instead is slower for n = 10 and no faster
    // for n = 256.)
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const o = br + j;
      const b0 = b[o], b1 = b[o + 1], b2 = b[o + 2], b3 = b[o + 3], b4 = b[o + 4], b5 = b[o + 5], b6 = b[o + 6], b7 = b[o + 7];
      for (let t = start; t < end; t++) {
        const v = values[t];
        const q = colIdx[t] * n + j;
        c[q] += v * b0; c[q + 1] += v * b1; c[q + 2] += v * b2; c[q + 3] += v * b3;
        c[q + 4] += v * b4; c[q + 5] += v * b5; c[q + 6] += v * b6; c[q + 7] += v * b7;
      }
    }
    for (; j + 2 <= n; j += 2) {
      const b0 = b[br + j], b1 = b[br + j + 1];
      for (let t = start; t < end; t++) {
        const v = values[t];
        const q = colIdx[t] * n + j;
        c[q] += v * b0;
        c[q + 1] += v * b1;
      }
    }
    if (j < n) {
      const b0 = b[br + j];
      for (let t = start; t < end; t++) c[colIdx[t] * n + j] += values[t] * b0;
    }
  }
}
