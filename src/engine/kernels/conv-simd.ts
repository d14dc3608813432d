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
import { i32, v128, type FunctionBuilder } from '../wasm/assembler.js';
import { forCount, kernelModule } from './row-blocks.js';
import type { ConvShape } from './kernel-set.js';

/** What a conv_valid emitter step needs: the shape, the options, and the function's locals. */
interface ConvEmitter {
  f: FunctionBuilder;
  c: number;
  h: number;
  w: number;
  K: number;
  oh: number;
  ow: number;
  fused: boolean;
  skipZeroRows: boolean;
  /** Vectors of output pixels per pass, and the pixels they hold. */
  vectors: number;
  span: number;
  v: ConvLocals;
}

interface ConvLocals {
  i: number; g: number; oy: number; ox: number; ch: number;
  xRow: number; yRow: number; xImg: number; yImg: number;
  xCh: number; xTap: number; wTap: number; xK: number; wK: number; kh: number; kw: number; wGroup: number; bGroup: number; yGroup: number;
  xv: number[];
  wv: number;
  acc: number[];
}

/** conv_valid's locals, declared in this order (their indices are part of the module's bytes). */
function convLocals(f: FunctionBuilder, vectors: number): ConvLocals {
  const i = f.local(i32), g = f.local(i32), oy = f.local(i32), ox = f.local(i32), ch = f.local(i32);
  const xRow = f.local(i32), yRow = f.local(i32), xImg = f.local(i32), yImg = f.local(i32);
  const xCh = f.local(i32), xTap = f.local(i32), wTap = f.local(i32), xK = f.local(i32), wK = f.local(i32), kh = f.local(i32), kw = f.local(i32), wGroup = f.local(i32), bGroup = f.local(i32), yGroup = f.local(i32);
  const xv = Array.from({ length: vectors }, () => f.local(v128));
  const wv = f.local(v128);
  const acc = Array.from({ length: 4 * vectors }, () => f.local(v128));
  return { i, g, oy, ox, ch, xRow, yRow, xImg, yImg, xCh, xTap, wTap, xK, wK, kh, kw, wGroup, bGroup, yGroup, xv, wv, acc };
}

/**
 * `skipZeroRows`: test each kernel row's input segment and skip its taps when it is all +0. It
 * pays on MNIST digits, whose rows are mostly empty, and costs a little on feature maps whose
 * zeros are scattered, where it never skips.
 */
export function convForwardModule(s: ConvShape, fused: boolean, skipZeroRows = false): Uint8Array<ArrayBuffer> {
  const { channels: c, height: h, width: w, kernel: K, filters: F } = s;
  const oh = h - K + 1;
  const ow = w - K + 1;
  if (!(oh >= 1 && ow >= 4)) throw new RangeError(`convForwardModule: output ${oh}×${ow}, the SIMD kernel needs rows of 4 or more`);
  // Output pixels per pass: two vectors where rows allow (each tap's weight splat then feeds 8
  // multiply-adds instead of 4), else one.
  const vectors = ow >= 8 ? 2 : 1;
  const m = kernelModule();
  m.function('conv_valid', [i32, i32, i32, i32, i32], [], (f) => {
    const e: ConvEmitter = { f, c, h, w, K, oh, ow, fused, skipZeroRows, vectors, span: 4 * vectors, v: convLocals(f, vectors) };
    forImages(e, F);
  });
  return m.build();
}

/** For each image i, filters 4g .. 4g+3 for each whole group g, then the 1..3 left. */
function forImages(e: ConvEmitter, F: number): void {
  const { f, c, h, w, K, oh, ow, v } = e;
  const [x, batch, wts, bias, y] = [0, 1, 2, 3, 4];
  const tapsPerChannel = K * K;
  const fullGroups = Math.floor(F / 4);
  const rest = F % 4;
  f.i32Const(0).set(v.i);
  f.block().loop();
  f.get(v.i).get(batch).i32GeU().brIf(1);
  f.get(x).get(v.i).i32Const(c * h * w * 4).i32Mul().i32Add().set(v.xImg);
  f.get(y).get(v.i).i32Const(F * oh * ow * 4).i32Mul().i32Add().set(v.yImg);
  forCount(f, v.g, fullGroups, () => {
    f.get(wts).get(v.g).i32Const(4 * c * tapsPerChannel * 4).i32Mul().i32Add().set(v.wGroup);
    f.get(bias).get(v.g).i32Const(16).i32Mul().i32Add().set(v.bGroup);
    f.get(v.yImg).get(v.g).i32Const(4 * oh * ow * 4).i32Mul().i32Add().set(v.yGroup);
    group(e, 4);
  });
  if (rest > 0) {
    f.get(wts).i32Const(fullGroups * 4 * c * tapsPerChannel * 4).i32Add().set(v.wGroup);
    f.get(bias).i32Const(fullGroups * 16).i32Add().set(v.bGroup);
    f.get(v.yImg).i32Const(fullGroups * 4 * oh * ow * 4).i32Add().set(v.yGroup);
    group(e, rest);
  }
  f.get(v.i).i32Const(1).i32Add().set(v.i).br(0);
  f.end().end();
}

