/**
 * The optimisers' updates in WebAssembly SIMD (optimizer-js.ts is the reference): the same
 * formulas, four parameters at a time, in float32 (the JS ones compute in float64 and round on
 * store, so the two agree within rounding). Each runs over a range [start, end) of the
 * parameters, given as byte addresses of its first element and a count. Each comes twice: as
 * `name`, and as `name_clear`, which also stores 0 over the gradient it has just read.
 */
import { f32, i32, v128, type FunctionBuilder, type ModuleBuilder } from '../wasm/assembler.js';
import { kernelModule } from './row-blocks.js';
import { forFloats } from './elementwise-simd.js';

/** Vector locals holding each f32 parameter splatted, so the loops read them from registers. */
function splats(f: FunctionBuilder, params: number[]): number[] {
  return params.map((p) => {
    const l = f.local(v128);
    f.get(p).f32x4Splat().set(l);
    return l;
  });
}

/** Wraps a loop body so that, with `clear`, it ends by zeroing the gradient it read (at `g`). */
function clearing(f: FunctionBuilder, clear: boolean, g: number, width: 'vector' | 'scalar', body: () => void): () => void {
  if (!clear) return body;
  return () => {
    body();
    if (width === 'vector') f.get(g).f32Const(0).f32x4Splat().v128Store(0);
    else f.get(g).f32Const(0).f32Store(0);
  };
}

export function optimizerModule(): Uint8Array<ArrayBuffer> {
  const m = kernelModule();
  for (const clear of [false, true]) emitUpdates(m, clear);
  return m.build();
}

function emitUpdates(m: ModuleBuilder, clear: boolean): void {
  const name = (base: string) => (clear ? `${base}_clear` : base);
  // sgd_update(p, g, count, lr, wd): p −= lr·(g + wd·p)
  m.function(name('sgd_update'), [i32, i32, i32, f32, f32], [], (f) => {
    const [p, g, count, lr, wd] = [0, 1, 2, 3, 4];
    const [vlr, vwd] = splats(f, [lr, wd]);
    forFloats(f, count, [p, g], clearing(f, clear, g, 'vector', () => {
      f.get(p).get(p).v128Load(0).get(vlr).get(g).v128Load(0).get(vwd).get(p).v128Load(0).f32x4Mul().f32x4Add().f32x4Mul().f32x4Sub().v128Store(0);
    }), clearing(f, clear, g, 'scalar', () => {
      f.get(p).get(p).f32Load(0).get(lr).get(g).f32Load(0).get(wd).get(p).f32Load(0).f32Mul().f32Add().f32Mul().f32Sub().f32Store(0);
    }));
  });
  // momentum_update(p, g, v, count, lr, mu, wd): v = mu·v + g + wd·p; p −= lr·v
  m.function(name('momentum_update'), [i32, i32, i32, i32, f32, f32, f32], [], (f) => {
    const [p, g, v, count, lr, mu, wd] = [0, 1, 2, 3, 4, 5, 6];
    const [vlr, vmu, vwd] = splats(f, [lr, mu, wd]);
    const nv = f.local(v128);
    const sv = f.local(f32);
    forFloats(f, count, [p, g, v], clearing(f, clear, g, 'vector', () => {
      f.get(vmu).get(v).v128Load(0).f32x4Mul().get(g).v128Load(0).f32x4Add().get(vwd).get(p).v128Load(0).f32x4Mul().f32x4Add().set(nv);
      f.get(v).get(nv).v128Store(0);
      f.get(p).get(p).v128Load(0).get(vlr).get(nv).f32x4Mul().f32x4Sub().v128Store(0);
    }), clearing(f, clear, g, 'scalar', () => {
      f.get(mu).get(v).f32Load(0).f32Mul().get(g).f32Load(0).f32Add().get(wd).get(p).f32Load(0).f32Mul().f32Add().set(sv);
      f.get(v).get(sv).f32Store(0);
      f.get(p).get(p).f32Load(0).get(lr).get(sv).f32Mul().f32Sub().f32Store(0);
    }));
  });
  // adam_update(p, g, m, v, count, a, e, b1, b2, l2, shrink, c1, c2) with c1 = 1 − β1 and c2 = 1 − β2
  // worked out in float64 by the caller: 1 − float32(0.999) would be 5e-5 off 0.001.
  m.function(name('adam_update'), [i32, i32, i32, i32, i32, f32, f32, f32, f32, f32, f32, f32, f32], [], (f) => {
    const [p, g, mm, v, count, a, e, b1, b2, l2, shrink, c1, c2] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const [va, ve, vb1, vb2, vl2, vshrink, vc1, vc2] = splats(f, [a, e, b1, b2, l2, shrink, c1, c2]);
    const gi = f.local(v128), nm = f.local(v128), nv = f.local(v128);
    const sg = f.local(f32), sm = f.local(f32), sv = f.local(f32);
    forFloats(f, count, [p, g, mm, v], clearing(f, clear, g, 'vector', () => {
      f.get(g).v128Load(0).get(vl2).get(p).v128Load(0).f32x4Mul().f32x4Add().set(gi);
      f.get(vb1).get(mm).v128Load(0).f32x4Mul().get(vc1).get(gi).f32x4Mul().f32x4Add().set(nm);
      f.get(vb2).get(v).v128Load(0).f32x4Mul().get(vc2).get(gi).f32x4Mul().get(gi).f32x4Mul().f32x4Add().set(nv);
      f.get(mm).get(nm).v128Store(0);
      f.get(v).get(nv).v128Store(0);
      f.get(p).get(p).v128Load(0).get(vshrink).f32x4Mul().get(va).get(nm).f32x4Mul().get(nv).f32x4Sqrt().get(ve).f32x4Add().f32x4Div().f32x4Sub().v128Store(0);
    }), clearing(f, clear, g, 'scalar', () => {
      f.get(g).f32Load(0).get(l2).get(p).f32Load(0).f32Mul().f32Add().set(sg);
      f.get(b1).get(mm).f32Load(0).f32Mul().get(c1).get(sg).f32Mul().f32Add().set(sm);
      f.get(b2).get(v).f32Load(0).f32Mul().get(c2).get(sg).f32Mul().get(sg).f32Mul().f32Add().set(sv);
      f.get(mm).get(sm).f32Store(0);
      f.get(v).get(sv).f32Store(0);
      f.get(p).get(p).f32Load(0).get(shrink).f32Mul().get(a).get(sm).f32Mul().get(sv).f32Sqrt().get(e).f32Add().f32Div().f32Sub().f32Store(0);
    }));
  });
}
