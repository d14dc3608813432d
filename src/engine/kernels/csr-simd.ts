/**
 * The sparse first-layer kernels in WebAssembly SIMD, emitted for one width n (a layer's output
 * count) at a time, so every address offset and loop bound of a row is a constant:
 *  - csr_matmul: C (rows × n) += A·B, A sparse (rows × k), B dense k × n: for each row of C, the
 *    columns in blocks of up to 8 f32x4 accumulators (and the 0..3 columns past the last whole
 *    vector as f32 accumulators), each block one pass over the row's nonzeros;
 *  - csr_transpose_matmul: C (k × n) += Aᵀ·B, the weight gradient xᵀ·dy: for each row of B held
 *    in registers a block at a time, every nonzero of A's row adds value × that block into C's row.
 * The same arithmetic as the JS kernels in csr.ts, four columns at a time; where the platform has
 * relaxed SIMD, a·b + c may be fused (one rounding instead of two).
 */
import { f32, i32, ModuleBuilder, v128, type FunctionBuilder } from '../wasm/assembler.js';
import { MAX_PAGES } from '../wasm/kernel-memory.js';
import { blocksFor, forRows, multiplyAdd, VECTORS_PER_PASS } from './row-blocks.js';

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
  const m = new ModuleBuilder().importMemory({ module: 'env', field: 'memory', initial: 1, maximum: MAX_PAGES, shared: true });

  // csr_matmul(rowPtr, colIdx, values, rows, b, c)
  m.function('csr_matmul', [i32, i32, i32, i32, i32, i32], [], (f) => {
    const [rowPtr, colIdx, values, rows, b, c] = [0, 1, 2, 3, 4, 5];
    const r = f.local(i32), t = f.local(i32), end = f.local(i32), bRow = f.local(i32), cRow = f.local(i32);
    const scale = f.local(v128), scalar = f.local(f32);
    const acc = Array.from({ length: VECTORS_PER_PASS }, () => f.local(v128));
    const sacc = Array.from({ length: 3 }, () => f.local(f32));
    forRows(f, rows, r, () => {
      f.get(c).get(r).i32Const(rowBytes).i32Mul().i32Add().set(cRow);
      for (const blk of blocks) {
        for (let i = 0; i < blk.vectors; i++) f.f32Const(0).f32x4Splat().set(acc[i]);
        for (let k = 0; k < blk.scalars; k++) f.f32Const(0).set(sacc[k]);
        forNonzeros(f, rowPtr, r, t, end, () => {
          // bRow = b + colIdx[t]·n·4: the row of B this nonzero scales
          f.get(b).get(colIdx).get(t).i32Add().i32Load(0).i32Const(rowBytes).i32Mul().i32Add().set(bRow);
          if (blk.vectors > 0) f.get(values).get(t).i32Add().v128Load32Splat(0).set(scale);
          for (let i = 0; i < blk.vectors; i++) multiplyAdd(f, fused, () => f.get(bRow).v128Load(blk.offset + 16 * i), scale, acc[i]);
          if (blk.scalars > 0) f.get(values).get(t).i32Add().f32Load(0).set(scalar);
          for (let k = 0; k < blk.scalars; k++) {
            f.get(scalar).get(bRow).f32Load(blk.offset + 16 * blk.vectors + 4 * k).f32Mul().get(sacc[k]).f32Add().set(sacc[k]);
          }
        });
        for (let i = 0; i < blk.vectors; i++) {
          const at = blk.offset + 16 * i;
          f.get(cRow).get(cRow).v128Load(at).get(acc[i]).f32x4Add().v128Store(at);
        }
        for (let k = 0; k < blk.scalars; k++) {
          const at = blk.offset + 16 * blk.vectors + 4 * k;
          f.get(cRow).get(cRow).f32Load(at).get(sacc[k]).f32Add().f32Store(at);
        }
      }
    });
  });

  // csr_transpose_matmul(rowPtr, colIdx, values, rows, b, c): c (k × n) += Aᵀ·b
  m.function('csr_transpose_matmul', [i32, i32, i32, i32, i32, i32], [], (f) => {
    const [rowPtr, colIdx, values, rows, b, c] = [0, 1, 2, 3, 4, 5];
    const r = f.local(i32), t = f.local(i32), end = f.local(i32), bRow = f.local(i32), cRow = f.local(i32);
    const scale = f.local(v128), scalar = f.local(f32);
    const row = Array.from({ length: VECTORS_PER_PASS }, () => f.local(v128));
    const srow = Array.from({ length: 3 }, () => f.local(f32));
    forRows(f, rows, r, () => {
      f.get(b).get(r).i32Const(rowBytes).i32Mul().i32Add().set(bRow);
      for (const blk of blocks) {
        for (let i = 0; i < blk.vectors; i++) f.get(bRow).v128Load(blk.offset + 16 * i).set(row[i]);
        for (let k = 0; k < blk.scalars; k++) f.get(bRow).f32Load(blk.offset + 16 * blk.vectors + 4 * k).set(srow[k]);
        forNonzeros(f, rowPtr, r, t, end, () => {
          f.get(c).get(colIdx).get(t).i32Add().i32Load(0).i32Const(rowBytes).i32Mul().i32Add().set(cRow);
          if (blk.vectors > 0) f.get(values).get(t).i32Add().v128Load32Splat(0).set(scale);
          for (let i = 0; i < blk.vectors; i++) {
            const at = blk.offset + 16 * i;
            f.get(cRow);
            if (fused) f.get(scale).get(row[i]).get(cRow).v128Load(at).f32x4RelaxedMadd();
            else f.get(scale).get(row[i]).f32x4Mul().get(cRow).v128Load(at).f32x4Add();
            f.v128Store(at);
          }
          if (blk.scalars > 0) f.get(values).get(t).i32Add().f32Load(0).set(scalar);
          for (let k = 0; k < blk.scalars; k++) {
            const at = blk.offset + 16 * blk.vectors + 4 * k;
            f.get(cRow).get(scalar).get(srow[k]).f32Mul().get(cRow).f32Load(at).f32Add().f32Store(at);
          }
        });
      }
    });
  });
  return m.build();
}
