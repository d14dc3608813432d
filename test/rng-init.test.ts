import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng, mixSeed, mixSeedMore, softmaxRegression, mlp, normal, zeros, glorot, he, initialize } from '../src/engine/index.js';
import { assertSameBits, firstDifference } from './helpers/bits.js';

test('the same seed gives bit-identical initial weights; another seed others', () => {
  const a = mlp({ hidden: [32] }).initialize(5);
  const b = mlp({ hidden: [32] }).initialize(5);
  const c = mlp({ hidden: [32] }).initialize(6);
  assertSameBits(a.params, b.params, 'parameters');
  assert.not.equal(Array.from(a.params.subarray(0, 50)), Array.from(c.params.subarray(0, 50)));
});

test('the bit comparison the determinism tests use: one flipped bit, -0 against 0, a shorter array', () => {
  const a = new Float32Array(100_000).fill(0.5);
  const b = Float32Array.from(a);
  assert.is(firstDifference(a, b), -1);
  new Uint8Array(b.buffer)[4 * 70_000 + 1] ^= 1;
  assert.is(firstDifference(a, b), 4 * 70_000 + 1);
  // (uvu's assert.throws passes its own assertions' errors on, so catch it here)
  let message = '';
  try {
    assertSameBits(a, b, 'w');
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /^w: differ from byte 280001 on/);
  assert.is(firstDifference(Float32Array.of(0), Float32Array.of(-0)), 3, '-0 is another bit pattern, though -0 === 0');
  assert.is(firstDifference(a, a.subarray(0, 10)), 40);
});

test('the tutorial model: W ~ N(0, 1) [784, 10], b = 0 [10]', () => {
  const m = softmaxRegression().initialize(0);
  assert.equal(m.entries.map((e) => [e.name, e.shape]), [['dense0.weight', [784, 10]], ['dense0.bias', [10]]]);
  const w = m.param('dense0.weight');
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
  assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 0.05, `std ${std}`);
  assert.ok(m.param('dense0.bias').every((v) => v === 0));
});

test('initialisers have their advertised scale', () => {
  const rng = new Rng(3);
  const out = new Float32Array(20000);
  const stdOf = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
  initialize(out, he(), 100, 50, rng);
  assert.ok(Math.abs(stdOf(out) - Math.sqrt(2 / 100)) < 0.01);
  initialize(out, glorot(), 100, 50, rng);
  const limit = Math.sqrt(6 / 150);
  assert.ok(out.every((v) => Math.abs(v) <= limit));
  assert.ok(Math.abs(stdOf(out) - limit / Math.sqrt(3)) < 0.01);
  initialize(out, normal(0.1), 1, 1, rng);
  assert.ok(Math.abs(stdOf(out) - 0.1) < 0.005);
  initialize(out, zeros(), 1, 1, rng);
  assert.ok(out.every((v) => v === 0));
});

test('the RNG state round-trips, so a stream can resume', () => {
  const a = new Rng(99);
  for (let i = 0; i < 7; i++) a.normal();
  const b = new Rng(0).setState(a.getState());
  for (let i = 0; i < 20; i++) assert.is(b.normal(), a.normal());
  const u = Array.from({ length: 1000 }, () => a.uniform());
  assert.ok(u.every((v) => v >= 0 && v < 1));
  assert.ok(Array.from({ length: 1000 }, () => a.int(7)).every((v) => Number.isInteger(v) && v >= 0 && v < 7));
});

