/**
 * How the data-parallel step adds up its gradient slabs and updates the parameters, arranged so
 * that little memory crosses between the cores (every line one core writes and the other then
 * reads is a message between them):
 * 1. A thread's group: the pieces a thread owns form its group, and their slabs are added, in
 *    piece order, into the group's first slab by whichever thread computes the group's last piece
 *    (the owner, unless a piece was taken over), in the gradients phase.
 * 2. A thread's chunks: the update's chunks of the parameters are cut into a contiguous range a
 *    thread; a thread claims its own first, then any still unclaimed, from the last down. So a
 *    chunk's optimiser state stays in one core's cache from step to step, and a thread sums the
 *    groups into its own group's slab: only the other groups' slabs cross.
 * The groups are summed in group order, (((g0 + g1) + g2) + …), whoever sums them: into thread w's
 * slab by first adding g0..g(w-1) into g0's, then g0's into w's (a + b and b + a are the same
 * float), then the rest. So a seed and a thread count give the same bits however the pieces and
 * chunks fell.
 */
import { claim } from './control.js';
import { evenRange } from '../even-range.js';

/** Adds `src` into `dst` over [start, end), clearing `src` there with `clearSrc` (a kernel set's addInto). */
export type AddInto = (dst: Float32Array, src: Float32Array, start: number, end: number, clearSrc: boolean) => void;

/**
 * The update's unit of work, in parameters. A thread that finished its gradients late, or runs
 * slower, simply takes fewer chunks: which thread sums a chunk changes nothing in the sum.
 */
export const UPDATE_CHUNK = 32768;
/**
 * Below this many parameters the main thread updates them alone, and the step has no update
 * phase: there a hand-off costs more than the update saves.
 */
export const SHARED_UPDATE_FROM = 16384;
/** Chunks a thread gets of a model under two UPDATE_CHUNKs (two, so that a late thread's second goes to the other). */
const SMALL_CHUNKS_PER_THREAD = 2;

/** Whether the threads share the update of `params` parameters (else the main thread does it alone). */
export function sharesUpdate(params: number, threads: number): boolean {
  return threads > 1 && params >= SHARED_UPDATE_FROM;
}

/**
 * The update's chunk for `params` parameters on `threads` threads: UPDATE_CHUNK, or for a model
 * under two of those, two equal chunks a thread, cut at whole cache lines (16 floats).
 */
export function updateChunk(params: number, threads: number): number {
  if (params >= 2 * UPDATE_CHUNK) return UPDATE_CHUNK;
  return Math.ceil(params / (threads * SMALL_CHUNKS_PER_THREAD) / 16) * 16;
}

/** The update's chunks of `params` parameters on `threads` threads (updateChunk's size each). */
export function chunkCount(params: number, threads: number): number {
  return Math.ceil(params / updateChunk(params, threads));
}

/** Each thread's group slab: the slab of its first piece, into which its pieces are summed. */
export function groupSlabs(slabs: readonly Float32Array[], threads: number): Float32Array[] {
  const perThread = slabs.length / threads;
  return Array.from({ length: threads }, (_, g) => slabs[g * perThread]);
}

/**
 * Counts a computed piece p in its group's word (group g's at `groupWords + g`, set to 0 before
 * the phase by resetGroups); the thread that computes the group's last piece adds the group's
 * slabs into its first, in piece order, clearing them.
 */
export function pieceDone(ctrl: Int32Array, groupWords: number, slabs: readonly Float32Array[], threads: number, p: number, add: AddInto): void {
  const perThread = slabs.length / threads;
  if (perThread === 1) return;
  const g = Math.floor(p / perThread);
  if (Atomics.add(ctrl, groupWords + g, 1) !== perThread - 1) return;
  const first = slabs[g * perThread];
  for (let i = 1; i < perThread; i++) add(first, slabs[g * perThread + i], 0, first.length, true);
}

/** Sets every group's count of computed pieces to 0: by the main thread, before a gradients phase. */
export function resetGroups(ctrl: Int32Array, groupWords: number, threads: number): void {
  for (let g = 0; g < threads; g++) Atomics.store(ctrl, groupWords + g, 0);
}

/** Sums the group slabs over [start, end) in group order into thread w's, clearing the others there; returns w's slab. */
export function sumGroupsInto(groups: readonly Float32Array[], w: number, start: number, end: number, add: AddInto): Float32Array {
  for (let g = 1; g < w; g++) add(groups[0], groups[g], start, end, true);
  if (w > 0) add(groups[w], groups[0], start, end, true);
  for (let g = w + 1; g < groups.length; g++) add(groups[w], groups[g], start, end, true);
  return groups[w];
}

/** Thread w's claim order of `chunks` update chunks: its own contiguous range, then the others' from the last down. */
export function chunkOrder(chunks: number, threads: number, w: number): number[] {
  const [a, b] = evenRange(chunks, threads, w);
  const order = Array.from({ length: b - a }, (_, i) => a + i);
  for (let c = chunks - 1; c >= 0; c--) if (c < a || c >= b) order.push(c);
  return order;
}

/** What a thread needs to take its part in an update phase. */
export interface ChunkWork {
  ctrl: Int32Array;
  /** Chunk c's claim word is `chunkWords + c`. */
  chunkWords: number;
  /** This thread's index (0 the main thread), its chunkOrder and its own chunks' range. */
  w: number;
  order: number[];
  own: [number, number];
  /** Parameters, and the chunk size (updateChunk). */
  params: number;
  chunk: number;
  groups: Float32Array[];
  add: AddInto;
}

/** Thread w's part in the update phases of a step whose pieces have these slabs. */
export function chunkWork(ctrl: Int32Array, chunkWords: number, threads: number, slabs: readonly Float32Array[], w: number, add: AddInto): ChunkWork {
  const params = slabs[0].length;
  const chunks = chunkCount(params, threads);
  return { ctrl, chunkWords, w, order: chunkOrder(chunks, threads, w), own: evenRange(chunks, threads, w), params, chunk: updateChunk(params, threads), groups: groupSlabs(slabs, threads), add };
}

/**
 * Claims chunks of update phase `seq` in `work.order` until every chunk is taken; for each, sums
 * the groups there into this thread's slab and calls `update(sum, start, end)`, which must apply
 * the optimiser with that gradient and clear it. Returns the chunks it took that were another's.
 */
export function updateChunks(work: ChunkWork, seq: number, update: (sum: Float32Array, start: number, end: number) => void): number {
  const { ctrl, chunkWords, w, order, own, params, chunk, groups, add } = work;
  let taken = 0;
  for (const c of order) {
    if (!claim(ctrl, chunkWords + c, seq)) continue;
    const start = c * chunk;
    const end = Math.min(params, start + chunk);
    update(sumGroupsInto(groups, w, start, end, add), start, end);
    if (c < own[0] || c >= own[1]) taken++;
  }
  return taken;
}

/**
 * Writes `own`[start, end) into every other copy of the parameters, after a thread updated that
 * range of its own copy. With one array that every thread reads, both cores would hold every line
 * of it, and each write of the update would first have to take the line from the other core; with
 * a copy each, a line is read by one thread only and handed over once a step.
 */
export function spreadRange(own: Float32Array, copies: readonly Float32Array[], start: number, end: number): void {
  if (copies.length < 2) return;
  const range = own.subarray(start, end);
  for (const copy of copies) if (copy !== own) copy.set(range, start);
}
