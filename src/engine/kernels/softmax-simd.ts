/**
 * Softmax cross-entropy's gradient in WebAssembly SIMD, emitted for one class count n (the JS
 * definition is model/loss.ts). WebAssembly has no exp, so the module carries its own: the
 * Cephes expf (Cody-Waite reduction by ln 2, a degree-7 polynomial, the power of two built in the
 * exponent bits), within 2 float32 ulps of exp over the range it is used on, four lanes at a time.
 *  - softmax_xent(logits, labels, rows, grad, scale, stats): for each row, its maximum m, the
 *    sum s of exp(z − m), and grad = scale·(exp(z − m)/s − onehot(label)); stats gets [m, s] per
 *    row, from which the caller adds up the loss, log(s) − (z_label − m) (a log per row in JS);
 *  - exp(x, y, count): y = exp(x), for testing the exp against Math.exp.
 * Logits are max-subtracted, so every exp argument is ≤ 0; arguments below −87.3 give about
 * 2^−126 (1.2e-38) instead of a denormal or 0, a difference no loss or gradient in float32 can show.
 */
import { f32, i32, v128, type FunctionBuilder } from '../wasm/assembler.js';
import { forRows, kernelModule } from './row-blocks.js';
import { forFloats } from './elementwise-simd.js';

const LOG2E = 1.44269504088896341;
/** ln 2 = LN2_HIGH − LN2_LOW: k·LN2_HIGH is exact in float32 for the k that occur. */
const LN2_HIGH = 0.693359375;
const LN2_LOW = 2.12194440e-4;
/** Cephes expf: exp(r) ≈ 1 + r + r²·P(r) for |r| ≤ ln(2)/2, P's coefficients from the highest. */
const EXP_POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
const EXP_MIN = -87.33654; // exp(EXP_MIN) ≈ 2^−126, the smallest normal float32
const EXP_MAX = 88.37626; // just below float32's largest power of two, 2^127

/** Leaves exp(x) lane-wise on the stack; x and k are scratch v128 locals (x is overwritten). */
function exp4(f: FunctionBuilder, x: number, k: number): void {
  const splat = (c: number) => f.f32Const(c).f32x4Splat();
  // x = clamp(x); k = nearest(x·log2(e)); r = x − k·ln 2 (in two parts, so r stays exact)
  f.get(x);
  splat(EXP_MIN);
  f.f32x4Max();
  splat(EXP_MAX);
  f.f32x4Min().set(x);
  f.get(x);
  splat(LOG2E);
  f.f32x4Mul().f32x4Nearest().set(k);
  f.get(x).get(k);
  splat(LN2_HIGH);
  f.f32x4Mul().f32x4Sub().get(k);
  splat(LN2_LOW);
  f.f32x4Mul().f32x4Add().set(x);
  // P(r) by Horner, then 1 + r + r²·P(r)
  splat(EXP_POLY[0]);
  for (const c of EXP_POLY.slice(1)) {
    f.get(x).f32x4Mul();
    splat(c);
    f.f32x4Add();
  }
  f.get(x).get(x).f32x4Mul().f32x4Mul().get(x).f32x4Add();
  splat(1);
  f.f32x4Add();
  // × 2^k, made as the float whose exponent bits are k + 127
  f.get(k).i32x4TruncSatF32x4S().i32Const(127).i32x4Splat().i32x4Add().i32Const(23).i32x4Shl().f32x4Mul();
}

export function softmaxModule(n: number): Uint8Array<ArrayBuffer> {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`softmaxModule: ${n} classes`);
  const m = kernelModule();
  m.function('exp', [i32, i32, i32], [], (f) => emitExp(f));
  m.function('softmax_xent', [i32, i32, i32, i32, f32, i32], [], (f) => emitSoftmaxXent(f, n));
  return m.build();
}

/** exp(x, y, count): y = exp(x), four lanes at a time, then one. */
function emitExp(f: FunctionBuilder): void {
  const [x, y, count] = [0, 1, 2];
  const a = f.local(v128), k = f.local(v128);
  forFloats(f, count, [x, y], () => {
    f.get(x).v128Load(0).set(a);
    f.get(y);
    exp4(f, a, k);
    f.v128Store(0);
  }, () => {
    f.get(x).f32Load(0).f32x4Splat().set(a);
    f.get(y);
    exp4(f, a, k);
    f.f32x4ExtractLane(0).f32Store(0);
  });
}

/** softmax_xent's parameters, in order. */
const [LOGITS, LABELS, ROWS, GRAD, SCALE, STATS] = [0, 1, 2, 3, 4, 5];

/** What a softmax_xent emitter step needs: the row's layout and the function's locals. */
interface RowEmitter {
  f: FunctionBuilder;
  /** A row is `vectors` whole f32x4 and a tail of 0..3 floats at byte `tailAt`, every offset a constant. */
  vectors: number;
  tail: number;
  tailAt: number;
  r: number; j: number; z: number; g: number;
  max: number; sum: number; e: number;
  vmax: number; vsum: number; vscale: number; a: number; k: number;
}