/**
 * nf (1..4) filters from wGroup, bGroup into yGroup, over every row of image i, a pass of `span`
 * output pixels at a time. Channels, kernel rows and kernel columns are run-time loops, one tap
 * per iteration: unrolled taps ran about twice as slow, because V8's TurboFan scheduled every
 * weight's broadcast load of an unrolled block ahead of the arithmetic and spilled them to the
 * stack (--print-wasm-code shows about as many stack moves as multiply-adds); unrolling every
 * channel too made a 100 KB module and the second convolution slower still.
 */
function group(e: ConvEmitter, nf: number): void {
  const { f, w, oh, ow, span, vectors, v } = e;
  forCount(f, v.oy, oh, () => {
    f.i32Const(0).set(v.ox);
    f.block().loop();
    // the last pass of a row starts at ow − span
    f.get(v.ox).i32Const(ow - span).i32GtS().if().i32Const(ow - span).set(v.ox).end();
    // xRow = address of x[i, 0, oy, ox]; yRow = address of y[i, first filter, oy, ox]
    f.get(v.xImg).get(v.oy).i32Const(w).i32Mul().get(v.ox).i32Add().i32Const(2).i32Shl().i32Add().set(v.xRow);
    f.get(v.yGroup).get(v.oy).i32Const(ow).i32Mul().get(v.ox).i32Add().i32Const(2).i32Shl().i32Add().set(v.yRow);
    for (let j = 0; j < nf; j++) for (let q = 0; q < vectors; q++) f.get(v.bGroup).v128Load32Splat(j * 4).set(v.acc[j * vectors + q]);
    forTaps(e, nf);
    for (let j = 0; j < nf; j++) for (let q = 0; q < vectors; q++) f.get(v.yRow).get(v.acc[j * vectors + q]).v128Store((j * oh * ow + 4 * q) * 4);
    // the next pass, or the next row once the last pass (at ow − span) is done
    f.get(v.ox).i32Const(ow - span).i32Eq().brIf(1);
    f.get(v.ox).i32Const(span).i32Add().set(v.ox).br(0);
    f.end().end();
  });
}

/** A tap (ch, kh, kw) at a time into the accumulators: xTap and wTap walk the input patch and the weights. */
function forTaps(e: ConvEmitter, nf: number): void {
  const { f, c, h, w, K, v } = e;
  f.get(v.xRow).set(v.xCh);
  f.get(v.wGroup).set(v.wTap);
  forCount(f, v.ch, c, () => {
    f.get(v.xCh).set(v.xTap);
    forCount(f, v.kh, K, () => {
      f.get(v.xTap).set(v.xK);
      f.get(v.wTap).set(v.wK);
      f.block();
      if (e.skipZeroRows) skipZeroSegment(e);
      forCount(f, v.kw, K, () => tap(e, nf));
      f.end();
      f.get(v.xK).i32Const(w * 4).i32Add().set(v.xTap);
      f.get(v.wK).i32Const(K * 4).i32Add().set(v.wTap);
    });
    f.get(v.xCh).i32Const(h * w * 4).i32Add().set(v.xCh);
  });
}

/**
 * Leaves the enclosing block when the input row segment this kernel row reads (span + K − 1
 * floats) is all +0, so its K taps would add nothing. MNIST digits leave most rows empty.
 */
function skipZeroSegment(e: ConvEmitter): void {
  const { f, K, span, v } = e;
  const segment = span + K - 1;
  f.get(v.xTap).v128Load(0);
  for (let q = 1; q < Math.floor(segment / 4); q++) f.get(v.xTap).v128Load(16 * q).v128Or();
  for (let q = 4 * Math.floor(segment / 4); q < segment; q++) f.get(v.xTap).v128Load32Splat(4 * q).v128Or();
  f.v128AnyTrue().i32Eqz().brIf(0);
}

/** One tap: its input pixels times each of nf filters' weight for it, added to their accumulators. */
function tap(e: ConvEmitter, nf: number): void {
  const { f, c, K, vectors, v } = e;
  for (let q = 0; q < vectors; q++) f.get(v.xTap).v128Load(16 * q).set(v.xv[q]);
  for (let j = 0; j < nf; j++) {
    f.get(v.wTap).v128Load32Splat(j * c * K * K * 4).set(v.wv);
    for (let q = 0; q < vectors; q++) {
      const a = v.acc[j * vectors + q];
      if (e.fused) f.get(v.wv).get(v.xv[q]).get(a).f32x4RelaxedMadd().set(a);
      else f.get(v.wv).get(v.xv[q]).f32x4Mul().get(a).f32x4Add().set(a);
    }
  }
  f.get(v.xTap).i32Const(4).i32Add().set(v.xTap);
  f.get(v.wTap).i32Const(4).i32Add().set(v.wTap);
}
