/** Where a batch's gradient is computed: in this thread, or spread over a worker pool (src/node). */
import type { Sequential } from '../engine/sequential.js';
import type { TrainingData } from './data.js';
import { ShardGradient } from './shard.js';

export interface GradientBackend {
  readonly threads: number;
  /**
   * Puts the gradient of the batch's mean loss into model.grads and returns the summed loss.
   * `indices` holds the batch's example indices.
   */
  computeBatch(indices: Int32Array, batch: number): Promise<number>;
  /** Releases threads; always safe to call, also after a failure. */
  close(): Promise<void>;
}

/** One thread, no pool: the same gradient function, called directly. */
export class InProcessBackend implements GradientBackend {
  readonly threads = 1;
  private readonly shard: ShardGradient;

  constructor(model: Sequential, data: TrainingData) {
    this.shard = new ShardGradient(model, data);
  }

  async computeBatch(indices: Int32Array, batch: number): Promise<number> {
    return this.shard.compute(indices, 0, batch, batch);
  }

  async close(): Promise<void> {}
}
