/**
 * The sparse first-layer kernels in WebAssembly SIMD, emitted for one width n (a layer's output
 * count) at a time, so every address offset and loop bound of a row is a constant:
 *  - csr_matmul: C (rows × n) += A·B, A sparse (rows × k), B dense k × n: for each row of C, the
 *    columns in blocks of up to VECTORS_PER_PASS f32x4 accumulators (row-blocks.ts; and the 0..3
 *    columns past the last whole vector as f32 accumulators), each one pass over the row's nonzeros;
 *  - csr_transpose_matmul: C (k × n) += Aᵀ·B, the weight gradient xᵀ·dy: for each row of B held
 *    in registers a block at a time, every nonzero of A's row adds value × that block into C's row.
 * The same arithmetic as the JS kernels in csr.ts, four columns at a time; where the platform has
 * relaxed SIMD, a·b + c may be fused (one rounding instead of two).
 */
import { f32, i32, v128, type FunctionBuilder } from '../wasm/assembler.js';
import { accumulateBlock, addBlockInto, blockRegisters, blocksFor, forRows, kernelModule, loadBlock, scatterBlock, zeroBlock, type Block } from './row-blocks.js';

/** Emits `for (t = rowPtr[r]; t < rowPtr[r+1]; t++) body()` with t a byte index into colIdx/values. */
function forNonzeros(f: FunctionBuilder, rowPtr: number, r: number, t: number, end: number, body: () => void): void {
  f.get(rowPtr).get(r).i32Const(2).i32Shl().i32Add().tee(end).i32Load(0).i32Const(2).i32Shl().set(t);
  f.get(end).i32Load(4).i32Const(2).i32Shl().set(end);
  f.block().loop();
  f.get(t).get(end).i32GeU().brIf(1);
  body();
  f.get(t).i32Const(4).i32Add().set(t).br(0);
  f.end().end();
}

/** The module for width n: both kernels over memory `env.memory`; arguments are byte addresses. */
export function csrKernelModule(n: number, fused: boolean): Uint8Array<ArrayBuffer> {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`csrKernelModule: width ${n}`);
  const blocks = blocksFor(n);
  const rowBytes = n * 4;
  const m = kernelModule();
  // Both: (rowPtr, colIdx, values, rows, b, c), byte addresses; colIdx and values are indexed by t.
  const params = [i32, i32, i32, i32, i32, i32] as const;
  const scaleOf = (f: FunctionBuilder, values: number, t: number, blk: Block, scale: number, scalar: number) => {
    f.get(values).get(t).i32Add().f32Load(0).set(scalar);
    if (blk.vectors > 0 || blk.half) f.get(scalar).f32x4Splat().set(scale);
  };

  // C (rows × n) += A·B: for each row of C, each block summed in registers over the row's nonzeros.
  m.function('csr_matmul', params, [], (f) => {
    const [rowPtr, colIdx, values, rows, b, c] = [0, 1, 2, 3, 4, 5];
    const r = f.local(i32), t = f.local(i32), end = f.local(i32), bRow = f.local(i32), cRow = f.local(i32);
    const scale = f.local(v128), scalar = f.local(f32);
    const acc = blockRegisters(f);
    forRows(f, rows, r, () => {
      f.get(c).get(r).i32Const(rowBytes).i32Mul().i32Add().set(cRow);
      for (const blk of blocks) {
        zeroBlock(f, blk, acc);
        forNonzeros(f, rowPtr, r, t, end, () => {
          // bRow = b + colIdx[t]·n·4: the row of B this nonzero scales
          f.get(b).get(colIdx).get(t).i32Add().i32Load(0).i32Const(rowBytes).i32Mul().i32Add().set(bRow);
          scaleOf(f, values, t, blk, scale, scalar);
          accumulateBlock(f, fused, bRow, blk, acc, scale, scalar);
        });
        addBlockInto(f, cRow, blk, acc);
      }
    });
  });

  // C (k × n) += Aᵀ·B: each block of B's row r in registers, scattered into C's row colIdx[t] per nonzero.
  m.function('csr_transpose_matmul', params, [], (f) => {
    const [rowPtr, colIdx, values, rows, b, c] = [0, 1, 2, 3, 4, 5];
    const r = f.local(i32), t = f.local(i32), end = f.local(i32), bRow = f.local(i32), cRow = f.local(i32);
    const scale = f.local(v128), scalar = f.local(f32);
    const row = blockRegisters(f);
    forRows(f, rows, r, () => {
      f.get(b).get(r).i32Const(rowBytes).i32Mul().i32Add().set(bRow);
      for (const blk of blocks) {
        loadBlock(f, bRow, blk, row);
        forNonzeros(f, rowPtr, r, t, end, () => {
          f.get(c).get(colIdx).get(t).i32Add().i32Load(0).i32Const(rowBytes).i32Mul().i32Add().set(cRow);
          scaleOf(f, values, t, blk, scale, scalar);
          scatterBlock(f, fused, cRow, blk, row, scale, scalar);
        });
      }
    });
  });
  return m.build();
}
