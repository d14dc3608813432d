/**
 * The batch gather (gather-js.ts) in WebAssembly SIMD: for each row, its u16 column indices
 * widened to i32 and its u8 values converted to float32 and scaled, four at a time, then the
 * 0..3 left one by one. float32(byte) × float32(scale) is one correctly rounded float32 product,
 * as the JS table holds, so the two give the same bits.
 *   gather_rows(bounds, strideShift, colIdx16, values8, indices, count, outRowPtr, outColIdx, outValues, scale)
 * Example e's nonzeros begin at the i32 at bounds + (e << strideShift) and end at the next one: a
 * data set's rowPtr with shift 2 for whole rows, or the pairs of a range of columns with shift 3
 * (gather-js.ts, RowBounds).
 */
import { f32, i32, v128 } from '../wasm/assembler.js';
import { kernelModule } from './row-blocks.js';

export function gatherModule(): Uint8Array<ArrayBuffer> {
  const m = kernelModule();
  m.function('gather_rows', [i32, i32, i32, i32, i32, i32, i32, i32, i32, f32], [i32], (f) => {
    const [bounds, strideShift, colIdx, values, indices, count, outPtr, outCol, outVal, scale] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const r = f.local(i32), q = f.local(i32), end = f.local(i32), t = f.local(i32), ex = f.local(i32);
    const vscale = f.local(v128);
    const touched = f.local(i32);
    /** ex = bounds + (indices[r] << strideShift); q, end = the two i32 there: row r's nonzeros are q .. end. */
    const rowBounds = () => {
      f.get(indices).get(r).i32Const(2).i32Shl().i32Add().i32Load(0).get(strideShift).i32Shl().get(bounds).i32Add().set(ex);
      f.get(ex).i32Load(0).set(q);
      f.get(ex).i32Load(4).set(end);
    };
    // First touch one byte of every 32 nonzeros of each row: these loads depend on nothing but the
    // index, so the cache misses of all the rows overlap instead of coming one row at a time.
    f.i32Const(0).set(r);
    f.block().loop();
    f.get(r).get(count).i32GeU().brIf(1);
    rowBounds();
    f.block().loop();
    f.get(q).get(end).i32GeS().brIf(1);
    f.get(touched).get(colIdx).get(q).i32Const(1).i32Shl().i32Add().i32Load8U(0).i32Add().get(values).get(q).i32Add().i32Load8U(0).i32Add().set(touched);
    f.get(q).i32Const(32).i32Add().set(q);
    f.br(0);
    f.end().end();
    f.get(r).i32Const(1).i32Add().set(r).br(0);
    f.end().end();
    f.get(scale).f32x4Splat().set(vscale);
    f.i32Const(0).set(t);
    f.get(outPtr).i32Const(0).i32Store(0);
    f.i32Const(0).set(r);
    f.block().loop();
    f.get(r).get(count).i32GeU().brIf(1);
    rowBounds();
    // four at a time while at least four are left
    f.block().loop();
    f.get(q).i32Const(4).i32Add().get(end).i32GtS().brIf(1);
    f.get(outCol).get(t).i32Const(2).i32Shl().i32Add();
    f.get(colIdx).get(q).i32Const(1).i32Shl().i32Add().v128Load16x4U(0);
    f.v128Store(0);
    f.get(outVal).get(t).i32Const(2).i32Shl().i32Add();
    f.get(values).get(q).i32Add().v128Load32Zero(0).i16x8ExtendLowI8x16U().i32x4ExtendLowI16x8U().f32x4ConvertI32x4U().get(vscale).f32x4Mul();
    f.v128Store(0);
    f.get(q).i32Const(4).i32Add().set(q);
    f.get(t).i32Const(4).i32Add().set(t);
    f.br(0);
    f.end().end();
    // the rest one by one
    f.block().loop();
    f.get(q).get(end).i32GeS().brIf(1);
    f.get(outCol).get(t).i32Const(2).i32Shl().i32Add().get(colIdx).get(q).i32Const(1).i32Shl().i32Add().i32Load16U(0).i32Store(0);
    f.get(outVal).get(t).i32Const(2).i32Shl().i32Add().get(values).get(q).i32Add().i32Load8U(0).f32ConvertI32U().get(scale).f32Mul().f32Store(0);
    f.get(q).i32Const(1).i32Add().set(q);
    f.get(t).i32Const(1).i32Add().set(t);
    f.br(0);
    f.end().end();
    // outRowPtr[r + 1] = t
    f.get(outPtr).get(r).i32Const(2).i32Shl().i32Add().get(t).i32Store(4);
    f.get(r).i32Const(1).i32Add().set(r).br(0);
    f.end().end();
    f.get(touched);
  });
  return m.build();
}
