/**
 * What the pool's two splits with one hand-off a step have in common (hidden-unit-blocks.ts,
 * input-row-blocks.ts): each thread computes its share of the whole batch's logits, publishes it
 * (protocol.ts, the LOGIT_SHARES phase), and once every share is in, sums them in thread order,
 * and computes and applies the gradient of its own part of the model. The main thread and the
 * workers drive either the same way.
 */
export interface LogitShareSplit {
  /** This thread's share of the logits of `batch` examples into its buffer of turn `turn` (0 or 1). */
  forward(indices: ArrayLike<number>, batch: number, step: number, turn: number): void;
  /** Once every thread's share of `turn` is in: the loss, and this thread's part's gradient and update. Returns the summed loss. */
  backwardAndUpdate(batch: number, step: number, turn: number): number;
  /** Writes this thread's part, and its optimiser state, back into the model where it keeps a copy. */
  store(): void;
}
