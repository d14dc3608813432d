/**
 * A dense layer's arithmetic, y = x·W + b with W stored [inputs, outputs], written once: the
 * Dense layer and the parallel trainer's strategies, which run a block of such a layer on each
 * thread, all call these.
 */
import { CsrMatrix } from '../kernels/csr.js';
import type { KernelSet } from '../kernels/kernel-set.js';

/** y (batch × outputs) = x·W + b; x dense (batch × inputs) or sparse; no bias when `b` is null. */
export function denseForward(k: KernelSet, x: Float32Array | CsrMatrix, w: Float32Array, b: Float32Array | null, y: Float32Array, batch: number, inputs: number, outputs: number): void {
  if (x instanceof CsrMatrix) k.csrMatmul(x, w, y, outputs);
  else k.matmul(x, w, y, batch, outputs, inputs);
  if (b) k.addBias(y, b, batch, outputs);
}

/**
 * dW += xᵀ·dy and db += dy's column sums (none when `db` is null). With sparse x the zero inputs
 * (most MNIST pixels) are skipped.
 */
export function denseParamGrads(k: KernelSet, x: Float32Array | CsrMatrix, dy: Float32Array, dw: Float32Array, db: Float32Array | null, batch: number, inputs: number, outputs: number): void {
  if (x instanceof CsrMatrix) k.csrTransposeMatmul(x, dy, dw, outputs);
  else k.matmul(x, dy, dw, inputs, outputs, batch, { transA: true, accumulate: true });
  if (db) k.addRowSums(dy, db, batch, outputs);
}

/**
 * dx (batch × inputs) = dy·Wᵀ: from Wᵀ [outputs, inputs] when the caller keeps one, else through
 * matmul's transB, which transposes W the same way (the same bits).
 */
export function denseInputGrad(k: KernelSet, dy: Float32Array, w: Float32Array, dx: Float32Array, batch: number, inputs: number, outputs: number, wT?: Float32Array): void {
  if (wT) k.matmul(dy, wT, dx, batch, inputs, outputs);
  else k.matmul(dy, w, dx, batch, inputs, outputs, { transB: true });
}
