/**
 * A model's batch statistics: where training passes write each ghost batch's statistics (batch
 * normalisation's μ and σ², src/engine/layers/batch-norm.ts), by layer and ghost-batch index, and
 * from which the layers' state moves once a whole step is done. A pool gives every thread's model
 * the same buffer, so the main thread folds what all threads wrote.
 */
import { ShapeError } from '../errors.js';
import { GHOST_BATCH } from '../layers/batch-norm.js';
import type { Layer } from '../layers/layer.js';
import type { Allocator } from '../allocator.js';

export class BatchStats {
  /** Floats per ghost batch, over the layers that take statistics (0: none do). */
  readonly perGhost: number;
  private buffer: Float32Array;

  /** `given`: a buffer shared with other threads, which therefore cannot grow. */
  constructor(private readonly layers: readonly Layer[], private readonly allocator: Allocator, private readonly given?: Float32Array) {
    this.perGhost = layers.reduce((sum, l) => sum + (l.statsPerGhost ?? 0), 0);
    this.buffer = given ?? allocator.f32(0);
    this.bind();
  }

  /** Examples a ghost batch holds: GHOST_BATCH with batch normalisation, else 1 (any cut will do). */
  get ghostBatch(): number {
    return this.perGhost > 0 ? GHOST_BATCH : 1;
  }

  /** Floats that training steps of up to `maxBatch` examples write. */
  lengthFor(maxBatch: number): number {
    return Math.ceil(maxBatch / GHOST_BATCH) * this.perGhost;
  }

  /** Makes room for steps of up to `maxBatch` examples: before a step's first pass, since a new buffer starts empty. */
  reserve(maxBatch: number): void {
    const length = this.lengthFor(maxBatch);
    if (length <= this.buffer.length) return;
    if (this.given) throw new ShapeError(`model: its batch statistics buffer has ${this.buffer.length} values, a batch of ${maxBatch} needs ${length}`);
    this.buffer = this.allocator.f32(length);
    this.bind();
  }

  /** After a whole step of `batch` examples: each layer's state moves through the step's statistics. */
  fold(batch: number): void {
    for (const layer of this.layers) layer.foldBatchStats?.(batch);
  }

  /** Each layer that takes statistics gets its view, for as many ghost batches as the buffer holds. */
  private bind(): void {
    if (this.perGhost === 0) return;
    const ghosts = Math.floor(this.buffer.length / this.perGhost);
    let offset = 0;
    for (const layer of this.layers) {
      if (!layer.statsPerGhost) continue;
      const size = ghosts * layer.statsPerGhost;
      layer.bindBatchStats!(this.buffer.subarray(offset, offset + size));
      offset += size;
    }
  }

  /** The buffer, for a pool to share with its threads' models. */
  get values(): Float32Array {
    return this.buffer;
  }
}
