/** Where a batch's gradient is computed: in this thread, or spread over a worker pool (src/node). */
import type { Optimizer } from '../engine/optim/optimizers.js';
import { evaluateRange } from './evaluate-data.js';
import type { Sequential } from '../engine/model/sequential.js';
import type { TrainingData } from './training-data.js';
import { BatchGradient, type StepSettings } from './batch-gradient.js';

export interface GradientBackend {
  readonly threads: number;
  readonly optimizer: Optimizer;
  /**
   * One training step on the batch whose example indices are `indices`: the gradient of the
   * batch's mean loss, then the optimiser's update of model.params, which consumes the gradient
   * (model.grads is zero after a step, ready for the next).
   * `t` is the step number (1-based, counted over the whole run): it drives the learning-rate
   * schedule, Adam's bias correction, dropout masks and augmentation. Returns the summed loss.
   */
  step(indices: Int32Array, batch: number, t: number): Promise<number>;
  /**
   * Accuracy and mean loss of the model on a data set, between steps. A pool splits the set
   * across its threads when it was given the set at its start; otherwise this thread does it all.
   */
  evaluate(data: TrainingData): Promise<{ accuracy: number; loss: number }>;
  /**
   * Brings model.params and the optimiser's state up to date, where a backend keeps part of them
   * elsewhere between steps (a pool that splits the first layer by columns keeps each thread's
   * block in that thread): call it before reading them. The trainer calls it at the end of every
   * epoch; `evaluate` and `close` need no call before them. Write to the parameters only before
   * the first step: such a pool reads its blocks from the model once, then keeps them.
   */
  sync?(): Promise<void>;
  /**
   * Says that the model's parameters were written between steps (an average of the weights put
   * in for an evaluation, then taken out): a pool refreshes its threads' copies of them before its
   * next step or evaluation.
   */
  paramsWritten?(): void;
  /** Releases threads; always safe to call, also after a failure. */
  close(): Promise<void>;
}

/** One thread, no pool: the same gradient function, called directly. */
export class InProcessBackend implements GradientBackend {
  readonly threads = 1;
  private readonly gradient: BatchGradient;
  /** Whether model.grads is known to be zero: after a whole step (the update clears it), not before the first. */
  private gradsClear = false;

  constructor(readonly model: Sequential, data: TrainingData, readonly optimizer: Optimizer, stepSettings?: StepSettings) {
    this.gradient = new BatchGradient(model, data, stepSettings);
    optimizer.useKernels(model.kernels);
    optimizer.ensureState(model.paramCount);
  }

  async step(indices: Int32Array, batch: number, t: number): Promise<number> {
    if (!this.gradsClear) this.model.zeroGrad();
    this.gradsClear = false;
    const loss = this.gradient.compute(indices, 0, batch, batch, t);
    this.model.batchStats.fold(batch);
    this.optimizer.stepRange(this.model.params, this.model.grads, 0, this.model.paramCount, t, true);
    this.gradsClear = true;
    return loss;
  }

  async evaluate(data: TrainingData): Promise<{ accuracy: number; loss: number }> {
    return fromPartial(evaluateRange(this.model, data, 0, data.count), data.count);
  }

  /** Nothing is kept elsewhere: the model is always up to date. */
  async sync(): Promise<void> {}

  async close(): Promise<void> {}
}

/** Accuracy and mean loss from counts over `count` examples (0 and 0 for none). */
export function fromPartial(p: { correct: number; lossSum: number }, count: number): { accuracy: number; loss: number } {
  return count === 0 ? { accuracy: 0, loss: 0 } : { accuracy: p.correct / count, loss: p.lossSum / count };
}
