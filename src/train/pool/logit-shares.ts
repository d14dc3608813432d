/**
 * What the two strategies with one hand-off a step have in common (hidden-units.ts,
 * input-rows.ts): each thread computes its share of the whole batch's logits, publishes it, and
 * once every share is in, sums them in thread order (the same bits in every thread) and computes
 * and applies the gradient of its own part of the model. Nothing a thread computes after the
 * hand-off is read by another, so the main thread returns from a step without waiting for the
 * workers: whatever it starts next waits for them. The shares alternate between two buffers (by
 * the parity of the phase's SEQ), so a thread may still read step t's while another writes t + 1's;
 * and nothing after the hand-off reads the batch's indices, BATCH or STEP, which the main thread
 * may already have set for the next step.
 *
 * Phases: 0, a step, with the hand-off inside it; 1, a sync, which writes each thread's part
 * back into the model and, above all, waits for the workers' last updates.
 * Control words: one a thread, where it publishes the SEQ of the last step whose share it wrote.
 */
import type { Sequential } from '../../engine/model/sequential.js';
import type { KernelSet } from '../../engine/kernels/kernel-set.js';
import { COMMAND_STOP, CTRL, unknownPhase } from './control.js';
import { waitUntil } from './wait.js';
import type { Part, Phases, PoolPlan, ThreadSetup } from './strategy.js';

const PHASE = { STEP: 0, SYNC: 1 } as const;

/** One thread's part of a model split with one hand-off of the logits a step. */
export interface ShareSplit {
  readonly model: Sequential;
  /** This thread's share of the logits of `batch` examples into `share`. */
  forward(batch: number, step: number, share: Float32Array): void;
  /** Once every share is in: the logits (summed from `shares`), the loss, and this thread's part's gradient and update. Returns the summed loss. */
  backwardAndUpdate(batch: number, step: number, shares: Float32Array[]): number;
  /** Writes this thread's part, and its optimiser state, back into the model where it keeps a copy. */
  store(): void;
}

/** Per thread, its two buffers of logit shares (maxBatch × classes each). */
export function shareBuffers(pool: PoolPlan): Float32Array[][] {
  return Array.from({ length: pool.threads }, () => [0, 1].map(() => pool.floats(pool.maxBatch * pool.model.outputSize)));
}

/** The whole batch's logits (`n` values) into `z`: every thread's share, added in thread order. */
export function sumShares(kernels: KernelSet, shares: Float32Array[], n: number, z: Float32Array): Float32Array {
  z.set(shares[0].subarray(0, n));
  for (let j = 1; j < shares.length; j++) kernels.addInto(z, shares[j], 0, n);
  return z;
}

/** The first thread whose share of step phase `seq` is not in yet, or -1. */
function missingShare(ctrl: Int32Array, firstWord: number, threads: number, seq: number): number {
  for (let w = 0; w < threads; w++) if (Atomics.load(ctrl, firstWord + w) < seq) return w;
  return -1;
}

/** A ShareSplit driven by the pool: the hand-off, the phases and the sync. */
export class SharePart implements Part {
  readonly takenOver = 0;
  /** Whether the threads have stepped since the model last had their parts (main thread). */
  private ahead = false;
  /** Every thread's share buffer, for even and for odd SEQs. */
  private readonly turns: Float32Array[][];

  constructor(private readonly setup: ThreadSetup, private readonly split: ShareSplit, private readonly shares: Float32Array[][], private readonly clear: () => void) {
    this.turns = [0, 1].map((parity) => shares.map((buffers) => buffers[parity]));
  }

  get model(): Sequential {
    return this.split.model;
  }

  reset(): void {
    this.clear();
  }

  async step(phases: Phases, batch: number, t: number): Promise<number> {
    this.ahead = true;
    const seq = phases.start(PHASE.STEP);
    this.split.forward(batch, t, this.shares[0][seq & 1]);
    this.publish(seq);
    await phases.wait(seq, this.setup.firstWord);
    return this.split.backwardAndUpdate(batch, t, this.turn(seq));
  }

  async sync(phases: Phases): Promise<void> {
    if (!this.ahead) return;
    const seq = phases.start(PHASE.SYNC);
    this.split.store();
    await phases.wait(seq);
    this.ahead = false;
  }

  run(phase: number, seq: number, batch: number, t: number): void {
    if (phase === PHASE.SYNC) return this.split.store();
    if (phase !== PHASE.STEP) unknownPhase('logit shares', phase);
    this.split.forward(batch, t, this.shares[this.setup.thread][seq & 1]);
    this.publish(seq);
    if (this.awaitShares(seq)) this.split.backwardAndUpdate(batch, t, this.turn(seq));
  }

  /** Every thread's share buffer of the step started as `seq`. */
  private turn(seq: number): Float32Array[] {
    return this.turns[seq & 1];
  }

  private publish(seq: number): void {
    const word = this.setup.firstWord + this.setup.thread;
    Atomics.store(this.setup.ctrl, word, seq);
    Atomics.notify(this.setup.ctrl, word);
  }

  private awaitShares(seq: number): boolean {
    return awaitShares(this.setup.ctrl, this.setup.firstWord, this.setup.threads, seq);
  }
}

/**
 * A worker's wait until every thread's share of step `seq` is in (thread w's word at `firstWord + w`):
 * true then; false if the main thread moved on without its own (its step failed), a thread failed,
 * or the pool stops.
 */
export function awaitShares(ctrl: Int32Array, firstWord: number, threads: number, seq: number): boolean {
  waitUntil(ctrl, () => {
    const missing = missingShare(ctrl, firstWord, threads, seq);
    if (missing < 0 || Atomics.load(ctrl, CTRL.SEQ) !== seq || Atomics.load(ctrl, CTRL.COMMAND) === COMMAND_STOP || Atomics.load(ctrl, CTRL.FAILED) !== 0) return -1;
    return firstWord + missing;
  }, { sleepMs: 1 });
  return missingShare(ctrl, firstWord, threads, seq) < 0;
}
