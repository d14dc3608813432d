/**
 * The forward convolution (stride 1, valid; a padded layer pads its input first) in WebAssembly
 * SIMD, emitted for one layer shape (channels, height, width, kernel, filters), so every offset
 * of a kernel tap is a constant. Lanes are adjacent output pixels of one row, 8 (two vectors) per
 * pass where rows are 8 or wider, else 4: for each tap (c, kh, kw) the input pixels they read are
 * adjacent too, one unaligned load per vector, multiplied by each of four filters' weight for
 * that tap. A row's last pass starts at ow − 8 (or ow − 4) when the width does not divide
 * (outputs are independent, so the overlap rewrites the same values). Same sums as the JS kernel
 * (conv-forward.ts), in float32 instead of float64; all-zero input row segments are skipped
 * where that pays (see skipZeroRows).
 *   conv_valid(x, batch, weights [F, C, K, K], bias [F], y): byte addresses
 */
import { i32, v128 } from '../wasm/assembler.js';
import { forCount, kernelModule } from './row-blocks.js';
import type { ConvShape } from './kernel-set.js';

/**
 * `skipZeroRows`: test each kernel row's input segment and skip its taps when it is all +0.
 * Measured on a batch of 64 through 12 filters: 0.95–0.96 → 0.79 ms on MNIST digits; 1.53 →
 * 1.63–1.66 ms through 16 filters of 12 feature maps half zeros at random, where it never skips.
 */
