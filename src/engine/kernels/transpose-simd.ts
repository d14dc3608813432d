/**
 * A matrix transpose in WebAssembly SIMD, for products with a transposed right operand (dx =
 * dy·Wᵀ in a dense layer's backward): dst (cols × rows) = srcᵀ, src rows × cols. Blocks of 4 × 4
 * are loaded as four f32x4 rows and turned into four columns by eight shuffles; the edges past the
 * last whole block are copied one float at a time. A copy, so the same bits as a JS loop; the JS
 * loop it replaces was the largest fixed cost of the CNN preset's pass over a batch.
 *   transpose(src, rows, cols, dst)
 */
import { i32, v128, type FunctionBuilder } from '../wasm/assembler.js';
import { forCount, kernelModule } from './row-blocks.js';

/** i8x16.shuffle lanes picking f32 lanes (0..3 from a, 4..7 from b). */
const f32Lanes = (lanes: readonly number[]) => lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
const LOW_PAIRS = f32Lanes([0, 4, 1, 5]);
const HIGH_PAIRS = f32Lanes([2, 6, 3, 7]);
const LOW_HALVES = f32Lanes([0, 1, 4, 5]);
const HIGH_HALVES = f32Lanes([2, 3, 6, 7]);

/** transpose's parameters, in order. */
const [SRC, ROWS, COLS, DST] = [0, 1, 2, 3];

interface TransposeLocals {
  i: number; j: number; q4: number; rows4: number; cols4: number; at: number;
  a: number[];
  t: number[];
}

export function transposeModule(): Uint8Array<ArrayBuffer> {
  const m = kernelModule();
  m.function('transpose', [i32, i32, i32, i32], [], (f) => {
    // The locals in this order: their indices are part of the module's bytes.
    const i = f.local(i32), j = f.local(i32), q4 = f.local(i32), rows4 = f.local(i32), cols4 = f.local(i32), at = f.local(i32);
    const a = [0, 1, 2, 3].map(() => f.local(v128));
    const t = [0, 1, 2, 3].map(() => f.local(v128));
    const v: TransposeLocals = { i, j, q4, rows4, cols4, at, a, t };
    f.get(ROWS).i32Const(-4).i32And().set(rows4);
    f.get(COLS).i32Const(-4).i32And().set(cols4);
    // Whole 4 × 4 blocks.
    f.i32Const(0).set(i);
    whileBelow(f, i, rows4, 4, () => {
      f.i32Const(0).set(j);
      whileBelow(f, j, cols4, 4, () => block4(f, v));
      // This band's columns past the last whole block.
      f.get(cols4).set(j);
      whileBelow(f, j, COLS, 1, () => {
        forCount(f, q4, 4, () => {
          f.get(i).get(q4).i32Add().set(at);
          copyOne(f, at, j);
        });
      });
    });
    // The rows past the last whole band, every column.
    f.get(rows4).set(i);
    whileBelow(f, i, ROWS, 1, () => {
      f.i32Const(0).set(j);
      whileBelow(f, j, COLS, 1, () => copyOne(f, i, j));
    });
  });
  return m.build();
}

/** dst[j'][i'] = src[i'][j'] for one element, from the i32 locals holding i' and j'. */
function copyOne(f: FunctionBuilder, ii: number, jj: number): void {
  f.get(DST).get(jj).get(ROWS).i32Mul().get(ii).i32Add().i32Const(2).i32Shl().i32Add();
  f.get(SRC).get(ii).get(COLS).i32Mul().get(jj).i32Add().i32Const(2).i32Shl().i32Add().f32Load(0);
  f.f32Store(0);
}

/** Emits `for (; counter < limit; counter += step) body()`, limit a local, compared unsigned. */
function whileBelow(f: FunctionBuilder, counter: number, limit: number, step: number, body: () => void): void {
  f.block().loop();
  f.get(counter).get(limit).i32GeU().brIf(1);
  body();
  f.get(counter).i32Const(step).i32Add().set(counter).br(0);
  f.end().end();
}

/** The 4 × 4 block at (i, j): four rows loaded, shuffled into four columns, stored as dst's rows. */
function block4(f: FunctionBuilder, { i, j, at, a, t }: TransposeLocals): void {
  f.get(SRC).get(i).get(COLS).i32Mul().get(j).i32Add().i32Const(2).i32Shl().i32Add().set(at);
  for (let q = 0; q < 4; q++) {
    f.get(at).v128Load(0).set(a[q]);
    if (q < 3) f.get(at).get(COLS).i32Const(2).i32Shl().i32Add().set(at);
  }
  f.get(a[0]).get(a[1]).i8x16Shuffle(LOW_PAIRS).set(t[0]);
  f.get(a[0]).get(a[1]).i8x16Shuffle(HIGH_PAIRS).set(t[1]);
  f.get(a[2]).get(a[3]).i8x16Shuffle(LOW_PAIRS).set(t[2]);
  f.get(a[2]).get(a[3]).i8x16Shuffle(HIGH_PAIRS).set(t[3]);
  f.get(DST).get(j).get(ROWS).i32Mul().get(i).i32Add().i32Const(2).i32Shl().i32Add().set(at);
  for (let q = 0; q < 4; q++) {
    const [lo, hi] = q < 2 ? [t[0], t[2]] : [t[1], t[3]];
    f.get(at).get(lo).get(hi).i8x16Shuffle(q % 2 === 0 ? LOW_HALVES : HIGH_HALVES).v128Store(0);
    if (q < 3) f.get(at).get(ROWS).i32Const(2).i32Shl().i32Add().set(at);
  }
}
