/**
 * The sparse backward convolution (conv-backward.ts's convBackwardSparse) in WebAssembly SIMD,
 * emitted for one shape (channels, height, width of the padded input, K, filters). For each
 * filter f:
 *  1. dy's nonzeros over the batch are listed (value d, byte offset of the patch corner in x),
 *     without a branch: every entry is written, and the count advances only past a nonzero; the
 *     bias gradient db[f] += Σ dy comes from the same pass;
 *  2. for each channel and kernel row, one pass over the list adds
 *       dw[f, ch, kh, 0..K) += d · x[corner + (ch, kh) + 0..K)       (sums in registers)
 *       dx[corner + (ch, kh) + 0..K) += d · w[f, ch, kh, 0..K)        (when dx is wanted)
 *     the K weights of a row as f32x4 vectors and 0..3 single floats, so a 5×5 kernel row is one
 *     vector and one float.
 * Sums are float32 (the JS kernel sums a list in float64): the two agree within rounding.
 *  - conv_backward(x, batch, dy, w, dw, db, dx, values, positions): dx = 0 for no input gradient;
 *    values and positions have room for batch·oh·ow + 1 entries.
 */
import { f32, i32, v128, type FunctionBuilder } from '../wasm/assembler.js';
import { forCount, kernelModule } from './row-blocks.js';
import type { ConvShape } from './kernel-set.js';

/** conv_backward's parameters, in order. */
const [X, BATCH, DY, WT, DW, DB, DX, VALUES, POSITIONS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];

/** What a conv_backward emitter step needs: the shape and the function's locals. */
interface BackwardEmitter {
  f: FunctionBuilder;
  c: number;
  h: number;
  w: number;
  K: number;
  F: number;
  oh: number;
  ow: number;
  /** A kernel row's weights: whole f32x4 vectors, then single floats. */
  vectors: number;
  singles: number;
  v: BackwardLocals;
}

interface BackwardLocals {
  biasSum: number;
  filter: number; n: number; i: number; oy: number; ox: number;
  d: number; dAt: number; corner: number; rowAt: number;
  ch: number; kh: number; t: number; offset: number; wRow: number; dwRow: number; p: number; q: number;
  scale: number;
  accV: number[];
  accS: number[];
  wV: number[];
  wS: number[];
}

/** conv_backward's locals, declared in this order (their indices are part of the module's bytes). */
function backwardLocals(f: FunctionBuilder, vectors: number, singles: number): BackwardLocals {
  const biasSum = f.local(f32);
  const filter = f.local(i32), n = f.local(i32), i = f.local(i32), oy = f.local(i32), ox = f.local(i32);
  const d = f.local(f32), dAt = f.local(i32), corner = f.local(i32), rowAt = f.local(i32);
  const ch = f.local(i32), kh = f.local(i32), t = f.local(i32), offset = f.local(i32), wRow = f.local(i32), dwRow = f.local(i32), p = f.local(i32), q = f.local(i32);
  const scale = f.local(v128);
  const accV = Array.from({ length: vectors }, () => f.local(v128));
  const accS = Array.from({ length: singles }, () => f.local(f32));
  const wV = Array.from({ length: vectors }, () => f.local(v128));
  const wS = Array.from({ length: singles }, () => f.local(f32));
  return { biasSum, filter, n, i, oy, ox, d, dAt, corner, rowAt, ch, kh, t, offset, wRow, dwRow, p, q, scale, accV, accS, wV, wS };
}

export function convBackwardModule(s: ConvShape): Uint8Array<ArrayBuffer> {
  const { channels: c, height: h, width: w, kernel: K, filters: F } = s;
  const oh = h - K + 1;
  const ow = w - K + 1;
  if (!(oh >= 1 && ow >= 1)) throw new RangeError(`convBackwardModule: a ${K}×${K} kernel does not fit ${h}×${w}`);
  const vectors = Math.floor(K / 4);
  const singles = K % 4;
  const m = kernelModule();
  m.function('conv_backward', [i32, i32, i32, i32, i32, i32, i32, i32, i32], [], (f) => {
    const e: BackwardEmitter = { f, c, h, w, K, F, oh, ow, vectors, singles, v: backwardLocals(f, vectors, singles) };
    const v = e.v;
    f.get(DY).set(v.dAt);
    forCount(f, v.filter, F, () => {
      listNonzeros(e);
      // 2. a pass over the list per channel and kernel row
      f.block();
      f.get(v.n).i32Eqz().brIf(0);
      forCount(f, v.ch, c, () => forCount(f, v.kh, K, () => kernelRow(e)));
      f.end();
    });
  });
  return m.build();
}

