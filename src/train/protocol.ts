/**
 * The thread boundary, defined once and imported by both sides: the one task each pool worker
 * runs for a whole training run, and the layout of the shared control words.
 *
 * Work comes in phases, each started by the main thread writing PHASE and bumping SEQ, and ended
 * by every thread publishing that SEQ in its DONE word (and notifying it). A step has two (one
 * for a model too small to share its update, which the main thread then does alone):
 *  - gradients: the main thread has written the batch's example indices into shared memory;
 *    the batch is cut into pieces, each with its gradient slab, and every thread (the main one
 *    included) claims pieces (a CLAIM word each) and computes their gradients (pieces.ts); a
 *    thread's pieces are summed into its group's slab by whoever computes the last of them (a
 *    GROUP word each counts them; slab-update.ts);
 *  - update: the threads claim chunks of the parameters (a CHUNK word each), their own first; for
 *    each, a thread adds the groups' slabs in group order (so the sums do not depend on timing or
 *    on who takes the chunk) and applies the optimiser there, leaving every slab zero there for
 *    the next step's gradients (slab-update.ts).
 * A model whose first layer the threads split by columns (first-layer-columns.ts) has three
 * phases a step instead: FIRST_FORWARD, UPPER (each thread's shard through the layers above) and
 * FIRST_BACKWARD (each thread's block's gradient and update, then the update of the layers above
 * by chunks, from FirstLayerColumns.upperStart); a SYNC phase writes the blocks back into the
 * model before anything reads it.
 * A model with one hidden layer that the threads split by hidden units (hidden-unit-blocks.ts),
 * or one dense layer that they split by input rows (input-row-blocks.ts), has one phase a step,
 * LOGIT_SHARES, with one hand-off inside it: every thread publishes the
 * phase's SEQ in its SHARE word once its share of the logits is written, and goes on when every
 * thread's SHARE word has reached it. The main thread returns from that step without waiting for
 * the workers' DONE: whatever it starts next (a step, a sync) waits for them.
 * Between steps, an evaluation phase has every thread evaluate its contiguous share of one of
 * the data sets the pool was given at its start (validation, test) and write its counts into
 * `results`.
 * Waiting is a spin on Atomics.load (measured here: ~0.5 µs a round trip, against ~25 µs for
 * Atomics.wait/notify and ~40 µs for a Piscina task), falling back to Atomics.wait when a wait
 * runs past the budget in SPIN_US: the main thread sets it (spin-policy.ts), to 0 when the
 * threads do not have the cores to themselves. Messages per step: none.
 */
import type { LayerSpec } from '../engine/layers/layer.js';
import type { WasmMemory } from '../engine/wasm/runtime.js';
import type { OptimizerConfig } from '../engine/optim/optimizers.js';
import type { TrainingData } from './training-data.js';
import type { StepRandomness } from './shard.js';

/** Indices into the Int32Array over `control`. */
export const CTRL = {
  /** 0 = keep going, 1 = stop. */
  COMMAND: 0,
  /** Step sequence number, bumped by the main thread to start a step. */
  SEQ: 1,
  /** Examples in this step's batch. */
  BATCH: 2,
  /** 0, or 1 + the index of the worker that failed. */
  FAILED: 3,
  /** The step number t (1-based over the run): schedules, Adam, dropout and augmentation read it. */
  STEP: 4,
  /** What the phase that SEQ starts is: one of PHASE. */
  PHASE: 5,
  /** In an evaluation phase, the index of the data set (WorkerTask.evaluation). */
  EVAL_SET: 6,
  /** In a FIRST_BACKWARD phase, the next chunk of parameters to claim (updateByChunks); 0 at its start. */
  NEXT_CHUNK: 7,
  /** Microseconds a waiting thread spins before it sleeps (SpinPolicy's budget, set by the main thread). */
  SPIN_US: 8,
  /** DONE + w: the last SEQ that worker w (1-based shard index) finished. */
  DONE: 9,
} as const;

/**
 * The word where thread w (0 the main thread) publishes the SEQ of the last LOGIT_SHARES phase
 * whose share of the logits it has written (after the DONE words).
 */
export function shareWord(threads: number, w: number): number {
  return CTRL.DONE + threads + w;
}

/** The word holding the last SEQ in which piece p of a gradients phase was claimed (after the SHARE words). */
export function claimWord(threads: number, p: number): number {
  return CTRL.DONE + 2 * threads + p;
}

/** The word counting group g's computed pieces in a gradients phase (slab-update.ts), after the `pieces` CLAIM words. */
export function groupWord(threads: number, pieces: number, g: number): number {
  return CTRL.DONE + 2 * threads + pieces + g;
}

