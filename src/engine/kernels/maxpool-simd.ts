/**
 * 2×2 max-pooling in WebAssembly SIMD, emitted for one plane size h × w (the JS definition is
 * maxpool-js.ts). Four outputs at a time: two rows of eight inputs are loaded,
 * split into the windows' four corners (even and odd columns, by byte shuffles), and the maximum
 * and its index are kept by comparison masks, corner by corner in reading order, so ties go to
 * the first as in JS, and a NaN never wins (x > best is false for it). No branches: the JS loop's
 * three data-dependent ifs per output mispredicted about half the time on ReLU-free conv outputs.
 *  - max_pool2(x, planes, y, arg): y = the window maxima of `planes` planes of h × w at x;
 *    arg = the index of each maximum in x, counted in elements from x's first;
 *  - max_pool2_backward(dy, arg, planes, dx): every input of a window gets 0, but the one at arg,
 *    which gets the window's dy (written, not added: windows do not overlap). Inputs outside every
 *    window (an odd last row or column) are left as they are: the caller zeroes them.
 */
import { i32, v128, type FunctionBuilder } from '../wasm/assembler.js';
import { forCount, kernelModule } from './row-blocks.js';

/** Byte lanes of the even (0, 2, 4, 6) and odd (1, 3, 5, 7) floats of two f32x4 vectors. */
const EVEN = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const ODD = [4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31];

/**
 * Emits the walk both kernels share over `planes` planes of h × w: each row of windows four
 * windows at a time (`four()`), then the 0..3 left one at a time (`one()`). In the bodies, local
 * `p` is the byte address (from `base`) of the first window's top-left input and `index` its
 * element index; `perWindow` pointers advance 4 bytes a window.
 */
function forWindows(f: FunctionBuilder, h: number, w: number, planes: number, base: number, perWindow: number[], p: number, index: number, four: () => void, one: () => void): void {
  const plane = f.local(i32), yy = f.local(i32), xx = f.local(i32);
  const advance = (windows: number) => {
    for (const q of perWindow) f.get(q).i32Const(4 * windows).i32Add().set(q);
    f.get(p).i32Const(8 * windows).i32Add().set(p);
    f.get(index).i32Const(2 * windows).i32Add().set(index);
  };
  forCount(f, plane, () => f.get(planes), () => {
    forCount(f, yy, Math.floor(h / 2), () => {
      f.get(plane).i32Const(h * w).i32Mul().get(yy).i32Const(2 * w).i32Mul().i32Add().set(index);
      f.get(base).get(index).i32Const(2).i32Shl().i32Add().set(p);
      forCount(f, xx, Math.floor(w / 8), () => {
        four();
        advance(4);
      });
      for (let t = 0; t < Math.floor(w / 2) % 4; t++) {
        one();
        advance(1);
      }
    });
  });
}

export function maxPool2Module(h: number, w: number): Uint8Array<ArrayBuffer> {
  if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 2 && w >= 2)) throw new RangeError(`maxPool2Module: plane ${h}×${w}`);
  const m = kernelModule();
  m.function('max_pool2', [i32, i32, i32, i32], [], (f) => emitMaxPool2(f, h, w));
  m.function('max_pool2_backward', [i32, i32, i32, i32], [], (f) => emitMaxPool2Backward(f, h, w));
  return m.build();
}

