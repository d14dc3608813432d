/**
 * The elementwise kernels in WebAssembly SIMD, four floats at a time with a scalar tail; each
 * gives exactly the JS kernel's result (elementwise-js.ts): a comparison or one float32 addition
 * per element, done the same way.
 *  - relu(x, y, count): y = pmax(0, x), which is x > 0 ? x : 0 lane by lane;
 *  - relu_backward(y, dy, dx, count): dx = dy where y > 0, else 0 (a mask and an and);
 *  - add_bias(y, b, rows, n): y[r, :] += b;
 *  - add_row_sums(x, sums, rows, n): sums += x[r, :], row after row (a bias gradient);
 *  - add_into(dst, src, count): dst += src (float32 sums: the same bits as JS, whose float64 sum of
 *    two float32 values rounds to the same float32); add_into_clear also zeroes src as it goes.
 */
import { i32, type FunctionBuilder } from '../wasm/assembler.js';
import { kernelModule } from './row-blocks.js';

/**
 * Emits a loop over `count` floats from byte addresses held in `pointers`: `vector()` for each
 * whole group of four, `scalar()` for each of the 0..3 left; the pointers advance by 16 or 4.
 */
export function forFloats(f: FunctionBuilder, count: number, pointers: number[], vector: () => void, scalar: () => void): void {
  const end = f.local(i32);
  const i = f.local(i32);
  f.i32Const(0).set(i);
  f.get(count).i32Const(4).i32Sub().set(end);
  const loop = (step: number, limit: () => void, body: () => void) => {
    f.block().loop();
    f.get(i);
    limit();
    f.i32GeS().brIf(1);
    body();
    for (const p of pointers) f.get(p).i32Const(step * 4).i32Add().set(p);
    f.get(i).i32Const(step).i32Add().set(i).br(0);
    f.end().end();
  };
  loop(4, () => f.get(end).i32Const(1).i32Add(), vector);
  loop(1, () => f.get(count), scalar);
}

export function elementwiseModule(): Uint8Array<ArrayBuffer> {
  const m = kernelModule();
  m.function('relu', [i32, i32, i32], [], (f) => {
    const [x, y, count] = [0, 1, 2];
    forFloats(f, count, [x, y], () => {
      f.get(y).f32Const(0).f32x4Splat().get(x).v128Load(0).f32x4Pmax().v128Store(0);
    }, () => {
      f.get(y).get(x).f32Load(0).f32Const(0).get(x).f32Load(0).f32Const(0).f32Gt().select().f32Store(0);
    });
  });
  m.function('relu_backward', [i32, i32, i32, i32], [], (f) => {
    const [y, dy, dx, count] = [0, 1, 2, 3];
    forFloats(f, count, [y, dy, dx], () => {
      f.get(dx).get(y).v128Load(0).f32Const(0).f32x4Splat().f32x4Gt().get(dy).v128Load(0).v128And().v128Store(0);
    }, () => {
      f.get(dx).get(dy).f32Load(0).f32Const(0).get(y).f32Load(0).f32Const(0).f32Gt().select().f32Store(0);
    });
  });
  for (const clear of [false, true]) {
    m.function(clear ? 'add_into_clear' : 'add_into', [i32, i32, i32], [], (f) => {
      const [dst, src, count] = [0, 1, 2];
      forFloats(f, count, [dst, src], () => {
        f.get(dst).get(dst).v128Load(0).get(src).v128Load(0).f32x4Add().v128Store(0);
        if (clear) f.get(src).f32Const(0).f32x4Splat().v128Store(0);
      }, () => {
        f.get(dst).get(dst).f32Load(0).get(src).f32Load(0).f32Add().f32Store(0);
        if (clear) f.get(src).f32Const(0).f32Store(0);
      });
    });
  }
  // add_bias: each row of y += b; add_row_sums: b += each row of y. Both walk y row by row, b anew each row.
  for (const [name, into] of [['add_bias', 'rows'], ['add_row_sums', 'vector']] as const) {
    m.function(name, [i32, i32, i32, i32], [], (f) => {
      const [y, b, rows, n] = [0, 1, 2, 3];
      const r = f.local(i32);
      const bAt = f.local(i32);
      const [dst, src] = into === 'rows' ? [y, bAt] : [bAt, y];
      f.i32Const(0).set(r);
      f.block().loop();
      f.get(r).get(rows).i32GeU().brIf(1);
      f.get(b).set(bAt);
      forFloats(f, n, [y, bAt], () => {
        f.get(dst).get(dst).v128Load(0).get(src).v128Load(0).f32x4Add().v128Store(0);
      }, () => {
        f.get(dst).get(dst).f32Load(0).get(src).f32Load(0).f32Add().f32Store(0);
      });
      f.get(r).i32Const(1).i32Add().set(r).br(0);
      f.end().end();
    });
  }
  return m.build();
}
