/**
 * The data-parallel step's sum of the gradient slabs and its update, arranged so that as little as
 * possible crosses between the cores. Every line of memory that one core writes and the other
 * then reads, or that both hold and one writes, is a message between them; on this host such a
 * message took about 20 ns a line at times and about 130 ns at others (protocol.ts, spreadRange).
 *
 * 1. Each thread's group: the pieces a thread owns (pieces.ts) form its group, and their slabs
 *    are added, in piece order, into the group's first slab by whichever thread finishes the
 *    group's last piece: the owner, unless a piece was taken over. That is local memory, and it is
 *    done in the gradients phase, often while the other thread is still busy.
 * 2. Each thread's chunks: the update's chunks of the parameters are cut into a contiguous share
 *    a thread; a thread claims its own first, then any still unclaimed, from the last down (a late
 *    thread's go to the other). So the optimiser's state of a chunk stays in one core's cache
 *    from step to step, and a thread sums the groups into its own group's slab: only the other
 *    groups' slabs cross, one a thread on 2 threads (three slabs crossed before, for two pieces a
 *    thread).
 * The groups are summed in group order, (((g0 + g1) + g2) + ...), whoever sums them: into thread
 * w's slab by first adding g0..g(w-1) into g0's, then g0's into w's (a + b and b + a are the same
 * float, bit for bit), then the rest. So a seed and a thread count give the same bits however the
 * pieces and chunks fell.
 */
import { shardRange } from './shard.js';
import { chunkWord, groupWord, updateChunk } from './protocol.js';

/** Adds `src` into `dst` over [start, end), clearing `src` there with `clearSrc` (a kernel set's addInto). */
export type AddInto = (dst: Float32Array, src: Float32Array, start: number, end: number, clearSrc: boolean) => void;

/** Each thread's group slab: the slab of its first piece, into which its pieces are summed. */
export function groupSlabs(slabs: readonly Float32Array[], threads: number): Float32Array[] {
  const perThread = slabs.length / threads;
  return Array.from({ length: threads }, (_, g) => slabs[g * perThread]);
}

/**
 * Counts a computed piece of group g in the gradients phase; the thread that computes the
 * group's last piece adds the group's slabs into its first, in piece order, clearing them. The
 * group words are set to 0 before the phase starts (resetGroups).
 */
export function pieceDone(ctrl: Int32Array, threads: number, slabs: readonly Float32Array[], p: number, add: AddInto): void {
  const perThread = slabs.length / threads;
  if (perThread === 1) return;
  const g = Math.floor(p / perThread);
  if (Atomics.add(ctrl, groupWord(threads, slabs.length, g), 1) !== perThread - 1) return;
  const first = slabs[g * perThread];
  for (let i = 1; i < perThread; i++) add(first, slabs[g * perThread + i], 0, first.length, true);
}

/** Sets every group's count of computed pieces to 0: by the main thread, before a gradients phase. */
export function resetGroups(ctrl: Int32Array, threads: number, pieces: number): void {
  for (let g = 0; g < threads; g++) Atomics.store(ctrl, groupWord(threads, pieces, g), 0);
}

/**
 * Sums the group slabs over [start, end) in group order into thread w's, clearing the others
 * there, and returns w's slab (holding the sum).
 */
export function sumGroupsInto(groups: readonly Float32Array[], w: number, start: number, end: number, add: AddInto): Float32Array {
  for (let g = 1; g < w; g++) add(groups[0], groups[g], start, end, true);
  if (w > 0) add(groups[w], groups[0], start, end, true);
  for (let g = w + 1; g < groups.length; g++) add(groups[w], groups[g], start, end, true);
  return groups[w];
}

/** Thread w's claim order of `chunks` update chunks: its own contiguous share, then the others' from the last down. */
export function chunkOrder(chunks: number, threads: number, w: number): number[] {
  const [a, b] = shardRange(chunks, threads, w);
  const order = Array.from({ length: b - a }, (_, i) => a + i);
  for (let c = chunks - 1; c >= 0; c--) if (c < a || c >= b) order.push(c);
  return order;
}

/** What a thread needs to take its part in an update phase. */
export interface ChunkWork {
  ctrl: Int32Array;
  threads: number;
  /** Pieces of a batch (the claim words of chunks come after theirs). */
  pieces: number;
  /** This thread's index (0 the main thread) and its chunkOrder. */
  w: number;
  order: number[];
  /** Parameters, and the chunk size (updateChunk). */
  params: number;
  chunk: number;
  groups: Float32Array[];
  add: AddInto;
}

/** The update's chunks of `params` parameters on `threads` threads (updateChunk's size each). */
export function chunkCount(params: number, threads: number): number {
  return Math.ceil(params / updateChunk(params, threads));
}

/** Thread w's part in the update phases of a step whose pieces have these slabs. */
export function chunkWork(ctrl: Int32Array, threads: number, slabs: readonly Float32Array[], w: number, add: AddInto): ChunkWork {
  const params = slabs[0].length;
  return { ctrl, threads, pieces: slabs.length, w, order: chunkOrder(chunkCount(params, threads), threads, w), params, chunk: updateChunk(params, threads), groups: groupSlabs(slabs, threads), add };
}

/**
 * Claims chunks of update phase `seq` in `work.order` until every chunk is taken; for each, sums
 * the groups there into this thread's slab and calls `update(sum, start, end)`, which must apply
 * the optimiser with that gradient and clear it. Returns the chunks it took that were another's.
 */
export function updateChunks(work: ChunkWork, seq: number, update: (sum: Float32Array, start: number, end: number) => void): number {
  const { ctrl, threads, pieces, w, order, params, chunk, groups, add } = work;
  const own = shardRange(Math.ceil(params / chunk), threads, w);
  let taken = 0;
  for (const c of order) {
    if (!claim(ctrl, chunkWord(threads, pieces, c), seq)) continue;
    const start = c * chunk;
    const end = Math.min(params, start + chunk);
    update(sumGroupsInto(groups, w, start, end, add), start, end);
    if (c < own[0] || c >= own[1]) taken++;
  }
  return taken;
}

/**
 * Claims the work whose claim word is `word` for phase `seq`: true for the one thread that gets
 * it. A claim word holds the last SEQ it was claimed in and only grows, so a thread still looking
 * at an older phase can never take work of a newer one.
 */
export function claim(ctrl: Int32Array, word: number, seq: number): boolean {
  for (;;) {
    const last = Atomics.load(ctrl, word);
    if (last >= seq) return false;
    if (Atomics.compareExchange(ctrl, word, last, seq) === last) return true;
  }
}
