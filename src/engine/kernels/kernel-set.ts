/**
 * What a kernel set is: the interface every model's kernels implement, and its types. The scalar
 * TypeScript set (js-kernels.ts) is the reference, and the fallback where WebAssembly SIMD is
 * missing; the SIMD set (simd-kernels.ts) is emitted at run time over a KernelMemory; the choice
 * between them is kernel-select.ts. Each path is deterministic by itself; the two agree within
 * float rounding: the JS kernels add their products as JavaScript numbers (float64) and round once
 * per output, the SIMD ones add in float32 (the tests bound the difference).
 */
import type { CsrMatrix } from './csr.js';
import type { MatmulOptions } from './matmul.js';
import type { AdamStep } from './optimizer-js.js';
import type { CsrBytes, RowBounds } from './gather-js.js';
import type { BnShape } from './batchnorm-js.js';
import type { Allocator } from '../allocator.js';
import type { KernelMemory } from '../wasm/kernel-memory.js';

/** A valid convolution's input and filters: `channels` planes of height × width, `filters` filters of kernel × kernel. */
export interface ConvShape {
  channels: number;
  height: number;
  width: number;
  kernel: number;
  filters: number;
}

export type KernelPath = 'js' | 'simd';
export type KernelChoice = KernelPath | 'auto';

export interface KernelSet {
  readonly path: KernelPath;
  /**
   * Where the tensors these kernels read and write are allocated: the kernel memory for the SIMD
   * kernels, SharedArrayBuffers for the JS ones (so the pool's workers see them either way).
   */
  readonly allocator: Allocator;
  /** The WebAssembly memory the kernels run in (the SIMD set's), which the training pool shares with its workers; null for the JS set. */
  readonly memory: KernelMemory | null;
  /** Whether the products use fused multiply-add (relaxed SIMD, where the platform has it), which rounds once instead of twice. */
  readonly fused: boolean;
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
  /** The valid convolution y = conv(x, weights [F, C, K, K]) + bias over `batch` images. */
  convValid(x: Float32Array, batch: number, shape: ConvShape, weights: Float32Array, bias: Float32Array, y: Float32Array): void;
  /**
   * The whole backward pass of convValid: dw and db added to and, unless dx is null, dx added to
   * (conv-backward.ts's convBackwardSparse's contract, plus the bias).
   */
  convBackward(x: Float32Array, batch: number, shape: ConvShape, dy: Float32Array, weights: Float32Array, dw: Float32Array, db: Float32Array, dx: Float32Array | null): void;
  /** Softmax cross-entropy's summed loss and its gradient × `scale` into `grad` (model/loss.ts's contract). */
  softmaxCrossEntropy(logits: Float32Array, labels: Int32Array, batch: number, classes: number, grad: Float32Array, scale: number): number;
  /** 2×2 max-pooling of `planes` planes of h × w: y the maxima, arg their indices in x, ties to the first. */
  maxPool2(x: Float32Array, planes: number, h: number, w: number, y: Float32Array, arg: Int32Array): void;
  /** Its gradient: dx = dy at each window's arg, 0 elsewhere in the window (dx outside every window is left alone). */
  maxPool2Backward(dy: Float32Array, arg: Int32Array, planes: number, h: number, w: number, dx: Float32Array): void;
  /** Batch normalisation over one ghost batch (batchnorm-js.ts has the layout and the formulas). */
  bnMoments(x: Float32Array, s: BnShape, mean: Float32Array, variance: Float32Array): void;
  bnNormalise(x: Float32Array, s: BnShape, mean: Float32Array, invStd: Float32Array, gamma: Float32Array, beta: Float32Array, xhat: Float32Array, y: Float32Array): void;
  bnBackward(dy: Float32Array, xhat: Float32Array, s: BnShape, gamma: Float32Array, invStd: Float32Array, dGamma: Float32Array, dBeta: Float32Array, dx: Float32Array | null): void;
  /** Inference: y = x·scale + shift, per channel. */
  bnAffine(x: Float32Array, s: BnShape, scale: Float32Array, shift: Float32Array, y: Float32Array): void;
}
