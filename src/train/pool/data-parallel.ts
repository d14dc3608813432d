/**
 * The data-parallel strategy, for any model: the batch is cut into `threads × perThread`
 * contiguous pieces, each with its own gradient slab and loss slot. Thread w first claims its own
 * pieces (w·perThread onwards, in order), then any piece still unclaimed, from the last down (the
 * pieces another thread would reach last): a thread that falls behind has its remaining pieces
 * taken by the others instead of being waited for. Then the threads update the parameters chunk
 * by chunk (slab-sums.ts), or for a small model the main thread alone.
 *
 * Which thread computes a piece changes nothing in the result: piece p's gradient always lands in
 * slab p, its loss in slot p, and the slabs are added in a fixed order. Each thread reads its own
 * copy of the parameters, and whoever updates a range writes it into every copy (spreadRange).
 */
import type { Sequential } from '../../engine/model/sequential.js';
import { MnistTsError } from '../../engine/errors.js';
import { BatchGradient } from '../batch-gradient.js';
import { evenUnitRange } from '../even-range.js';
import { claim, unknownPhase } from './control.js';
import { chunkCount, chunkWork, groupSlabs, pieceDone, resetGroups, sharesUpdate, spreadRange, sumGroupsInto, updateChunks, type AddInto, type ChunkWork } from './slab-sums.js';
import type { Part, Phases, Plan, PoolPlan, Strategy, ThreadSetup } from './strategy.js';

const PHASE = { GRADIENTS: 0, UPDATE: 1 } as const;

/**
 * The fewest examples a piece is cut to: smaller pieces pay each layer's fixed costs for too
 * little work.
 */
export const MIN_PIECE = 8;

/**
 * Pieces per thread for a model. More pieces let a fast thread take more of a slow one's work
 * (other work can slow one core and not the other), but every piece costs a pass through
 * every layer's fixed costs and a slab more to add up: only a convolutional model, whose step is
 * long against those costs, is cut finer than one piece a thread, into at most four, and never
 * into pieces of fewer than MIN_PIECE examples, nor of less than a ghost batch (pieces are cut at
 * ghost batches, so smaller ones would be empty).
 */
export function piecesPerThread(model: Sequential, threads: number, batch: number): number {
  if (!model.layers.some((l) => l.type === 'conv2d')) return 1;
  const smallest = Math.max(MIN_PIECE, model.batchStats.ghostBatch);
  return Math.max(1, Math.min(4, Math.floor(batch / (threads * smallest))));
}

/** The order in which thread w claims the pieces: its own, then the others' from the last down. */
export function claimOrder(threads: number, perThread: number, w: number): number[] {
  const pieces = threads * perThread;
  const own = Array.from({ length: perThread }, (_, i) => w * perThread + i);
  const others: number[] = [];
  for (let p = pieces - 1; p >= 0; p--) if (Math.floor(p / perThread) !== w) others.push(p);
  return [...own, ...others];
}

export interface DataParallelBuffers {
  perThread: number;
  /** One gradient slab a piece; slab 0 is the model's own gradient buffer. */
  slabs: Float32Array[];
  /** Each thread's copy of the parameters; copy 0 is the model's own. */
  copies: Float32Array[];
  /** Each piece's summed loss. */
  losses: Float64Array;
}

/** The control words: a claim word a piece, then a piece count a group, then a claim word an update chunk. */
function layout(first: number, threads: number, pieces: number) {
  return { claims: first, groups: first + pieces, chunks: first + pieces + threads };
}

export const dataParallel: Strategy<DataParallelBuffers> = {
  name: 'data-parallel',
  plan(pool: PoolPlan): Plan<DataParallelBuffers> {
    const { model, threads } = pool;
    const perThread = pool.piecesPerThread ?? piecesPerThread(model, threads, pool.maxBatch);
    if (!(Number.isInteger(perThread) && perThread >= 1)) throw new MnistTsError(`PoolBackend: ${perThread} pieces a thread, expected a whole number from 1`);
    const pieces = threads * perThread;
    const slabs = [model.grads, ...Array.from({ length: pieces - 1 }, () => pool.floats(model.paramCount))];
    const copies = [model.params, ...Array.from({ length: threads - 1 }, () => pool.floats(model.paramCount))];
    const losses = new Float64Array(new SharedArrayBuffer(pieces * 8));
    const chunks = sharesUpdate(model.paramCount, threads) ? chunkCount(model.paramCount, threads) : 0;
    return { buffers: { perThread, slabs, copies, losses }, wordCount: pieces + threads + chunks };
  },
  part: (setup, buffers) => new DataParallelPart(setup, buffers),
};

