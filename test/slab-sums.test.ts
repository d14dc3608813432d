/** The data-parallel step's gradient sum and update (src/train/pool/slab-sums.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chunkOrder, groupSlabs, pieceDone, resetGroups, sumGroupsInto, updateChunks, type AddInto, type ChunkWork } from '../src/train/pool/slab-sums.js';
import { evenRange } from '../src/train/even-range.js';
import { Rng } from '../src/engine/rng.js';
import { assertSameBits } from './helpers/bits.js';

/** addInto as the kernel sets define it, counting the elements it reads from each source. */
function counting(): { add: AddInto; reads: Map<Float32Array, number> } {
  const reads = new Map<Float32Array, number>();
  const add: AddInto = (dst, src, a, b, clear) => {
    for (let i = a; i < b; i++) {
      dst[i] = Math.fround(dst[i] + src[i]);
      if (clear) src[i] = 0;
    }
    reads.set(src, (reads.get(src) ?? 0) + b - a);
  };
  return { add, reads };
}

/** `count` slabs of `n` floats of widely different sizes, so that the order of a sum shows in its bits. */
function slabsOf(count: number, n: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, s) => Float32Array.from({ length: n }, () => (rng.uniform() - 0.5) * 10 ** ((s * 3) % 7 - 3)));
}

/** The groups' sum the way the update before this one made it: in group order into group 0's slab. */
function inGroupOrder(groups: Float32Array[], a: number, b: number): Float32Array {
  const sum = groups[0].slice(a, b);
  for (let g = 1; g < groups.length; g++) for (let i = a; i < b; i++) sum[i - a] = Math.fround(sum[i - a] + groups[g][i]);
  return sum;
}

test('the groups summed into any thread\'s slab: the sum in group order, bit for bit, the other slabs cleared in the range only', () => {
  for (const threads of [2, 3, 4]) {
    for (let w = 0; w < threads; w++) {
      const groups = slabsOf(threads, 64, 10 * threads + w);
      const expected = inGroupOrder(groups, 8, 40);
      const outside = groups.map((g) => [...g.subarray(0, 8), ...g.subarray(40)]);
      const { add } = counting();
      const sum = sumGroupsInto(groups, w, 8, 40, add);
      assert.is(sum, groups[w], `${threads} threads, thread ${w}: into its own slab`);
      assertSameBits(sum.subarray(8, 40), expected, `${threads} threads, thread ${w}: the sum`);
      for (const [g, slab] of groups.entries()) {
        if (g !== w) assert.ok(slab.subarray(8, 40).every((x) => x === 0), `${threads} threads, thread ${w}: group ${g} cleared`);
        assert.equal([...slab.subarray(0, 8), ...slab.subarray(40)], outside[g], `${threads} threads, thread ${w}: group ${g} outside the range`);
      }
    }
  }
  // Summing in any other order would not give those bits: the test can tell.
  const [a, b, c] = slabsOf(3, 64, 1);
  const other = a.map((x, i) => Math.fround(x + Math.fround(b[i] + c[i])));
  assert.ok(other.some((x, i) => x !== inGroupOrder([a, b, c], 0, 64)[i]));
});

test('a thread\'s pieces are summed into its group\'s slab in piece order, once, by whoever computes its last piece', () => {
  const threads = 2;
  const perThread = 3;
  const slabs = slabsOf(threads * perThread, 32, 7);
  const expected = [0, 1].map((g) => inGroupOrder(slabs.slice(g * perThread, (g + 1) * perThread), 0, 32));
  const groupWords = 3;
  const ctrl = new Int32Array(groupWords + threads);
  ctrl.fill(5, groupWords, groupWords + threads); // a previous step's counts
  resetGroups(ctrl, groupWords, threads);
  const { add, reads } = counting();
  // Pieces finishing out of order, group 1's first piece computed by thread 0.
  for (const p of [3, 0, 5, 1]) pieceDone(ctrl, groupWords, slabs, threads, p, add);
  assert.is(reads.size, 0, 'no group complete yet');
  pieceDone(ctrl, groupWords, slabs, threads, 4, add);
  assert.equal([...reads.keys()], [slabs[4], slabs[5]], 'group 1 summed when its last piece is in');
  pieceDone(ctrl, groupWords, slabs, threads, 2, add);
  assert.is(reads.size, 4);
  for (const g of [0, 1]) {
    assertSameBits(groupSlabs(slabs, threads)[g], expected[g], `group ${g}`);
    for (let i = 1; i < perThread; i++) assert.ok(slabs[g * perThread + i].every((x) => x === 0), `slab ${g * perThread + i} cleared`);
  }
  // One piece a thread: nothing to sum.
  const single = slabsOf(2, 8, 3);
  const before = single.map((s) => s.slice());
  pieceDone(new Int32Array(8), 0, single, 2, 0, add);
  assert.equal(single, before);
});