/** The word holding the last SEQ in which chunk c of an update phase was claimed (slab-update.ts), after the GROUP words. */
export function chunkWord(threads: number, pieces: number, c: number): number {
  return CTRL.DONE + 3 * threads + pieces + c;
}

export const COMMAND_RUN = 0;
export const COMMAND_STOP = 1;
export const PHASE = { GRADIENTS: 1, UPDATE: 2, EVALUATE: 3, FIRST_FORWARD: 4, UPPER: 5, FIRST_BACKWARD: 6, SYNC: 7, LOGIT_SHARES: 8 } as const;

/**
 * The update phase's unit of work, in parameters. In the data-parallel step each thread claims
 * its own chunks first, then any left (slab-update.ts); after the first layer's columns, the
 * threads claim the layers above's chunks in turn (Atomics.add on NEXT_CHUNK). Either way a thread
 * that finished its gradients late, or runs slower, simply takes fewer: which thread sums an
 * element's slabs changes nothing in the sum, so the weights stay bit-identical per thread count.
 */
export const UPDATE_CHUNK = 32768;
/**
 * Below this many parameters the main thread updates them alone, and the step has no update
 * phase: there a hand-off costs more than the update (the tutorial's 7,850 parameters, when it
 * was stepped data-parallel: 50.6–52.7 µs a 2-thread step with the update on the main thread,
 * against 52.0–63.1 µs split across both, interleaved).
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
 * under two of those, two equal chunks a thread, cut at whole cache lines (16 floats). Adam
 * takes 33-38 µs over the CNN preset's 22,226 parameters on one thread; shared, each thread
 * takes half (paired 200 ms windows of 2-thread steps against the main thread updating them
 * alone, both with a copy of the parameters a thread: medians of the paired ratios 0.973-1.004).
 */
export function updateChunk(params: number, threads: number): number {
  if (params >= 2 * UPDATE_CHUNK) return UPDATE_CHUNK;
  return Math.ceil(params / (threads * SMALL_CHUNKS_PER_THREAD) / 16) * 16;
}

/**
 * The update of the layers above a first layer split by columns, on one thread: claims chunks of
 * UPDATE_CHUNK parameters of [from, params) from the shared counter until none is left, and sums
 * and updates each (reduceAndUpdate). Returns the chunks it took.
 */
export function updateByChunks(ctrl: Int32Array, params: number, slabs: Float32Array[], add: (dst: Float32Array, src: Float32Array, start: number, end: number, clearSrc: boolean) => void, update: (start: number, end: number) => void, from = 0, chunk = UPDATE_CHUNK): number {
  let taken = 0;
  for (;;) {
    const start = from + Atomics.add(ctrl, CTRL.NEXT_CHUNK, 1) * chunk;
    if (start >= params) return taken;
    reduceAndUpdate(slabs, start, Math.min(params, start + chunk), add, update);
    taken++;
  }
}

/**
 * Writes `own`[start, end) into every other copy of the parameters, after a thread updated that
 * range of its own copy. Why copies at all: with one array of parameters that every thread reads
 * each step, both cores hold every line of it, and the update's writes must each take the other
 * core's copy away first, one line after another: 20 ns a line at times and 130 ns at others on
 * this host (the Adam update of the CNN preset's 22,226 parameters took 47 or 195-202 µs after a
 * second thread had read them, by process, against 18 µs when it had not; a throwaway test).
 * With a copy each, a line of a thread's copy is only ever read by that thread, and written by it
 * or, once a step, by the thread that updated its range: a line written by one core and read by
 * the other only is handed over ahead (writing a copy the other core had read took 39 µs against 3
 * µs, in the same test, when the shared array's update took 196).
 */
export function spreadRange(own: Float32Array, copies: readonly Float32Array[], start: number, end: number): void {
  if (copies.length < 2) return;
  const range = own.subarray(start, end);
  for (const copy of copies) if (copy !== own) copy.set(range, start);
}

/**
 * Adds slabs 1.. into slab 0 over [start, end), in slab order, clearing each as it is added (with
 * `add`, a kernel set's addInto), then applies the optimiser there with `update`, which must
 * clear slab 0: every slab is zero over the range afterwards.
 */
export function reduceAndUpdate(slabs: Float32Array[], start: number, end: number, add: (dst: Float32Array, src: Float32Array, start: number, end: number, clearSrc: boolean) => void, update: (start: number, end: number) => void): void {
  for (let s = 1; s < slabs.length; s++) add(slabs[0], slabs[s], start, end, true);
  update(start, end);
}

/** The first thread whose share of LOGIT_SHARES phase `seq` is not in yet, or -1 when every one is. */
export function missingShare(ctrl: Int32Array, threads: number, seq: number): number {
  for (let w = 0; w < threads; w++) if (Atomics.load(ctrl, shareWord(threads, w)) < seq) return w;
  return -1;
}

