/**
 * Batch normalisation's kernels in WebAssembly SIMD (batchnorm-js.ts has the definitions and the
 * layout: one ghost batch of `rows` examples, channel c of row r the `size` floats from
 * (r·channels + c)·size). Each channel's runs are walked four floats at a time, then one; sums
 * gather in one f32x4 and one f32, added across the lanes at the end, so they are float32 where
 * the JS kernels' are float64: the two agree within rounding.
 *  - bn_moments(x, rows, channels, size, mean, variance)
 *  - bn_normalise(x, rows, channels, size, mean, invStd, gamma, beta, xhat, y)
 *  - bn_backward(dy, xhat, rows, channels, size, gamma, invStd, dgamma, dbeta, dx): dx = 0 for none
 *  - bn_affine(x, rows, channels, size, scale, shift, y)
 */
import { f32, i32, v128, type FunctionBuilder } from '../wasm/assembler.js';
import { forCount, kernelModule } from './row-blocks.js';
import { forFloats } from './elementwise-simd.js';

/** Every function's first parameters after its first array (or two), by kind of function. */
interface Layout {
  rows: number;
  channels: number;
  size: number;
}

/** The loop counters and the byte offset of the current run, shared by every function. */
interface Loops {
  f: FunctionBuilder;
  p: Layout;
  c: number;
  r: number;
  off: number;
}

function loops(f: FunctionBuilder, p: Layout): Loops {
  return { f, p, c: f.local(i32), r: f.local(i32), off: f.local(i32) };
}

/** for c in channels: body() */
function forChannels(L: Loops, body: () => void): void {
  forCount(L.f, L.c, () => L.f.get(L.p.channels), body);
}

/** For each run of channel c: `off` = its byte offset, each pointer = its array's base + off, then body(). */
function forRuns(L: Loops, pointers: [number, number][], body: () => void): void {
  const { f, p } = L;
  forCount(f, L.r, () => f.get(p.rows), () => {
    f.get(L.r).get(p.channels).i32Mul().get(L.c).i32Add().get(p.size).i32Mul().i32Const(2).i32Shl().set(L.off);
    for (const [pointer, base] of pointers) f.get(base).get(L.off).i32Add().set(pointer);
    body();
  });
}

/** Pushes the address of element c of the per-channel array `base`. */
function channelAt(L: Loops, base: number): void {
  L.f.get(base).get(L.c).i32Const(2).i32Shl().i32Add();
}

/** Pushes (lanes of v added as (0 + 1) + (2 + 3)) + s. */
function total(f: FunctionBuilder, v: number, s: number): void {
  f.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1).f32Add();
  f.get(v).f32x4ExtractLane(2).get(v).f32x4ExtractLane(3).f32Add();
  f.f32Add().get(s).f32Add();
}

/** Sets the accumulators v (f32x4) and s (f32) to 0. */
function clear(f: FunctionBuilder, v: number, s: number): void {
  f.f32Const(0).f32x4Splat().set(v);
  f.f32Const(0).set(s);
}

/** Pushes n = rows·size as an f32. */
function count(L: Loops): void {
  L.f.get(L.p.rows).get(L.p.size).i32Mul().f32ConvertI32U();
}

function emitMoments(f: FunctionBuilder): void {
  const [X, ROWS, CHANNELS, SIZE, MEAN, VARIANCE] = [0, 1, 2, 3, 4, 5];
  const L = loops(f, { rows: ROWS, channels: CHANNELS, size: SIZE });
  const px = f.local(i32), v = f.local(v128), vm = f.local(v128), d = f.local(v128);
  const s = f.local(f32), m = f.local(f32), e = f.local(f32);
  forChannels(L, () => {
    clear(f, v, s);
    forRuns(L, [[px, X]], () => forFloats(f, SIZE, [px], () => {
      f.get(v).get(px).v128Load(0).f32x4Add().set(v);
    }, () => {
      f.get(s).get(px).f32Load(0).f32Add().set(s);
    }));
    total(f, v, s);
    count(L);
    f.f32Div().set(m);
    channelAt(L, MEAN);
    f.get(m).f32Store(0);
    f.get(m).f32x4Splat().set(vm);
    clear(f, v, s);
    forRuns(L, [[px, X]], () => forFloats(f, SIZE, [px], () => {
      f.get(px).v128Load(0).get(vm).f32x4Sub().set(d);
      f.get(v).get(d).get(d).f32x4Mul().f32x4Add().set(v);
    }, () => {
      f.get(px).f32Load(0).get(m).f32Sub().set(e);
      f.get(s).get(e).get(e).f32Mul().f32Add().set(s);
    }));
    channelAt(L, VARIANCE);
    total(f, v, s);
    count(L);
    f.f32Div().f32Store(0);
  });
}

