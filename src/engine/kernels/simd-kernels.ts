/**
 * The SIMD kernel set: every kernel of kernel-set.ts as WebAssembly SIMD emitted at run time over
 * one KernelMemory. This file has the dense and sparse products, the elementwise kernels, the
 * optimisers' updates and the gather (matmul-simd, csr-simd, elementwise-simd, optimizer-simd,
 * gather-simd, transpose-simd); simd-image-kernels.ts has the convolution, pooling and softmax
 * ones, and simd-core.ts the module cache and staging they all go through. Each emitter's file
 * says how its kernels work.
 */
import { CsrMatrix } from './csr.js';
import { checkMatmulSizes, type MatmulOptions } from './matmul.js';
import { denseKernelModule } from './matmul-simd.js';
import { elementwiseModule } from './elementwise-simd.js';
import { transposeModule } from './transpose-simd.js';
import type { AdamStep } from './optimizer-js.js';
import { optimizerModule } from './optimizer-simd.js';
import { gatherCsrRows, type CsrBytes, type RowBounds } from './gather-js.js';
import { gatherModule } from './gather-simd.js';
import { csrKernelModule } from './csr-simd.js';
import type { KernelSet } from './kernel-set.js';
import { SimdImageKernels } from './simd-image-kernels.js';
import { first } from './simd-core.js';
import { ShapeError } from '../errors.js';

type CsrKernel = (rowPtr: number, colIdx: number, values: number, rows: number, b: number, c: number) => void;
type DenseKernel = (a: number, m: number, k: number, b: number, c: number) => void;
type TransposeKernel = (src: number, rows: number, cols: number, dst: number) => void;
type GatherKernel = (bounds: number, strideShift: number, colIdx: number, values: number, indices: number, count: number, outPtr: number, outCol: number, outVal: number, scale: number) => number;
type SgdKernel = (p: number, g: number, count: number, lr: number, wd: number) => void;
type MomentumKernel = (p: number, g: number, v: number, count: number, lr: number, mu: number, wd: number) => void;
type AdamKernel = (p: number, g: number, m: number, v: number, count: number, a: number, e: number, b1: number, b2: number, l2: number, shrink: number, c1: number, c2: number) => void;
/** Each update also as `_clear`, which zeroes the gradient it has read. */
interface OptimizerKernels {
  sgd_update: SgdKernel;
  sgd_update_clear: SgdKernel;
  momentum_update: MomentumKernel;
  momentum_update_clear: MomentumKernel;
  adam_update: AdamKernel;
  adam_update_clear: AdamKernel;
}
interface ElementwiseKernels {
  relu(x: number, y: number, count: number): void;
  relu_backward(y: number, dy: number, dx: number, count: number): void;
  add_bias(y: number, b: number, rows: number, n: number): void;
  add_row_sums(x: number, sums: number, rows: number, n: number): void;
  add_into(dst: number, src: number, count: number): void;
  add_into_clear(dst: number, src: number, count: number): void;
}

/** The SIMD kernels over `memory`; tensors outside it are staged through it (correct, but a copy). */
export class SimdKernels extends SimdImageKernels implements KernelSet {
  readonly path = 'simd' as const;
  private transposed: Float32Array = new Float32Array(0);
  /** gatherCsrRows's copy of a batch's example indices from outside the memory. */
  private gatherIndices: Int32Array = new Int32Array(0);

  private csr(n: number): { csr_matmul: CsrKernel; csr_transpose_matmul: CsrKernel } {
    return this.instantiate(`csr:${n}`, (fused) => csrKernelModule(n, fused)) as never;
  }

  private dense(n: number): { dense_matmul: DenseKernel; dense_transpose_matmul: DenseKernel } {
    return this.instantiate(`dense:${n}`, (fused) => denseKernelModule(n, fused)) as never;
  }