/**
 * A worker's wait, in a LOGIT_SHARES phase `seq`, until every thread's share of the logits is in:
 * true then; false if the main thread moved on without its own (its step failed) or stops the
 * pool. Spins while the budget in SPIN_US lasts, then sleeps on a missing share's word (its
 * thread notifies) a millisecond at a time, so that a main thread moving on is seen.
 */
export function awaitShares(ctrl: Int32Array, threads: number, seq: number): boolean {
  let spins = 0;
  let since = 0;
  for (;;) {
    const missing = missingShare(ctrl, threads, seq);
    if (missing < 0) return true;
    if (Atomics.load(ctrl, CTRL.SEQ) !== seq || Atomics.load(ctrl, CTRL.COMMAND) === COMMAND_STOP) {
      // The main thread moves on once every share is in, or without its own: look again.
      return missingShare(ctrl, threads, seq) < 0;
    }
    if ((++spins & 1023) !== 0) continue;
    if (since === 0) since = performance.now();
    const word = shareWord(threads, missing);
    if (performance.now() - since >= Atomics.load(ctrl, CTRL.SPIN_US) / 1000) Atomics.wait(ctrl, word, Atomics.load(ctrl, word), 1);
  }
}

/** Control words for `threads` threads, `pieces` pieces of a batch and `chunks` chunks of an update. */
export function controlWords(threads: number, pieces = threads, chunks = 0): number {
  return CTRL.DONE + 3 * threads + pieces + chunks;
}

/**
 * A fault to inject, for tests: throw, or end the thread, at a step (the failure path); or stall,
 * sleeping 50 ms before that step's gradients (a thread that falls behind).
 */
export interface InjectedFault {
  shard: number;
  step: number;
  mode: 'throw' | 'exit' | 'stall';
}

export interface WorkerTask {
  /** This worker's shard index, 1..threads-1 (the main thread computes shard 0). */
  shard: number;
  threads: number;
  layers: LayerSpec[];
  data: TrainingData;
  control: SharedArrayBuffer;
  /** Int32Array: the batch's example indices. */
  indices: SharedArrayBuffer;
  /** Float64Array: each piece's summed loss (each shard's, when the threads split the first layer). */
  losses: SharedArrayBuffer;
  /** Pieces a thread's share of a batch is cut into in a gradients phase (pieces.ts). */
  piecesPerThread: number;
  /** The parameters: a whole SharedArrayBuffer (JS kernels), or a region of `kernelMemory` (SIMD kernels). */
  params: SharedFloats;
  /**
   * In the data-parallel step: every thread's own copy of the parameters, thread 0's (the model's
   * `params`) first. A thread reads only its own; whoever updates a range writes it into all of them.
   */
  paramCopies?: SharedFloats[];
  /** Every piece's gradient slab, piece 0's (the model's own gradient buffer) first. */
  slabs: SharedFloats[];
  /** With SIMD kernels: the model's kernel memory, where the worker instantiates the same kernels. */
  kernelMemory?: WasmMemory;
  /** Where `data`'s nonzeros lie in the kernel memory, when they live there (for the SIMD gather). */
  residentData?: ResidentCsr;
  /** When the threads split the first layer by columns: each block's H and dH (FirstLayerColumns). */
  columns?: { H: SharedFloats[]; dH: SharedFloats[] };
  /**
   * When the threads split the model by hidden units or by input rows (logit-shares.ts): how, each
   * thread's two buffers of logit shares, and for input rows where each thread's columns begin
   * (columnCuts, made once by the main thread: a pass over every nonzero of the data set).
   */
  logitShares?: { split: 'hidden-units' | 'input-rows'; shares: SharedFloats[][]; cuts?: number[] };
  /** Data sets the main thread may ask the pool to evaluate between steps, by index. */
  evaluation: { data: TrainingData; resident?: ResidentCsr }[];
  /** Float64Array: each thread's [correct, summed loss] of an evaluation phase. */
  results: SharedArrayBuffer;
  optimizer: OptimizerConfig;
  randomness: StepRandomness;
  /** The optimiser's state buffers (momentum velocity, Adam's moments), shared by all threads. */
  optimizerState: Record<string, SharedFloats>;
  fault?: InjectedFault;
}

/** `length` elements at `byteOffset` of the kernel memory. */
export interface MemoryRegion {
  byteOffset: number;
  length: number;
}

/** Where a bytes-csr data set's arrays lie in the kernel memory. */
export interface ResidentCsr {
  rowPtr: MemoryRegion;
  colIdx: MemoryRegion;
  values: MemoryRegion;
}

/** Floats every thread sees: a whole SharedArrayBuffer, or a region of the kernel memory. */
export type SharedFloats = SharedArrayBuffer | MemoryRegion;

export interface WorkerResult {
  steps: number;
}