/** 1. The nonzeros of this filter's gradient over the batch (dy is [batch, F, oh, ow]) into the list, and db[f] += Σ dy. */
function listNonzeros(e: BackwardEmitter): void {
  const { f, c, h, w, F, oh, ow, v } = e;
  f.i32Const(0).set(v.n);
  f.f32Const(0).set(v.biasSum);
  forCount(f, v.i, () => f.get(BATCH), () => {
    f.get(DY).get(v.i).i32Const(F).i32Mul().get(v.filter).i32Add().i32Const(oh * ow * 4).i32Mul().i32Add().set(v.dAt);
    f.get(v.i).i32Const(c * h * w * 4).i32Mul().set(v.rowAt);
    forCount(f, v.oy, oh, () => {
      f.get(v.rowAt).set(v.corner);
      forCount(f, v.ox, ow, () => {
        f.get(v.dAt).f32Load(0).set(v.d);
        f.get(VALUES).get(v.n).i32Const(2).i32Shl().i32Add().get(v.d).f32Store(0);
        f.get(POSITIONS).get(v.n).i32Const(2).i32Shl().i32Add().get(v.corner).i32Store(0);
        f.get(v.n).get(v.d).f32Const(0).f32Ne().i32Add().set(v.n);
        f.get(v.biasSum).get(v.d).f32Add().set(v.biasSum);
        f.get(v.dAt).i32Const(4).i32Add().set(v.dAt);
        f.get(v.corner).i32Const(4).i32Add().set(v.corner);
      });
      f.get(v.rowAt).i32Const(w * 4).i32Add().set(v.rowAt);
    });
  });
  f.get(DB).get(v.filter).i32Const(2).i32Shl().i32Add().tee(v.p).get(v.p).f32Load(0).get(v.biasSum).f32Add().f32Store(0);
}

/** 2. One pass over the list for kernel row (ch, kh): dw's row summed in registers, dx added to when wanted. */
function kernelRow(e: BackwardEmitter): void {
  const { f, c, h, w, K, vectors, singles, v } = e;
  f.get(v.ch).i32Const(h * w).i32Mul().get(v.kh).i32Const(w).i32Mul().i32Add().i32Const(2).i32Shl().set(v.offset);
  f.get(v.filter).i32Const(c).i32Mul().get(v.ch).i32Add().i32Const(K).i32Mul().get(v.kh).i32Add().i32Const(K * 4).i32Mul().tee(v.wRow).get(DW).i32Add().set(v.dwRow);
  f.get(v.wRow).get(WT).i32Add().set(v.wRow);
  for (let j = 0; j < vectors; j++) {
    f.f32Const(0).f32x4Splat().set(v.accV[j]);
    f.get(v.wRow).v128Load(16 * j).set(v.wV[j]);
  }
  for (let k = 0; k < singles; k++) {
    f.f32Const(0).set(v.accS[k]);
    f.get(v.wRow).f32Load(16 * vectors + 4 * k).set(v.wS[k]);
  }
  forCount(f, v.t, () => f.get(v.n), () => listEntry(e));
  for (let j = 0; j < vectors; j++) f.get(v.dwRow).get(v.dwRow).v128Load(16 * j).get(v.accV[j]).f32x4Add().v128Store(16 * j);
  for (let k = 0; k < singles; k++) f.get(v.dwRow).get(v.dwRow).f32Load(16 * vectors + 4 * k).get(v.accS[k]).f32Add().f32Store(16 * vectors + 4 * k);
}

/** Entry t of the list: d times the input row it read into dw's sums, and d times the weights into dx. */
function listEntry(e: BackwardEmitter): void {
  const { f, vectors, singles, v } = e;
  f.get(VALUES).get(v.t).i32Const(2).i32Shl().i32Add().f32Load(0).tee(v.d).f32x4Splat().set(v.scale);
  f.get(POSITIONS).get(v.t).i32Const(2).i32Shl().i32Add().i32Load(0).get(v.offset).i32Add().tee(v.q).get(X).i32Add().set(v.p);
  for (let j = 0; j < vectors; j++) f.get(v.scale).get(v.p).v128Load(16 * j).f32x4Mul().get(v.accV[j]).f32x4Add().set(v.accV[j]);
  for (let k = 0; k < singles; k++) f.get(v.d).get(v.p).f32Load(16 * vectors + 4 * k).f32Mul().get(v.accS[k]).f32Add().set(v.accS[k]);
  // dx, when asked for: q becomes the address in dx of the same element
  f.block();
  f.get(DX).i32Eqz().brIf(0);
  f.get(v.q).get(DX).i32Add().set(v.q);
  for (let j = 0; j < vectors; j++) f.get(v.q).get(v.q).v128Load(16 * j).get(v.scale).get(v.wV[j]).f32x4Mul().f32x4Add().v128Store(16 * j);
  for (let k = 0; k < singles; k++) f.get(v.q).get(v.q).f32Load(16 * vectors + 4 * k).get(v.d).get(v.wS[k]).f32Mul().f32Add().f32Store(16 * vectors + 4 * k);
  f.end();
}