test('int and shuffle draw what the modulo definition draws (bound 2^32 − 2^32 % n, then x % n), rejections included', () => {
  /** The definition, from the raw stream. */
  const intByModulo = (r: Rng, n: number) => {
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = r.nextUint32();
      if (x < limit) return x % n;
    }
  };
  // Small and huge n: near 2^32 about a third of the draws are rejected (n = 3·2^30: limit = n).
  for (const n of [1, 2, 3, 7, 10, 55000, 65537, 2 ** 31 - 1, 2 ** 31, 3 * 2 ** 30, 2 ** 32 - 5, 2 ** 32]) {
    for (let seed = 0; seed < 5; seed++) {
      const fast = new Rng(seed);
      const slow = new Rng(seed);
      for (let i = 0; i < 2000; i++) assert.is(fast.int(n), intByModulo(slow, n), `n = ${n}, seed ${seed}, draw ${i}`);
      assert.is(fast.nextUint32(), slow.nextUint32(), `n = ${n}: the stream is where the definition leaves it`);
    }
  }
  for (const length of [0, 1, 2, 10, 1000, 55000]) {
    const a = Int32Array.from({ length }, (_, i) => i);
    const b = a.slice();
    new Rng(length).shuffle(a);
    const slow = new Rng(length);
    for (let i = length - 1; i > 0; i--) {
      const j = intByModulo(slow, i + 1);
      [b[i], b[j]] = [b[j], b[i]];
    }
    assertSameBits(a, b, `shuffle of ${length}`);
  }
});

test('fillMask draws what uniform() < rate would, bit for bit, and leaves the generator where uniform() would', () => {
  for (const rate of [0, 1e-9, 0.1, 0.25, 0.5, 0.999999, 1 - 2 ** -53]) {
    for (let seed = 0; seed < 20; seed++) {
      const fast = new Rng(seed);
      const slow = new Rng(seed);
      const mask = new Float32Array(300).fill(7);
      fast.fillMask(mask, 50, 200, rate, 1.5);
      for (let i = 0; i < 300; i++) {
        const want = i < 50 || i >= 250 ? 7 : slow.uniform() < rate ? 0 : 1.5;
        assert.is(mask[i], want, `rate ${rate}, seed ${seed}, element ${i}`);
      }
      assert.is(fast.nextUint32(), slow.nextUint32(), `rate ${rate}, seed ${seed}: the state after`);
    }
  }
  // At the boundary: a rate equal to the first draw keeps it (u < u is false); one step above drops it.
  for (let seed = 0; seed < 20; seed++) {
    const u = new Rng(seed).uniform();
    const mask = new Float32Array(1);
    new Rng(seed).fillMask(mask, 0, 1, u, 2);
    assert.is(mask[0], 2, `seed ${seed}: rate equal to the draw`);
    new Rng(seed).fillMask(mask, 0, 1, u + 2 ** -53, 2);
    assert.is(mask[0], 0, `seed ${seed}: rate just above the draw`);
  }
});

/** splitmix32 as a generator, the way it is usually written: the definition seeding is checked against. */
function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

test('seeding: the state is the first four outputs of splitmix32; mixSeed chains its first output; reseed starts the stream of new Rng(seed)', () => {
  const seeds = [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 123456789];
  for (const seed of seeds) {
    const next = splitmix32(seed);
    assert.equal(new Rng(seed).getState(), { s: [next(), next(), next(), next()], spare: null }, `seed ${seed}`);
  }
  const mixed = (...parts: number[]) => parts.reduce((h, p) => splitmix32((h ^ (p >>> 0)) >>> 0)(), 0x811c9dc5);
  for (const parts of [[], [0], [5, 1], [3, 7, 2, 40], [-1, 0xffffffff, 2 ** 31, 12345], [1, 2, 3, 4, 5, 6]]) {
    assert.is(mixSeed(...parts), mixed(...parts), `mixSeed(${parts.join(', ')})`);
    if (parts.length > 0) assert.is(mixSeedMore(mixSeed(...parts.slice(0, -1)), parts[parts.length - 1]), mixed(...parts), `mixSeedMore onto mixSeed(${parts.slice(0, -1).join(', ')})`);
  }
  // One generator reseeded (after draws that leave a Box-Muller value waiting) gives each fresh one's stream.
  const reused = new Rng(99);
  for (const seed of seeds) {
    reused.normal();
    reused.reseed(seed);
    const fresh = new Rng(seed);
    for (let i = 0; i < 5; i++) assert.is(reused.normal(), fresh.normal(), `seed ${seed}, draw ${i}`);
    assert.is(reused.nextUint32(), fresh.nextUint32(), `seed ${seed}: the state after`);
  }
});

test.run();