export function convForwardModule(s: ConvShape, fused: boolean, skipZeroRows = false): Uint8Array<ArrayBuffer> {
  const { channels: c, height: h, width: w, kernel: K, filters: F } = s;
  const oh = h - K + 1;
  const ow = w - K + 1;
  if (!(oh >= 1 && ow >= 4)) throw new RangeError(`convForwardModule: output ${oh}×${ow}, the SIMD kernel needs rows of 4 or more`);
  // Output pixels per pass: two vectors where rows allow (each tap's weight splat then feeds 8
  // multiply-adds instead of 4), else one.
  const vectors = ow >= 8 ? 2 : 1;
  const span = 4 * vectors;
  const m = kernelModule();
  const tapsPerChannel = K * K;
  m.function('conv_valid', [i32, i32, i32, i32, i32], [], (f) => {
    const [x, batch, wts, bias, y] = [0, 1, 2, 3, 4];
    const i = f.local(i32), g = f.local(i32), oy = f.local(i32), ox = f.local(i32), ch = f.local(i32);
    const xRow = f.local(i32), yRow = f.local(i32), xImg = f.local(i32), yImg = f.local(i32);
    const xCh = f.local(i32), xTap = f.local(i32), wTap = f.local(i32), xK = f.local(i32), wK = f.local(i32), kh = f.local(i32), kw = f.local(i32), wGroup = f.local(i32), bGroup = f.local(i32), yGroup = f.local(i32);
    const xv = Array.from({ length: vectors }, () => f.local(v128));
    const wv = f.local(v128);
    const acc = Array.from({ length: 4 * vectors }, () => f.local(v128));
    /**
     * nf (1..4) filters from wGroup, bGroup into yGroup, over every row of image i. Channels,
     * kernel rows and kernel columns are run-time loops, one tap per iteration. Unrolled taps ran
     * 2.3x slower (measured on the convolutions of both presets): V8's TurboFan scheduled every
     * weight's broadcast load of an unrolled block ahead of the arithmetic and spilled them to
     * the stack (seen with --print-wasm-code: about as many stack moves as multiply-adds); and
     * unrolling every channel too made a 100 KB module and the second convolution another
     * 1.3-1.7x slower.
     */
    const group = (nf: number) => {
      forCount(f, oy, oh, () => {
        f.i32Const(0).set(ox);
        f.block().loop();
        // the last pass of a row starts at ow − span
        f.get(ox).i32Const(ow - span).i32GtS().if().i32Const(ow - span).set(ox).end();
        // xRow = address of x[i, 0, oy, ox]; yRow = address of y[i, first filter, oy, ox]
        f.get(xImg).get(oy).i32Const(w).i32Mul().get(ox).i32Add().i32Const(2).i32Shl().i32Add().set(xRow);
        f.get(yGroup).get(oy).i32Const(ow).i32Mul().get(ox).i32Add().i32Const(2).i32Shl().i32Add().set(yRow);
        for (let j = 0; j < nf; j++) for (let v = 0; v < vectors; v++) f.get(bGroup).v128Load32Splat(j * 4).set(acc[j * vectors + v]);
        // a tap (ch, kh, kw) at a time: xTap and wTap walk the input patch and the weights
        f.get(xRow).set(xCh);
        f.get(wGroup).set(wTap);
        forCount(f, ch, c, () => {
          f.get(xCh).set(xTap);
          forCount(f, kh, K, () => {
            f.get(xTap).set(xK);
            f.get(wTap).set(wK);
            f.block();
            if (skipZeroRows) {
              // The input row segment this kernel row reads (span + K − 1 floats): all +0, and
              // its K taps would add nothing. MNIST digits leave most rows empty.
              const segment = span + K - 1;
              f.get(xTap).v128Load(0);
              for (let v = 1; v < Math.floor(segment / 4); v++) f.get(xTap).v128Load(16 * v).v128Or();
              for (let q = 4 * Math.floor(segment / 4); q < segment; q++) f.get(xTap).v128Load32Splat(4 * q).v128Or();
              f.v128AnyTrue().i32Eqz().brIf(0);
            }
            forCount(f, kw, K, () => {
              for (let v = 0; v < vectors; v++) f.get(xTap).v128Load(16 * v).set(xv[v]);
              for (let j = 0; j < nf; j++) {
                f.get(wTap).v128Load32Splat(j * c * tapsPerChannel * 4).set(wv);
                for (let v = 0; v < vectors; v++) {
                  const a = acc[j * vectors + v];
                  if (fused) f.get(wv).get(xv[v]).get(a).f32x4RelaxedMadd().set(a);
                  else f.get(wv).get(xv[v]).f32x4Mul().get(a).f32x4Add().set(a);
                }
              }
              f.get(xTap).i32Const(4).i32Add().set(xTap);
              f.get(wTap).i32Const(4).i32Add().set(wTap);
            });
            f.end();
            f.get(xK).i32Const(w * 4).i32Add().set(xTap);
            f.get(wK).i32Const(K * 4).i32Add().set(wTap);
          });
          f.get(xCh).i32Const(h * w * 4).i32Add().set(xCh);
        });
        for (let j = 0; j < nf; j++) for (let v = 0; v < vectors; v++) f.get(yRow).get(acc[j * vectors + v]).v128Store((j * oh * ow + 4 * v) * 4);
        // the next pass, or the next row once the last pass (at ow − span) is done
        f.get(ox).i32Const(ow - span).i32Eq().brIf(1);
        f.get(ox).i32Const(span).i32Add().set(ox).br(0);
        f.end().end();
      });
    };
    const fullGroups = Math.floor(F / 4);
    const rest = F % 4;
    f.i32Const(0).set(i);
    f.block().loop();
    f.get(i).get(batch).i32GeU().brIf(1);
    f.get(x).get(i).i32Const(c * h * w * 4).i32Mul().i32Add().set(xImg);
    f.get(y).get(i).i32Const(F * oh * ow * 4).i32Mul().i32Add().set(yImg);
    // filters 4g .. 4g+3 for each whole group g, then the 1..3 left
    forCount(f, g, fullGroups, () => {
      f.get(wts).get(g).i32Const(4 * c * tapsPerChannel * 4).i32Mul().i32Add().set(wGroup);
      f.get(bias).get(g).i32Const(16).i32Mul().i32Add().set(bGroup);
      f.get(yImg).get(g).i32Const(4 * oh * ow * 4).i32Mul().i32Add().set(yGroup);
      group(4);
    });
    if (rest > 0) {
      f.get(wts).i32Const(fullGroups * 4 * c * tapsPerChannel * 4).i32Add().set(wGroup);
      f.get(bias).i32Const(fullGroups * 16).i32Add().set(bGroup);
      f.get(yImg).i32Const(fullGroups * 4 * oh * ow * 4).i32Add().set(yGroup);
      group(rest);
    }
    f.get(i).i32Const(1).i32Add().set(i).br(0);
    f.end().end();
  });
  return m.build();
}