  csrMatmul(a: CsrMatrix, b: Float32Array, c: Float32Array, n: number, accumulate = false): void {
    if (b.length < a.cols * n) throw new ShapeError(`csrMatmul: B has ${b.length} values, expected [${a.cols}, ${n}]`);
    if (c.length < a.rows * n) throw new ShapeError(`csrMatmul: C has ${c.length} values, expected [${a.rows}, ${n}]`);
    if (!accumulate) c.fill(0, 0, a.rows * n);
    const nnz = a.nnz;
    const { addresses, restore } = this.resident([first(a.rowPtr, a.rows + 1), first(a.colIdx, nnz), first(a.values, nnz), first(b, a.cols * n), first(c, a.rows * n)]);
    const [rowPtr, colIdx, values, bAt, cAt] = addresses;
    this.csr(n).csr_matmul(rowPtr, colIdx, values, a.rows, bAt, cAt);
    restore();
  }

  csrTransposeMatmul(a: CsrMatrix, b: Float32Array, c: Float32Array, n: number): void {
    if (b.length < a.rows * n) throw new ShapeError(`csrTransposeMatmul: B has ${b.length} values, expected [${a.rows}, ${n}]`);
    if (c.length < a.cols * n) throw new ShapeError(`csrTransposeMatmul: C has ${c.length} values, expected [${a.cols}, ${n}]`);
    const nnz = a.nnz;
    const { addresses, restore } = this.resident([first(a.rowPtr, a.rows + 1), first(a.colIdx, nnz), first(a.values, nnz), first(b, a.rows * n), first(c, a.cols * n)]);
    const [rowPtr, colIdx, values, bAt, cAt] = addresses;
    this.csr(n).csr_transpose_matmul(rowPtr, colIdx, values, a.rows, bAt, cAt);
    restore();
  }

  private get elementwise(): ElementwiseKernels {
    return this.instantiate('elementwise', elementwiseModule) as unknown as ElementwiseKernels;
  }

  private get updates(): OptimizerKernels {
    return this.instantiate('optimizer', optimizerModule) as unknown as OptimizerKernels;
  }

  sgdUpdate(p: Float32Array, g: Float32Array, start: number, end: number, lr: number, wd: number, clear = false): void {
    if (end <= start) return;
    const { addresses: [pa, ga], restore } = this.ranges([p, g], start, end);
    this.updates[clear ? 'sgd_update_clear' : 'sgd_update'](pa, ga, end - start, lr, wd);
    restore();
  }

  momentumUpdate(p: Float32Array, g: Float32Array, v: Float32Array, start: number, end: number, lr: number, mu: number, wd: number, clear = false): void {
    if (end <= start) return;
    const { addresses: [pa, ga, va], restore } = this.ranges([p, g, v], start, end);
    this.updates[clear ? 'momentum_update_clear' : 'momentum_update'](pa, ga, va, end - start, lr, mu, wd);
    restore();
  }

  adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, start: number, end: number, s: AdamStep, clear = false): void {
    if (end <= start) return;
    const { addresses: [pa, ga, ma, va], restore } = this.ranges([p, g, m, v], start, end);
    this.updates[clear ? 'adam_update_clear' : 'adam_update'](pa, ga, ma, va, end - start, s.a, s.e, s.b1, s.b2, s.l2, s.shrink, 1 - s.b1, 1 - s.b2);
    restore();
  }

  relu(x: Float32Array, y: Float32Array): void {
    if (y.length < x.length) throw new ShapeError(`relu: output has ${y.length} values, expected ${x.length}`);
    const { addresses, restore } = this.resident([first(x, x.length), first(y, x.length)]);
    this.elementwise.relu(addresses[0], addresses[1], x.length);
    restore();
  }

  reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    if (y.length < dy.length || dx.length < dy.length) throw new ShapeError(`reluBackward: ${y.length} outputs and ${dx.length} gradients for ${dy.length} values`);
    const { addresses, restore } = this.resident([first(y, dy.length), first(dy, dy.length), first(dx, dy.length)]);
    this.elementwise.relu_backward(addresses[0], addresses[1], addresses[2], dy.length);
    restore();
  }

  gatherCsrRows(src: CsrBytes, indices: Int32Array, start: number, end: number, out: CsrMatrix, scale: number, bounds?: RowBounds): void {
    const m = this.allocator;
    // A data set outside the kernel memory (built without its allocator) is gathered in JS: staging
    // the whole set per batch would cost more than it saves.
    if (!(m.holds(src.rowPtr) && m.holds(src.colIdx) && m.holds(src.values) && m.holds(out.rowPtr) && m.holds(out.colIdx) && m.holds(out.values) && (!bounds || m.holds(bounds.pairs)))) {
      gatherCsrRows(src, indices, start, end, out, scale, bounds);
      return;
    }
    const gather = this.instantiate('gather', gatherModule).gather_rows as GatherKernel;
    const [boundsAt, strideShift] = bounds ? [bounds.pairs.byteOffset, 3] : [src.rowPtr.byteOffset, 2];
    gather(boundsAt, strideShift, src.colIdx.byteOffset, src.values.byteOffset, this.indicesAt(indices, start, end), end - start, out.rowPtr.byteOffset, out.colIdx.byteOffset, out.values.byteOffset, scale);
  }

  /**
   * The byte address of indices[start..end) in the memory: in place, or copied into a buffer of
   * their own. A training step's indices (the trainer's, the pool's) live outside the memory, and
   * this copy costs less than `resident`'s general staging.
   */
  private indicesAt(indices: Int32Array, start: number, end: number): number {
    if (this.allocator.holds(indices)) return indices.byteOffset + 4 * start;
    if (this.gatherIndices.length < end - start) this.gatherIndices = this.allocator.i32(end - start);
    const own = this.gatherIndices;
    for (let i = start; i < end; i++) own[i - start] = indices[i];
    return own.byteOffset;
  }

  addInto(dst: Float32Array, src: Float32Array, start: number, end: number, clearSrc = false): void {
    if (end <= start) return;
    const { addresses: [d, s], restore } = this.ranges([dst, src], start, end);
    this.elementwise[clearSrc ? 'add_into_clear' : 'add_into'](d, s, end - start);
    restore();
  }

  addBias(y: Float32Array, b: Float32Array, rows: number, n: number): void {
    if (y.length < rows * n || b.length < n) throw new ShapeError(`addBias: ${y.length} values and a bias of ${b.length}, expected [${rows}, ${n}] and [${n}]`);
    const { addresses, restore } = this.resident([first(y, rows * n), first(b, n)]);
    this.elementwise.add_bias(addresses[0], addresses[1], rows, n);
    restore();
  }

  addRowSums(x: Float32Array, sums: Float32Array, rows: number, n: number): void {
    if (x.length < rows * n || sums.length < n) throw new ShapeError(`addRowSums: ${x.length} values and ${sums.length} sums, expected [${rows}, ${n}] and [${n}]`);
    const { addresses, restore } = this.resident([first(x, rows * n), first(sums, n)]);
    this.elementwise.add_row_sums(addresses[0], addresses[1], rows, n);
    restore();
  }

  transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
    if (src.length < rows * cols || dst.length < rows * cols) throw new ShapeError(`transpose: ${src.length} values into ${dst.length}, expected ${rows} × ${cols}`);
    const { addresses: [s, d], restore } = this.resident([first(src, rows * cols), first(dst, rows * cols)]);
    (this.instantiate('transpose', transposeModule).transpose as TransposeKernel)(s, rows, cols, d);
    restore();
  }

  matmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, opts: MatmulOptions = {}): void {
    checkMatmulSizes(a, b, c, m, n, k, opts);
    if (!opts.accumulate) c.fill(0, 0, m * n);
    if (m === 0 || n === 0 || k === 0) return;
    let bRows = b;
    if (opts.transB) {
      // B is stored n × k: its transpose (k × n, rows of n) goes into scratch in the kernel memory.
      if (this.transposed.length < k * n) this.transposed = this.allocator.f32(k * n);
      this.transpose(b, n, k, this.transposed);
      bRows = this.transposed;
    }
    const { addresses, restore } = this.resident([first(a, m * k), first(bRows, k * n), first(c, m * n)]);
    const [aAt, bAt, cAt] = addresses;
    const kernels = this.dense(n);
    if (opts.transA) kernels.dense_transpose_matmul(aAt, m, k, bAt, cAt);
    else kernels.dense_matmul(aAt, m, k, bAt, cAt);
    restore();
  }
}