test('a thread claims its own chunks first, then the others\' from the last down', () => {
  assert.equal(chunkOrder(4, 2, 0), [0, 1, 3, 2]);
  assert.equal(chunkOrder(4, 2, 1), [2, 3, 1, 0]);
  assert.equal(chunkOrder(7, 3, 1), [2, 3, 6, 5, 4, 1, 0]);
  for (const [chunks, threads] of [[4, 2], [7, 3], [2, 4], [12, 2]]) {
    for (let w = 0; w < threads; w++) assert.equal([...chunkOrder(chunks, threads, w)].sort((a, b) => a - b), Array.from({ length: chunks }, (_, c) => c));
  }
});

test('the update by chunks: every parameter once, with the sum in group order, whichever thread gets there first; the slabs left clear', () => {
  const threads = 2;
  const params = 100;
  const chunk = 32; // 4 chunks, the last short
  const chunkWords = 5;
  /** Thread `first` runs the whole phase before the other looks (the other was late). */
  const run = (first: number) => {
    const groups = slabsOf(threads, params, 11);
    const expected = inGroupOrder(groups, 0, params);
    const ctrl = new Int32Array(chunkWords + 4);
    const { add } = counting();
    const updated = new Float32Array(params).fill(NaN);
    const times = new Int32Array(params);
    const order: number[] = [];
    const work = (w: number): ChunkWork => ({ ctrl, chunkWords, w, order: chunkOrder(4, threads, w), own: evenRange(4, threads, w), params, chunk, groups, add });
    const update = (sum: Float32Array, a: number, b: number) => {
      order.push(a / chunk);
      for (let i = a; i < b; i++) {
        updated[i] = sum[i];
        times[i]++;
        sum[i] = 0;
      }
    };
    const taken = [first, 1 - first].map((w) => updateChunks(work(w), 3, update));
    assert.ok(times.every((t) => t === 1), 'every parameter once');
    assertSameBits(updated, expected, 'the sum in group order');
    assert.ok(groups.every((g) => g.every((x) => x === 0)), 'every slab clear');
    assert.ok(ctrl.subarray(chunkWords, chunkWords + 4).every((s) => s === 3), 'every chunk claimed in phase 3');
    return { taken, order, updated };
  };
  const a = run(0);
  assert.equal(a.taken, [2, 0], 'thread 0 took the late thread 1\'s two chunks');
  assert.equal(a.order, [0, 1, 3, 2], 'its own first, then the others\' from the last');
  const b = run(1);
  assert.equal(b.taken, [2, 0]);
  assert.equal(b.order, [2, 3, 1, 0]);
  assertSameBits(a.updated, b.updated, 'same bits whoever took them');
  // A later phase's chunks are free again; an older phase's are not.
  const ctrl = new Int32Array(chunkWords + 4);
  const groups = slabsOf(threads, params, 2);
  const work: ChunkWork = { ctrl, chunkWords, w: 0, order: chunkOrder(4, threads, 0), own: evenRange(4, threads, 0), params, chunk, groups, add: counting().add };
  let calls = 0;
  updateChunks(work, 5, () => calls++);
  updateChunks(work, 4, () => calls++);
  assert.is(calls, 4);
  updateChunks(work, 6, () => calls++);
  assert.is(calls, 8);
});

test.run();