class DataParallelPart implements Part {
  readonly model: Sequential;
  takenOver = 0;
  private readonly gradient: BatchGradient;
  private readonly order: number[];
  private readonly layout: ReturnType<typeof layout>;
  private readonly add: AddInto;
  private readonly params: Float32Array;
  /** Each thread's group slab (slab-sums.ts). */
  private readonly groups: Float32Array[];
  /** This thread's part of an update phase, when the threads share the update. */
  private readonly chunks?: ChunkWork;

  constructor(private readonly setup: ThreadSetup, private readonly b: DataParallelBuffers) {
    const { thread, threads } = setup;
    this.order = claimOrder(threads, b.perThread, thread);
    this.params = b.copies[thread];
    this.groups = groupSlabs(b.slabs, threads);
    // Its own gradient buffer is the slab of its first piece.
    this.model = setup.model(this.params, b.slabs[this.order[0]]);
    this.gradient = new BatchGradient(this.model, setup.data, setup.stepSettings);
    this.add = setup.kernels.addInto.bind(setup.kernels);
    this.layout = layout(setup.firstWord, threads, b.slabs.length);
    if (sharesUpdate(this.params.length, threads)) this.chunks = chunkWork(setup.ctrl, this.layout.chunks, threads, b.slabs, thread, this.add);
  }

  reset(): void {
    for (const slab of this.b.slabs) slab.fill(0);
    for (const copy of this.b.copies) if (copy !== this.params) copy.set(this.params);
  }

  async sync(): Promise<void> {}

  async step(phases: Phases, batch: number, t: number): Promise<number> {
    resetGroups(this.setup.ctrl, this.layout.groups, this.setup.threads);
    const gradients = phases.start(PHASE.GRADIENTS);
    this.takenOver += this.computePieces(batch, t, gradients);
    await phases.wait(gradients);
    // Added in piece order, whoever computed them.
    let loss = 0;
    for (let p = 0; p < this.b.slabs.length; p++) loss += this.b.losses[p];
    if (this.chunks) {
      const update = phases.start(PHASE.UPDATE);
      updateChunks(this.chunks, update, (sum, a, c) => this.update(sum, a, c, t));
      await phases.wait(update);
    } else {
      const all = this.params.length;
      this.update(sumGroupsInto(this.groups, 0, 0, all, this.add), 0, all, t);
    }
    return loss;
  }

  run(phase: number, seq: number, batch: number, t: number): void {
    if (phase === PHASE.GRADIENTS) this.computePieces(batch, t, seq);
    else if (phase === PHASE.UPDATE && this.chunks) updateChunks(this.chunks, seq, (sum, a, c) => this.update(sum, a, c, t));
    else unknownPhase('data-parallel', phase);
  }

  /** The optimiser's step over [start, end) with the summed gradient `sum` (which it clears), then the range into every copy. */
  private update(sum: Float32Array, start: number, end: number, t: number): void {
    this.setup.optimizer.stepRange(this.params, sum, start, end, t, true);
    spreadRange(this.params, this.b.copies, start, end);
  }

  /**
   * Claims and computes pieces of phase `seq` in claim order until every piece is taken: each
   * piece's gradient into its slab (the model's gradient views moved there for it, and back to
   * its own buffer after), its summed loss into its slot; the thread that computes a group's last
   * piece sums the group (pieceDone). Returns the pieces it computed that were another thread's.
   */
  private computePieces(batch: number, step: number, seq: number): number {
    const { ctrl, threads, indices } = this.setup;
    const { slabs, losses, perThread } = this.b;
    let taken = 0;
    try {
      for (const p of this.order) {
        if (!claim(ctrl, this.layout.claims + p, seq)) continue;
        // Cut at ghost batches, so that batch statistics do not depend on the cut.
        const [start, end] = evenUnitRange(batch, slabs.length, p, this.model.batchStats.ghostBatch);
        this.model.gradientsInto(slabs[p]);
        losses[p] = this.gradient.compute(indices, start, end, batch, step);
        pieceDone(ctrl, this.layout.groups, slabs, threads, p, this.add);
        if (Math.floor(p / perThread) !== this.setup.thread) taken++;
      }
    } finally {
      this.model.gradientsInto(this.model.grads);
    }
    return taken;
  }
}