function emitMaxPool2(f: FunctionBuilder, h: number, w: number): void {
  const [x, planes, y, arg] = [0, 1, 2, 3];
  const p = f.local(i32), index = f.local(i32);
  const best = f.local(v128), at = f.local(v128), idx = f.local(v128), mask = f.local(v128), r0a = f.local(v128), r0b = f.local(v128), corner = f.local(v128);
  // corner = (the window corner's values); keeps the larger in best, its index (idx + step) in at
  const keep = (step: number) => {
    f.get(corner).get(best).f32x4Gt().set(mask);
    f.get(corner).get(best).get(mask).v128Bitselect().set(best);
    f.get(idx).i32Const(step).i32x4Splat().i32x4Add().get(at).get(mask).v128Bitselect().set(at);
  };
  forWindows(f, h, w, planes, x, [y, arg], p, index, () => {
    f.get(p).v128Load(0).set(r0a);
    f.get(p).v128Load(16).set(r0b);
    f.get(index).i32x4Splat().i32x4Const([0, 2, 4, 6]).i32x4Add().tee(idx).set(at);
    f.get(r0a).get(r0b).i8x16Shuffle(EVEN).set(best);
    f.get(r0a).get(r0b).i8x16Shuffle(ODD).set(corner);
    keep(1);
    f.get(p).v128Load(4 * w).set(r0a);
    f.get(p).v128Load(4 * w + 16).set(r0b);
    f.get(r0a).get(r0b).i8x16Shuffle(EVEN).set(corner);
    keep(w);
    f.get(r0a).get(r0b).i8x16Shuffle(ODD).set(corner);
    keep(w + 1);
    f.get(y).get(best).v128Store(0);
    f.get(arg).get(at).v128Store(0);
  }, () => {
    // one window: lane 0 of the same steps
    f.get(p).f32Load(0).f32x4Splat().set(best);
    f.get(index).i32x4Splat().tee(idx).set(at);
    f.get(p).f32Load(4).f32x4Splat().set(corner);
    keep(1);
    f.get(p).f32Load(4 * w).f32x4Splat().set(corner);
    keep(w);
    f.get(p).f32Load(4 * w + 4).f32x4Splat().set(corner);
    keep(w + 1);
    f.get(y).get(best).f32x4ExtractLane(0).f32Store(0);
    f.get(arg).get(at).i32x4ExtractLane(0).i32Store(0);
  });
}

/** Byte lanes that interleave two vectors' low (or high) halves back into eight floats. */
const INTERLEAVE_LOW = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const INTERLEAVE_HIGH = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];

/**
 * For four windows: the gradient of corner k is dy where arg = idx + step_k, else 0; each row's
 * two corners are interleaved back into eight floats.
 */
function emitMaxPool2Backward(f: FunctionBuilder, h: number, w: number): void {
  const [dy, arg, planes, dx] = [0, 1, 2, 3];
  const p = f.local(i32), index = f.local(i32);
  const d = f.local(v128), at = f.local(v128), idx = f.local(v128), left = f.local(v128), right = f.local(v128);
  /** Pushes dy where arg = idx + step, else 0; + 0 turns a −0 into 0, as JS's 0 + dy does. */
  const corner = (step: number) => {
    f.get(d).get(at).get(idx).i32Const(step).i32x4Splat().i32x4Add().i32x4Eq().v128And().f32Const(0).f32x4Splat().f32x4Add();
  };
  forWindows(f, h, w, planes, dx, [dy, arg], p, index, () => {
    f.get(dy).v128Load(0).set(d);
    f.get(arg).v128Load(0).set(at);
    f.get(index).i32x4Splat().i32x4Const([0, 2, 4, 6]).i32x4Add().set(idx);
    for (const [row, steps] of [[0, [0, 1]], [4 * w, [w, w + 1]]] as const) {
      corner(steps[0]);
      f.set(left);
      corner(steps[1]);
      f.set(right);
      f.get(p).get(left).get(right).i8x16Shuffle(INTERLEAVE_LOW).v128Store(row);
      f.get(p).get(left).get(right).i8x16Shuffle(INTERLEAVE_HIGH).v128Store(row + 16);
    }
  }, () => {
    f.get(dy).f32Load(0).f32x4Splat().set(d);
    f.get(arg).i32Load(0).i32x4Splat().set(at);
    f.get(index).i32x4Splat().set(idx);
    for (const [offset, step] of [[0, 0], [4, 1], [4 * w, w], [4 * w + 4, w + 1]] as const) {
      f.get(p);
      corner(step);
      f.f32x4ExtractLane(0).f32Store(offset);
    }
  });
}
