/**
 * A data-parallel step's batch as fixed pieces that the threads claim. The batch is cut into
 * `threads × perThread` contiguous pieces, each with its own gradient slab and loss slot. Thread w
 * first claims its own pieces (w·perThread onwards, in order), then any piece still unclaimed,
 * from the last piece down: the pieces another thread would reach last. A thread that falls
 * behind (its core taken by another process for a while, or running slower) has its remaining
 * pieces taken by the others instead of being waited for.
 *
 * Which thread computes a piece changes nothing in the result: piece p's gradient always lands in
 * slab p, its loss in slot p, and the slabs are added in a fixed order (each thread's pieces in
 * piece order, then the threads' sums in thread order: slab-update.ts). So a seed and a thread
 * count give bit-identical weights however the pieces were shared out.
 */
import type { Sequential } from '../engine/model/sequential.js';
import { claimWord } from './protocol.js';
import { claim, pieceDone, type AddInto } from './slab-update.js';
import { shardRange, type ShardGradient } from './shard.js';

/**
 * Pieces per thread for a model: more pieces let a thread take over more of a slower one's work,
 * but every piece costs a pass through every layer's fixed costs and a slab more to add up.
 * Measured on one thread (README, "Pieces a thread can take over"): the CNN preset's 64 examples
 * took 1.6% longer as eight pieces of 8 than as four of 16. On two threads the host at times
 * slows one core by a third or more and not the other (README, "1 and 2 threads in one
 * process"); there, four pieces a thread made the CNN's step 2–10% faster than two (paired
 * windows, six processes: 0.899–0.984), where a quiet host charges them up to 4% (0.990–1.046 in
 * eight; a moderately loaded one ~3%, two against four 0.946–1.018 in nine). Only a model whose
 * step is long against those costs, a convolutional one, is cut finer than one piece a thread,
 * and never into pieces of fewer than MIN_PIECE examples of a batch of `batch` on `threads`
 * threads: on more cores each thread's share is smaller already.
 */
export function piecesPerThread(model: Sequential, threads: number, batch: number): number {
  if (!model.layers.some((l) => l.type === 'conv2d')) return 1;
  return Math.max(1, Math.min(4, Math.floor(batch / (threads * MIN_PIECE))));
}

/**
 * The fewest examples a piece is cut to. Measured on one thread, the CNN preset's 64 examples in
 * passes of 8, 4 and 2, interleaved in one process, two runs: 4,282–4,389, 4,419–4,523 and
 * 4,665–4,774 µs a step. So pieces of 4 cost 3% more and pieces of 2 (four a thread on 8
 * threads) 9% more than pieces of 8.
 */
export const MIN_PIECE = 8;

/** The order in which thread w claims the pieces: its own, then the others' from the last down. */
export function claimOrder(threads: number, perThread: number, w: number): number[] {
  const pieces = threads * perThread;
  const own = Array.from({ length: perThread }, (_, i) => w * perThread + i);
  const others: number[] = [];
  for (let p = pieces - 1; p >= 0; p--) if (Math.floor(p / perThread) !== w) others.push(p);
  return [...own, ...others];
}

/**
 * Claims piece p of the phase `seq`: true for the one thread that gets it. A claim word holds the
 * last SEQ it was claimed in and only grows, so a thread still looking at an older phase can
 * never take a piece of a newer one.
 */
export function claimPiece(ctrl: Int32Array, threads: number, p: number, seq: number): boolean {
  return claim(ctrl, claimWord(threads, p), seq);
}

/** What a thread needs to compute the pieces it claims. */
export interface PieceWork {
  ctrl: Int32Array;
  threads: number;
  /** This thread's claim order (claimOrder). */
  order: number[];
  /** One gradient slab per piece, piece 0's first (zero before the step, as the update leaves them). */
  slabs: Float32Array[];
  /** Each piece's summed loss. */
  losses: Float64Array;
  /** A kernel set's addInto, for the sum of a thread's pieces (slab-update.ts, pieceDone). */
  add: AddInto;
}

/**
 * Claims and computes pieces of phase `seq` in `work.order` until every piece is taken: each
 * piece's gradient into its slab (the model's gradient views moved there for it, and back to its
 * own buffer after), its summed loss into its slot; the thread that computes a thread's last
 * piece adds that thread's slabs into its first (pieceDone). Returns the number of pieces this
 * thread computed that were another thread's own.
 */
export function computePieces(gradient: ShardGradient, work: PieceWork, indices: Int32Array, batch: number, step: number, seq: number): number {
  const { ctrl, threads, order, slabs, losses, add } = work;
  const model = gradient.model;
  const perThread = slabs.length / threads;
  const home = Math.floor(order[0] / perThread);
  let taken = 0;
  try {
    for (const p of order) {
      if (!claimPiece(ctrl, threads, p, seq)) continue;
      const [start, end] = shardRange(batch, slabs.length, p);
      model.gradientsInto(slabs[p]);
      losses[p] = gradient.compute(indices, start, end, batch, step);
      pieceDone(ctrl, threads, slabs, p, add);
      if (Math.floor(p / perThread) !== home) taken++;
    }
  } finally {
    model.gradientsInto(model.grads);
  }
  return taken;
}