function emitSoftmaxXent(f: FunctionBuilder, n: number): void {
  // The locals in this order: their indices are part of the module's bytes.
  const r = f.local(i32), j = f.local(i32), z = f.local(i32), g = f.local(i32);
  const max = f.local(f32), sum = f.local(f32), e = f.local(f32);
  const vmax = f.local(v128), vsum = f.local(v128), vscale = f.local(v128), a = f.local(v128), k = f.local(v128);
  const vectors = Math.floor(n / 4);
  const row: RowEmitter = { f, vectors, tail: n % 4, tailAt: 16 * vectors, r, j, z, g, max, sum, e, vmax, vsum, vscale, a, k };
  forRows(f, ROWS, r, () => {
    f.get(LOGITS).get(r).i32Const(n * 4).i32Mul().i32Add().set(z);
    f.get(GRAD).get(r).i32Const(n * 4).i32Mul().i32Add().set(g);
    rowMax(row);
    rowExps(row);
    scaleRow(row);
    // stats[r] = [max, sum]
    f.get(STATS).get(r).i32Const(3).i32Shl().i32Add().tee(j).get(max).f32Store(0);
    f.get(j).get(sum).f32Store(4);
  });
}

/**
 * The row's maximum into `max`: lane-wise over the whole vectors (pmax keeps the left operand
 * unless the right is larger, so a NaN never wins there either), then across the lanes, then the tail.
 */
function rowMax(row: RowEmitter): void {
  const { f, vectors, tail, tailAt, z, max, e, vmax } = row;
  /** max = `x > max ? x : max` for the f32 on the stack (as the JS loss: NaN never wins). */
  const keepLarger = () => f.tee(e).get(max).get(e).get(max).f32Gt().select().set(max);
  if (vectors > 0) {
    f.get(z).v128Load(0).set(vmax);
    for (let v = 1; v < vectors; v++) f.get(vmax).get(z).v128Load(16 * v).f32x4Pmax().set(vmax);
    f.get(vmax).f32x4ExtractLane(0).set(max);
    for (let l = 1; l < 4; l++) {
      f.get(vmax).f32x4ExtractLane(l);
      keepLarger();
    }
  } else {
    f.get(z).f32Load(0).set(max);
  }
  for (let q = vectors > 0 ? 0 : 1; q < tail; q++) {
    f.get(z).f32Load(tailAt + 4 * q);
    keepLarger();
  }
}

/**
 * grad = exp(z − max), summed into `sum` four lanes at a time; the tail's exps in one vector too,
 * its lanes then stored and summed one by one.
 */
function rowExps(row: RowEmitter): void {
  const { f, vectors, tail, tailAt, z, g, max, sum, e, vmax, vsum, a, k } = row;
  f.get(max).f32x4Splat().set(vmax);
  f.f32Const(0).f32x4Splat().set(vsum);
  f.f32Const(0).set(sum);
  for (let v = 0; v < vectors; v++) {
    f.get(z).v128Load(16 * v).get(vmax).f32x4Sub().set(a);
    exp4(f, a, k);
    f.set(a);
    f.get(g).get(a).v128Store(16 * v);
    f.get(vsum).get(a).f32x4Add().set(vsum);
  }
  if (tail > 0) {
    if (tail === 1) f.get(z).f32Load(tailAt).f32x4Splat();
    else f.get(z).v128Load64Zero(tailAt);
    if (tail === 3) f.get(z).f32Load(tailAt + 8).f32x4ReplaceLane(2);
    f.get(vmax).f32x4Sub().set(a);
    exp4(f, a, k);
    f.set(a);
    for (let q = 0; q < tail; q++) {
      f.get(g).get(a).f32x4ExtractLane(q).tee(e).f32Store(tailAt + 4 * q);
      f.get(sum).get(e).f32Add().set(sum);
    }
  }
  f.get(vsum).f32x4ExtractLane(0).get(vsum).f32x4ExtractLane(1).f32Add().get(vsum).f32x4ExtractLane(2).get(vsum).f32x4ExtractLane(3).f32Add().f32Add().get(sum).f32Add().set(sum);
}

/** grad ×= scale / sum, then grad[label] −= scale. */
function scaleRow(row: RowEmitter): void {
  const { f, vectors, tail, tailAt, r, j, g, sum, e, vscale } = row;
  f.get(SCALE).get(sum).f32Div().tee(e).f32x4Splat().set(vscale);
  for (let v = 0; v < vectors; v++) f.get(g).get(g).v128Load(16 * v).get(vscale).f32x4Mul().v128Store(16 * v);
  for (let q = 0; q < tail; q++) f.get(g).get(g).f32Load(tailAt + 4 * q).get(e).f32Mul().f32Store(tailAt + 4 * q);
  f.get(LABELS).get(r).i32Const(2).i32Shl().i32Add().i32Load(0).i32Const(2).i32Shl().get(g).i32Add().tee(j);
  f.get(j).f32Load(0).get(SCALE).f32Sub().f32Store(0);
}