function emitNormalise(f: FunctionBuilder): void {
  const [X, ROWS, CHANNELS, SIZE, MEAN, INV, GAMMA, BETA, XHAT, Y] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const L = loops(f, { rows: ROWS, channels: CHANNELS, size: SIZE });
  const px = f.local(i32), ph = f.local(i32), py = f.local(i32);
  const vm = f.local(v128), vi = f.local(v128), vg = f.local(v128), vb = f.local(v128), h = f.local(v128);
  const e = f.local(f32);
  forChannels(L, () => {
    for (const [array, splat] of [[MEAN, vm], [INV, vi], [GAMMA, vg], [BETA, vb]]) {
      channelAt(L, array);
      f.v128Load32Splat(0).set(splat);
    }
    forRuns(L, [[px, X], [ph, XHAT], [py, Y]], () => forFloats(f, SIZE, [px, ph, py], () => {
      f.get(ph).get(px).v128Load(0).get(vm).f32x4Sub().get(vi).f32x4Mul().tee(h).v128Store(0);
      f.get(py).get(vg).get(h).f32x4Mul().get(vb).f32x4Add().v128Store(0);
    }, () => {
      f.get(ph).get(px).f32Load(0).get(vm).f32x4ExtractLane(0).f32Sub().get(vi).f32x4ExtractLane(0).f32Mul().tee(e).f32Store(0);
      f.get(py).get(vg).f32x4ExtractLane(0).get(e).f32Mul().get(vb).f32x4ExtractLane(0).f32Add().f32Store(0);
    }));
  });
}

function emitBackward(f: FunctionBuilder): void {
  const [DY, XHAT, ROWS, CHANNELS, SIZE, GAMMA, INV, DGAMMA, DBETA, DX] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const L = loops(f, { rows: ROWS, channels: CHANNELS, size: SIZE });
  const pdy = f.local(i32), ph = f.local(i32), pdx = f.local(i32);
  const vdy = f.local(v128), vdyh = f.local(v128), vk = f.local(v128), vn = f.local(v128), va = f.local(v128), vb = f.local(v128);
  const sdy = f.local(f32), sdyh = f.local(f32), tdy = f.local(f32), tdyh = f.local(f32);
  forChannels(L, () => {
    clear(f, vdy, sdy);
    clear(f, vdyh, sdyh);
    forRuns(L, [[pdy, DY], [ph, XHAT]], () => forFloats(f, SIZE, [pdy, ph], () => {
      f.get(vdy).get(pdy).v128Load(0).f32x4Add().set(vdy);
      f.get(vdyh).get(pdy).v128Load(0).get(ph).v128Load(0).f32x4Mul().f32x4Add().set(vdyh);
    }, () => {
      f.get(sdy).get(pdy).f32Load(0).f32Add().set(sdy);
      f.get(sdyh).get(pdy).f32Load(0).get(ph).f32Load(0).f32Mul().f32Add().set(sdyh);
    }));
    total(f, vdy, sdy);
    f.set(tdy);
    total(f, vdyh, sdyh);
    f.set(tdyh);
    for (const [array, sum] of [[DGAMMA, tdyh], [DBETA, tdy]]) {
      channelAt(L, array);
      channelAt(L, array);
      f.f32Load(0).get(sum).f32Add().f32Store(0);
    }
    f.get(DX).if();
    // k = γ·invStd/n; dx = k·(n·dy − Σdy − x̂·Σdy·x̂)
    channelAt(L, GAMMA);
    f.f32Load(0);
    channelAt(L, INV);
    f.f32Load(0).f32Mul();
    count(L);
    f.f32Div().f32x4Splat().set(vk);
    count(L);
    f.f32x4Splat().set(vn);
    f.get(tdy).f32x4Splat().set(va);
    f.get(tdyh).f32x4Splat().set(vb);
    forRuns(L, [[pdy, DY], [ph, XHAT], [pdx, DX]], () => forFloats(f, SIZE, [pdy, ph, pdx], () => {
      f.get(pdx).get(vk).get(vn).get(pdy).v128Load(0).f32x4Mul().get(va).f32x4Sub().get(ph).v128Load(0).get(vb).f32x4Mul().f32x4Sub().f32x4Mul().v128Store(0);
    }, () => {
      f.get(pdx).get(vk).f32x4ExtractLane(0).get(vn).f32x4ExtractLane(0).get(pdy).f32Load(0).f32Mul().get(tdy).f32Sub().get(ph).f32Load(0).get(tdyh).f32Mul().f32Sub().f32Mul().f32Store(0);
    }));
    f.end();
  });
}

function emitAffine(f: FunctionBuilder): void {
  const [X, ROWS, CHANNELS, SIZE, SCALE, SHIFT, Y] = [0, 1, 2, 3, 4, 5, 6];
  const L = loops(f, { rows: ROWS, channels: CHANNELS, size: SIZE });
  const px = f.local(i32), py = f.local(i32), va = f.local(v128), vb = f.local(v128);
  forChannels(L, () => {
    channelAt(L, SCALE);
    f.v128Load32Splat(0).set(va);
    channelAt(L, SHIFT);
    f.v128Load32Splat(0).set(vb);
    forRuns(L, [[px, X], [py, Y]], () => forFloats(f, SIZE, [px, py], () => {
      f.get(py).get(px).v128Load(0).get(va).f32x4Mul().get(vb).f32x4Add().v128Store(0);
    }, () => {
      f.get(py).get(px).f32Load(0).get(va).f32x4ExtractLane(0).f32Mul().get(vb).f32x4ExtractLane(0).f32Add().f32Store(0);
    }));
  });
}

export function batchNormModule(): Uint8Array<ArrayBuffer> {
  const m = kernelModule();
  m.function('bn_moments', [i32, i32, i32, i32, i32, i32], [], emitMoments);
  m.function('bn_normalise', [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], [], emitNormalise);
  m.function('bn_backward', [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], [], emitBackward);
  m.function('bn_affine', [i32, i32, i32, i32, i32, i32, i32], [], emitAffine);
  return m.build();
}
