/**
 * What the pool's two splits with one hand-off a step have in common (hidden-unit-blocks.ts,
 * input-row-blocks.ts): each thread computes its share of the whole batch's logits, publishes it
 * (protocol.ts, the LOGIT_SHARES phase), and once every share is in, sums them in thread order,
 * and computes and applies the gradient of its own part of the model. The main thread and the
 * workers drive either the same way.
 */
import type { KernelSet } from '../engine/kernels/kernel-set.js';

export interface LogitShareSplit {
  /** This thread's share of the logits of `batch` examples into its buffer of turn `turn` (0 or 1). */
  forward(indices: ArrayLike<number>, batch: number, step: number, turn: number): void;
  /** Once every thread's share of `turn` is in: the loss, and this thread's part's gradient and update. Returns the summed loss. */
  backwardAndUpdate(batch: number, step: number, turn: number): number;
  /** Writes this thread's part, and its optimiser state, back into the model where it keeps a copy. */
  store(): void;
}

/** The whole batch's logits (`n` values) into `z`: every thread's share of turn `turn`, added in thread order. */
export function sumShares(kernels: KernelSet, shares: Float32Array[][], turn: number, n: number, z: Float32Array): Float32Array {
  z.set(shares[0][turn].subarray(0, n));
  for (let j = 1; j < shares.length; j++) kernels.addInto(z, shares[j][turn], 0, n);
  return z;
}
