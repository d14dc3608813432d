/**
 * The dense matrix products of a layer in WebAssembly SIMD, emitted for one width n (columns of
 * C) at a time, in the same row-at-a-time form as the sparse kernels (csr-simd.ts). Every entry
 * of A is multiplied, zeros included: after ReLU a third to a half of the entries are zero, but
 * in no pattern a branch predictor can learn, and testing for them costs several times what the
 * products do (the sparse input has its own CSR kernels):
 *  - dense_matmul(a, m, k, b, c): C (m × n) += A·B, A row-major m × k: for each row of C, the
 *    columns in blocks of f32x4 accumulators, each block one pass over the row of A;
 *  - dense_transpose_matmul(a, m, k, b, c): C (m × n) += Aᵀ·B, A stored k × m (a layer's xᵀ·dy):
 *    for each row i of C, a block at a time held in registers, C's block += A[p, i] × B's row
 *    p's block for p in order, then stored. Each entry of C gets the same additions in the same
 *    order as when every A[p, i] added into C in memory (the kernel before), so the same bits;
 *    but C is read and written once, not once per row of B.
 * A·Bᵀ (a layer's dy·Wᵀ) transposes B first and runs dense_matmul; a dense layer keeps the
 * transpose for a training step's passes (layers/dense.ts).
 */
import { f32, i32, v128, type FunctionBuilder } from '../wasm/assembler.js';
import { accumulateBlock, addBlockInto, blockRegisters, blocksFor, forRows, kernelModule, loadBlock, storeBlock, zeroBlock } from './row-blocks.js';

/**
 * Emits `for (at = from; at < to; at += step) { value = f32 at `at`; body(); after() }`: `step` 4
 * bytes (along a row), or the byte stride held in a local (down a column).
 */
function forValues(f: FunctionBuilder, at: number, to: number, value: number, body: () => void, after: () => void, stride?: number): void {
  f.block().loop();
  f.get(at).get(to).i32GeU().brIf(1);
  f.get(at).f32Load(0).set(value);
  body();
  after();
  f.get(at);
  if (stride === undefined) f.i32Const(4);
  else f.get(stride);
  f.i32Add().set(at).br(0);
  f.end().end();
}

export function denseKernelModule(n: number, fused: boolean): Uint8Array<ArrayBuffer> {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`denseKernelModule: width ${n}`);
  const blocks = blocksFor(n);
  const rowBytes = n * 4;
  const m = kernelModule();

  m.function('dense_matmul', [i32, i32, i32, i32, i32], [], (f) => {
    const [a, rows, k, b, c] = [0, 1, 2, 3, 4];
    const r = f.local(i32), at = f.local(i32), end = f.local(i32), bRow = f.local(i32), cRow = f.local(i32);
    const value = f.local(f32), scale = f.local(v128);
    const acc = blockRegisters(f);
    forRows(f, rows, r, () => {
      f.get(c).get(r).i32Const(rowBytes).i32Mul().i32Add().set(cRow);
      for (const blk of blocks) {
        zeroBlock(f, blk, acc);
        // at runs over row r of A; bRow over the rows of B, one per entry of A
        f.get(a).get(r).get(k).i32Mul().i32Const(2).i32Shl().i32Add().tee(at).get(k).i32Const(2).i32Shl().i32Add().set(end);
        f.get(b).set(bRow);
        forValues(f, at, end, value, () => {
          if (blk.vectors > 0 || blk.half) f.get(value).f32x4Splat().set(scale);
          accumulateBlock(f, fused, bRow, blk, acc, scale, value);
        }, () => f.get(bRow).i32Const(rowBytes).i32Add().set(bRow));
        addBlockInto(f, cRow, blk, acc);
      }
    });
  });

  // dense_transpose_matmul(a, m, k, b, c): a is k × m; C (m × n) += Aᵀ·B
  m.function('dense_transpose_matmul', [i32, i32, i32, i32, i32], [], (f) => {
    const [a, cols, k, b, c] = [0, 1, 2, 3, 4];
    const i = f.local(i32), at = f.local(i32), end = f.local(i32), bRow = f.local(i32), cRow = f.local(i32), stride = f.local(i32);
    const value = f.local(f32), scale = f.local(v128);
    const acc = blockRegisters(f);
    f.get(cols).i32Const(2).i32Shl().set(stride);
    forRows(f, cols, i, () => {
      f.get(c).get(i).i32Const(rowBytes).i32Mul().i32Add().set(cRow);
      for (const blk of blocks) {
        loadBlock(f, cRow, blk, acc);
        // at runs down column i of A (a stride of m floats), bRow over the rows of B
        f.get(a).get(i).i32Const(2).i32Shl().i32Add().tee(at).get(k).get(stride).i32Mul().i32Add().set(end);
        f.get(b).set(bRow);
        forValues(f, at, end, value, () => {
          if (blk.vectors > 0 || blk.half) f.get(value).f32x4Splat().set(scale);
          accumulateBlock(f, fused, bRow, blk, acc, scale, value);
        }, () => f.get(bRow).i32Const(rowBytes).i32Add().set(bRow), stride);
        storeBlock(f, cRow, blk, acc);
      }
    });
  });
  return m.build();
}
