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
import { f32, i32, v128, type FunctionBuilder } from '../wasm/assembler.js';
import { kernelModule } from './row-blocks.js';

/** gather_rows's parameters, in order. */
const [BOUNDS, STRIDE_SHIFT, COL_IDX, VALUES, INDICES, COUNT, OUT_PTR, OUT_COL, OUT_VAL, SCALE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

interface GatherLocals {
  r: number; q: number; end: number; t: number; ex: number;
  vscale: number;
  touched: number;
}

export function gatherModule(): Uint8Array<ArrayBuffer> {
  const m = kernelModule();
  m.function('gather_rows', [i32, i32, i32, i32, i32, i32, i32, i32, i32, f32], [i32], (f) => {
    // The locals in this order: their indices are part of the module's bytes.
    const r = f.local(i32), q = f.local(i32), end = f.local(i32), t = f.local(i32), ex = f.local(i32);
    const vscale = f.local(v128);
    const touched = f.local(i32);
    const v: GatherLocals = { r, q, end, t, ex, vscale, touched };
    touchRows(f, v);
    f.get(SCALE).f32x4Splat().set(vscale);
    f.i32Const(0).set(t);
    f.get(OUT_PTR).i32Const(0).i32Store(0);
    f.i32Const(0).set(r);
    f.block().loop();
    f.get(r).get(COUNT).i32GeU().brIf(1);
    rowBounds(f, v);
    copyRow(f, v);
    // outRowPtr[r + 1] = t
    f.get(OUT_PTR).get(r).i32Const(2).i32Shl().i32Add().get(t).i32Store(4);
    f.get(r).i32Const(1).i32Add().set(r).br(0);
    f.end().end();
    f.get(touched);
  });
  return m.build();
}

/** ex = bounds + (indices[r] << strideShift); q, end = the two i32 there: row r's nonzeros are q .. end. */
function rowBounds(f: FunctionBuilder, { r, q, end, ex }: GatherLocals): void {
  f.get(INDICES).get(r).i32Const(2).i32Shl().i32Add().i32Load(0).get(STRIDE_SHIFT).i32Shl().get(BOUNDS).i32Add().set(ex);
  f.get(ex).i32Load(0).set(q);
  f.get(ex).i32Load(4).set(end);
}

/**
 * First touch one byte of every 32 nonzeros of each row: these loads depend on nothing but the
 * index, so the cache misses of all the rows overlap instead of coming one row at a time.
 */
function touchRows(f: FunctionBuilder, v: GatherLocals): void {
  const { r, q, end, touched } = v;
  f.i32Const(0).set(r);
  f.block().loop();
  f.get(r).get(COUNT).i32GeU().brIf(1);
  rowBounds(f, v);
  f.block().loop();
  f.get(q).get(end).i32GeS().brIf(1);
  f.get(touched).get(COL_IDX).get(q).i32Const(1).i32Shl().i32Add().i32Load8U(0).i32Add().get(VALUES).get(q).i32Add().i32Load8U(0).i32Add().set(touched);
  f.get(q).i32Const(32).i32Add().set(q);
  f.br(0);
  f.end().end();
  f.get(r).i32Const(1).i32Add().set(r).br(0);
  f.end().end();
}

/** Row r's nonzeros q .. end to the output from t: four at a time while at least four are left, then one by one. */
function copyRow(f: FunctionBuilder, { q, end, t, vscale }: GatherLocals): void {
  f.block().loop();
  f.get(q).i32Const(4).i32Add().get(end).i32GtS().brIf(1);
  f.get(OUT_COL).get(t).i32Const(2).i32Shl().i32Add();
  f.get(COL_IDX).get(q).i32Const(1).i32Shl().i32Add().v128Load16x4U(0);
  f.v128Store(0);
  f.get(OUT_VAL).get(t).i32Const(2).i32Shl().i32Add();
  f.get(VALUES).get(q).i32Add().v128Load32Zero(0).i16x8ExtendLowI8x16U().i32x4ExtendLowI16x8U().f32x4ConvertI32x4U().get(vscale).f32x4Mul();
  f.v128Store(0);
  f.get(q).i32Const(4).i32Add().set(q);
  f.get(t).i32Const(4).i32Add().set(t);
  f.br(0);
  f.end().end();
  f.block().loop();
  f.get(q).get(end).i32GeS().brIf(1);
  f.get(OUT_COL).get(t).i32Const(2).i32Shl().i32Add().get(COL_IDX).get(q).i32Const(1).i32Shl().i32Add().i32Load16U(0).i32Store(0);
  f.get(OUT_VAL).get(t).i32Const(2).i32Shl().i32Add().get(VALUES).get(q).i32Add().i32Load8U(0).f32ConvertI32U().get(SCALE).f32Mul().f32Store(0);
  f.get(q).i32Const(1).i32Add().set(q);
  f.get(t).i32Const(1).i32Add().set(t);
  f.br(0);
  f.end().end();
}
