/**
 * The kernels a model runs on, chosen once per model: the scalar TypeScript ones (the reference,
 * and the fallback where WebAssembly SIMD is missing) or the SIMD ones emitted at run time over a
 * KernelMemory. Each path is deterministic by itself; the two agree within float rounding: the
 * JS kernels add their products as JavaScript numbers (float64) and round once per output, the
 * SIMD ones add in float32 (the tests bound the difference).
 */
import { CsrMatrix, csrMatmul, csrTransposeMatmul } from './csr.js';
import { matmulRaw, transpose, type MatmulOptions } from './matmul.js';
import { addBias, addInto, addRowSums, relu, reluBackward } from './elementwise-js.js';
import { adamUpdate, momentumUpdate, sgdUpdate, type AdamStep } from './optimizer-js.js';
import { gatherCsrRows, type CsrBytes, type RowBounds } from './gather-js.js';
import { SimdKernels } from './simd-kernels.js';
import type { ConvShape } from './conv-simd.js';
import { OptionError } from '../errors.js';
import { simdSupported } from '../wasm/features.js';
import type { Allocator } from '../allocator.js';
import { sharedAllocator } from '../shared-memory.js';
import { KernelMemory } from '../wasm/kernel-memory.js';

export { SimdKernels } from './simd-kernels.js';

export type KernelPath = 'js' | 'simd';
export type KernelChoice = KernelPath | 'auto';
export const KERNEL_CHOICES: readonly KernelChoice[] = ['auto', 'simd', 'js'];

export interface KernelSet {
  readonly path: KernelPath;
  /**
   * Where the tensors these kernels read and write are allocated: the kernel memory for the SIMD
   * kernels, SharedArrayBuffers for the JS ones (so the pool's workers see them either way).
   */
  readonly allocator: Allocator;
  /** C (rows × n) = A·B, or += with `accumulate`; A sparse. */
  csrMatmul(a: CsrMatrix, b: Float32Array, c: Float32Array, n: number, accumulate?: boolean): void;
  /** C (k × n) += Aᵀ·B; A sparse. */
  csrTransposeMatmul(a: CsrMatrix, b: Float32Array, c: Float32Array, n: number): void;
  /** C (m × n) = op(A)·op(B), or += with `accumulate`; dense (matmulRaw's contract). */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, opts?: MatmulOptions): void;
  /** dst (cols × rows) = srcᵀ, src row-major rows × cols: what matmul's transB does to B, kept by a caller that reuses it. */
  transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array): void;
  /** y = max(x, 0) (x > 0 ? x : 0). */
  relu(x: Float32Array, y: Float32Array): void;
  /** dx = y > 0 ? dy : 0. */
  reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /** y[r, :] += b for `rows` rows of n. */
  addBias(y: Float32Array, b: Float32Array, rows: number, n: number): void;
  /** sums += x[r, :] for `rows` rows of n, in row order (a dense layer's bias gradient). */
  addRowSums(x: Float32Array, sums: Float32Array, rows: number, n: number): void;
  /** dst[i] += src[i] over [start, end); with `clearSrc`, src is then 0 there. */
  addInto(dst: Float32Array, src: Float32Array, start: number, end: number, clearSrc?: boolean): void;
  /** Rows indices[start .. end) of a data set kept as nonzero bytes into `out` (reserved for them), scaled; with `bounds`, a range of columns (gather-js.ts). */
  gatherCsrRows(src: CsrBytes, indices: Int32Array, start: number, end: number, out: CsrMatrix, scale: number, bounds?: RowBounds): void;
  /**
   * The optimisers' updates over [start, end) (optimizer-js.ts has the formulas); with `clear`,
   * the gradient is 0 there afterwards (cleared while it is in cache, instead of a pass of its own).
   */
  sgdUpdate(p: Float32Array, g: Float32Array, start: number, end: number, lr: number, wd: number, clear?: boolean): void;
  momentumUpdate(p: Float32Array, g: Float32Array, v: Float32Array, start: number, end: number, lr: number, mu: number, wd: number, clear?: boolean): void;
  adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, start: number, end: number, step: AdamStep, clear?: boolean): void;
  /**
   * The valid convolution y = conv(x, weights [F, C, K, K]) + bias, where a kernel set has its own
   * (SIMD, for outputs at least 4 wide); Conv2D runs the JS kernels of conv-forward.ts otherwise.
   */
  convValid?(x: Float32Array, batch: number, shape: ConvShape, weights: Float32Array, bias: Float32Array, y: Float32Array): boolean;
  /**
   * Softmax cross-entropy's summed loss and its gradient (model/loss.ts's contract, `grad`
   * required), where a kernel set has its own (SIMD); the training step runs loss.ts otherwise.
   */
  softmaxCrossEntropy?(logits: Float32Array, labels: Int32Array, batch: number, classes: number, grad: Float32Array, scale: number): number;
  /**
   * 2×2 max-pooling of `planes` planes of h × w (MaxPool2D's contract: y the maxima, arg their
   * indices in x, ties to the first), where a kernel set has its own (SIMD).
   */
  maxPool2?(x: Float32Array, planes: number, h: number, w: number, y: Float32Array, arg: Int32Array): void;
  /**
   * The whole backward pass of convValid, where a kernel set has its own (SIMD): dw, db and,
   * unless dx is null, dx added to (conv-backward.ts's convBackwardSparse, plus the bias), from
   * dy's nonzeros whatever their density.
   */
  convBackward?(x: Float32Array, batch: number, shape: ConvShape, dy: Float32Array, weights: Float32Array, dw: Float32Array, db: Float32Array, dx: Float32Array | null): void;
  /** Its gradient: dx = dy at each window's arg, 0 elsewhere in the window (dx outside every window is left alone). */
  maxPool2Backward?(dy: Float32Array, arg: Int32Array, planes: number, h: number, w: number, dx: Float32Array): void;
}

export const jsKernels: KernelSet = { path: 'js', allocator: sharedAllocator, csrMatmul, csrTransposeMatmul, matmul: matmulRaw, transpose, relu, reluBackward, addBias, addRowSums, addInto, gatherCsrRows, sgdUpdate, momentumUpdate, adamUpdate };

/** Whether this platform can run the SIMD kernels: WebAssembly SIMD, and shared memory for the arena. */
export function simdAvailable(): boolean {
  return simdSupported() && typeof SharedArrayBuffer === 'function';
}

/** The path for a choice: `auto` is SIMD where it runs; `simd` where it does not is one clear error. */
export function resolveKernelPath(choice: string): KernelPath {
  if (!(KERNEL_CHOICES as readonly string[]).includes(choice)) throw new OptionError(`kernels: '${choice}', expected one of ${KERNEL_CHOICES.join(', ')}`, 'kernels');
  if (choice === 'js') return 'js';
  if (simdAvailable()) return 'simd';
  if (choice === 'simd') {
    const why = !simdSupported() ? "this platform's WebAssembly has no SIMD" : 'SharedArrayBuffer is missing (a page must be cross-origin isolated)';
    throw new OptionError(`kernels: 'simd', but ${why}; use auto or js`, 'kernels');
  }
  return 'js';
}

/** The kernel set for a path; SIMD kernels get a new memory unless one is given. */
export function kernelsFor(path: KernelPath, memory?: KernelMemory): KernelSet {
  return path === 'js' ? jsKernels : new SimdKernels(memory ?? new KernelMemory());
}
