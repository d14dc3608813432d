/**
 * Seeded randomness: xoshiro128** (Blackman and Vigna), seeded through splitmix32.
 * Small, fast, well studied, and its whole state is four 32-bit words (getState/setState).
 * Training itself keeps no generator running across steps: the batch order, dropout masks and
 * shifts are drawn from generators seeded by (seed, epoch) or (seed, step, position), so a
 * checkpoint needs only the seed and the step to resume. The engine never calls Math.random.
 */

export interface RngState {
  s: [number, number, number, number];
  /** Second Box-Muller value waiting to be returned, or null. */
  spare: number | null;
}

/** splitmix32's increment, and its output for a state `x` (already incremented). */
const SPLITMIX_GAMMA = 0x9e3779b9;
function splitmixOutput(x: number): number {
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Mixes several integers (a seed and, say, an epoch number) into one 32-bit seed: each part goes
 * into the first output of splitmix32 seeded with the hash so far.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < parts.length; i++) h = mixSeedMore(h, parts[i]);
  return h;
}

/**
 * One more part mixed into a mixed seed: mixSeedMore(mixSeed(a, b), c) is mixSeed(a, b, c).
 * Dropout mixes (seed, step, layer) once a pass and each example's position onto that.
 */
export function mixSeedMore(mixed: number, part: number): number {
  return splitmixOutput(((mixed ^ (part >>> 0)) + SPLITMIX_GAMMA) >>> 0);
}

export class Rng {
  /**
   * The four state words, as int32 (the same bits as uint32): in a typed array, storing a word
   * above 2^30 allocates nothing, where an object's field would box it on the heap.
   */
  private readonly s = new Int32Array(4);
  private spare: number | null = null;

  constructor(seed = 0) {
    this.reseed(seed);
  }

  /**
   * Starts the stream of `new Rng(seed)` in this generator: the state is four outputs of
   * splitmix32 (which spreads any 32-bit seed over it, so that nearby seeds give unrelated
   * streams). Dropout reseeds one generator for every example instead of making one.
   */
  reseed(seed: number): this {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + SPLITMIX_GAMMA) >>> 0;
      this.s[i] = splitmixOutput(x);
    }
    this.spare = null;
    return this;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), without modulo bias (rejection sampling). */
  int(n: number): number {
    if (!(n > 0 && n <= 0x100000000 && Number.isInteger(n))) throw new RangeError(`Rng.int: n must be an integer in 1..2^32, got ${n}`);
    return this.below(n);
  }

  /**
   * int(n) for an n already checked: the largest multiple of n up to 2^32 bounds the accepted
   * draws, and x mod n is x − ⌊x/n⌋·n. Those are `2^32 − 2^32 % n` and `x % n` exactly (for
   * integers below 2^32 the float64 quotient never rounds up to the next integer: its distance
   * from it, at least 1/n, is far above its rounding error), but `%` on numbers past int32 is a
   * call to fmod in V8, slow enough to show in a shuffle of the training set. The bound is above
   * 2^32 − n, so a draw up to that is accepted without it.
   */
  private below(n: number): number {
    for (;;) {
      const x = this.nextUint32();
      if (x <= 4294967296 - n || x < Math.floor(4294967296 / n) * n) return x - Math.floor(x / n) * n;
    }
  }

  /** Standard normal draw (Box-Muller; the second value of each pair is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.uniform(); // log(0) would be -Infinity
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /**
   * out[off + i] = uniform() < rate ? 0 : kept (kept > 0), for i in [0, n): the draws `uniform`
   * would make, compared without forming them. The generator is inlined with its state in
   * locals, in int32, and the comparison has no branch.
   * uniform() < rate ⟺ hi·2^26 + lo < rate·2^53 ⟺ that integer < ⌈rate·2^53⌉, compared in two
   * parts that fit 32 bits: the same mask bit for bit.
   */
  fillMask(out: Float32Array, off: number, n: number, rate: number, kept: number): void {
    const limit = Math.ceil(rate * 9007199254740992);
    const limitHi = Math.floor(limit / 67108864);
    const limitLo = limit - limitHi * 67108864;
    // Everything in int32 (| 0, Math.imul): a uint32 above 2^31 would be a heap double in V8.
    let s0 = this.s[0], s1 = this.s[1], s2 = this.s[2], s3 = this.s[3];
    for (let i = 0; i < n; i++) {
      // two steps of xoshiro128**, as nextUint32 makes them
      let x = Math.imul(s1, 5);
      const r1 = Math.imul((x << 7) | (x >>> 25), 9);
      let t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      x = Math.imul(s1, 5);
      const r2 = Math.imul((x << 7) | (x >>> 25), 9);
      t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      const hi = r1 >>> 5;
      const lo = r2 >>> 6;
      // dropped = 1 or 0 without a branch (a quarter of them dropped, in no pattern)
      const dropped = +(hi < limitHi) | (+(hi === limitHi) & +(lo < limitLo));
      out[off + i] = kept * (1 - dropped);
    }
    this.s[0] = s0; this.s[1] = s1; this.s[2] = s2; this.s[3] = s3;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    if (a.length > 0x100000000) throw new RangeError(`Rng.shuffle: ${a.length} elements, at most 2^32`);
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  getState(): RngState {
    return { s: [this.s[0] >>> 0, this.s[1] >>> 0, this.s[2] >>> 0, this.s[3] >>> 0], spare: this.spare };
  }

  setState(state: RngState): this {
    this.s.set(state.s);
    this.spare = state.spare;
    return this;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
