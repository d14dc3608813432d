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
import { f32, i32, v128 } from '../wasm/assembler.js';
import { forCount, kernelModule } from './row-blocks.js';
import type { ConvShape } from './kernel-set.js';

export function convBackwardModule(s: ConvShape): Uint8Array<ArrayBuffer> {
  const { channels: c, height: h, width: w, kernel: K, filters: F } = s;
  const oh = h - K + 1;
  const ow = w - K + 1;
  if (!(oh >= 1 && ow >= 1)) throw new RangeError(`convBackwardModule: a ${K}×${K} kernel does not fit ${h}×${w}`);
  const vectors = Math.floor(K / 4);
  const singles = K % 4;
  const m = kernelModule();
  m.function('conv_backward', [i32, i32, i32, i32, i32, i32, i32, i32, i32], [], (f) => {
    const [x, batch, dy, wt, dw, db, dx, values, positions] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const biasSum = f.local(f32);
    const filter = f.local(i32), n = f.local(i32), i = f.local(i32), oy = f.local(i32), ox = f.local(i32);
    const d = f.local(f32), dAt = f.local(i32), corner = f.local(i32), rowAt = f.local(i32);
    const ch = f.local(i32), kh = f.local(i32), t = f.local(i32), offset = f.local(i32), wRow = f.local(i32), dwRow = f.local(i32), p = f.local(i32), q = f.local(i32);
    const scale = f.local(v128);
    const accV = Array.from({ length: vectors }, () => f.local(v128));
    const accS = Array.from({ length: singles }, () => f.local(f32));
    const wV = Array.from({ length: vectors }, () => f.local(v128));
    const wS = Array.from({ length: singles }, () => f.local(f32));
    f.get(dy).set(dAt);
    forCount(f, filter, F, () => {
      // 1. the nonzeros of this filter's gradient over the batch (dy is [batch, F, oh, ow])
      f.i32Const(0).set(n);
      f.f32Const(0).set(biasSum);
      forCount(f, i, () => f.get(batch), () => {
        f.get(dy).get(i).i32Const(F).i32Mul().get(filter).i32Add().i32Const(oh * ow * 4).i32Mul().i32Add().set(dAt);
        f.get(i).i32Const(c * h * w * 4).i32Mul().set(rowAt);
        forCount(f, oy, oh, () => {
          f.get(rowAt).set(corner);
          forCount(f, ox, ow, () => {
            f.get(dAt).f32Load(0).set(d);
            f.get(values).get(n).i32Const(2).i32Shl().i32Add().get(d).f32Store(0);
            f.get(positions).get(n).i32Const(2).i32Shl().i32Add().get(corner).i32Store(0);
            f.get(n).get(d).f32Const(0).f32Ne().i32Add().set(n);
            f.get(biasSum).get(d).f32Add().set(biasSum);
            f.get(dAt).i32Const(4).i32Add().set(dAt);
            f.get(corner).i32Const(4).i32Add().set(corner);
          });
          f.get(rowAt).i32Const(w * 4).i32Add().set(rowAt);
        });
      });
      f.get(db).get(filter).i32Const(2).i32Shl().i32Add().tee(p).get(p).f32Load(0).get(biasSum).f32Add().f32Store(0);
      // 2. a pass over the list per channel and kernel row
      f.block();
      f.get(n).i32Eqz().brIf(0);
      forCount(f, ch, c, () => {
        forCount(f, kh, K, () => {
          f.get(ch).i32Const(h * w).i32Mul().get(kh).i32Const(w).i32Mul().i32Add().i32Const(2).i32Shl().set(offset);
          f.get(filter).i32Const(c).i32Mul().get(ch).i32Add().i32Const(K).i32Mul().get(kh).i32Add().i32Const(K * 4).i32Mul().tee(wRow).get(dw).i32Add().set(dwRow);
          f.get(wRow).get(wt).i32Add().set(wRow);
          for (let v = 0; v < vectors; v++) {
            f.f32Const(0).f32x4Splat().set(accV[v]);
            f.get(wRow).v128Load(16 * v).set(wV[v]);
          }
          for (let k = 0; k < singles; k++) {
            f.f32Const(0).set(accS[k]);
            f.get(wRow).f32Load(16 * vectors + 4 * k).set(wS[k]);
          }
          forCount(f, t, () => f.get(n), () => {
            f.get(values).get(t).i32Const(2).i32Shl().i32Add().f32Load(0).tee(d).f32x4Splat().set(scale);
            f.get(positions).get(t).i32Const(2).i32Shl().i32Add().i32Load(0).get(offset).i32Add().tee(q).get(x).i32Add().set(p);
            for (let v = 0; v < vectors; v++) f.get(scale).get(p).v128Load(16 * v).f32x4Mul().get(accV[v]).f32x4Add().set(accV[v]);
            for (let k = 0; k < singles; k++) f.get(d).get(p).f32Load(16 * vectors + 4 * k).f32Mul().get(accS[k]).f32Add().set(accS[k]);
            // dx, when asked for: q becomes the address in dx of the same element
            f.block();
            f.get(dx).i32Eqz().brIf(0);
            f.get(q).get(dx).i32Add().set(q);
            for (let v = 0; v < vectors; v++) f.get(q).get(q).v128Load(16 * v).get(scale).get(wV[v]).f32x4Mul().f32x4Add().v128Store(16 * v);
            for (let k = 0; k < singles; k++) f.get(q).get(q).f32Load(16 * vectors + 4 * k).get(d).get(wS[k]).f32Mul().f32Add().f32Store(16 * vectors + 4 * k);
            f.end();
          });
          for (let v = 0; v < vectors; v++) f.get(dwRow).get(dwRow).v128Load(16 * v).get(accV[v]).f32x4Add().v128Store(16 * v);
          for (let k = 0; k < singles; k++) f.get(dwRow).get(dwRow).f32Load(16 * vectors + 4 * k).get(accS[k]).f32Add().f32Store(16 * vectors + 4 * k);
        });
      });
      f.end();
    });
  });
  return m.build();
}
