/**
 * What the strategies that give each thread a block of the parameters share
 * (first-layer-columns.ts, hidden-units.ts): the block as the thread's own copy between steps,
 * with its own gradient and optimiser state, taken from the model before the first step and
 * written back into it (and into the optimiser state the threads share) whenever the pool syncs;
 * and the whole batch's gather, shifted as one thread would shift it.
 */
import type { Sequential } from '../../engine/model/sequential.js';
import type { CsrMatrix } from '../../engine/kernels/csr.js';
import { optimizerFromConfig, type Optimizer, type OptimizerConfig } from '../../engine/optim/optimizers.js';
import { gatherBatch, type BatchBuffers, type TrainingData } from '../training-data.js';
import { shiftCsr } from '../augment.js';
import type { StepRandomness } from '../batch-gradient.js';

/** Copies between `flat` (laid out as the parameters) and `block` (a block's own layout), in the direction asked. */
export type BlockCopy = (flat: Float32Array, block: Float32Array, toBlock: boolean) => void;

export class OwnedBlock {
  /** The block's values, in its own layout. */
  readonly values: Float32Array;
  readonly grad: Float32Array;
  private readonly optimizer: Optimizer;
  private loaded = false;

  /**
   * @param shared the model's optimiser state (the arrays the pool shares), which `load` reads
   *   this block's state from and `store` writes it back to
   */
  constructor(private readonly model: Sequential, size: number, config: OptimizerConfig, private readonly shared: Record<string, Float32Array>, private readonly copy: BlockCopy) {
    const kernels = model.kernels;
    this.values = kernels.allocator.f32(size);
    this.grad = kernels.allocator.f32(size);
    this.optimizer = optimizerFromConfig(config);
    this.optimizer.useKernels(kernels);
    this.optimizer.ensureState(size);
  }

  /** Takes the block, and its optimiser state, from the model, once (before the first step). */
  ensureLoaded(): void {
    if (this.loaded) return;
    this.copy(this.model.params, this.values, true);
    const mine = this.optimizer.state();
    for (const key of Object.keys(mine)) if (this.shared[key]) this.copy(this.shared[key], mine[key], true);
    this.loaded = true;
  }

  /** Writes the block, and its optimiser state, back into the model's (the pool's sync). */
  store(): void {
    if (!this.loaded) return;
    this.copy(this.model.params, this.values, false);
    const mine = this.optimizer.state();
    for (const key of Object.keys(mine)) if (this.shared[key]) this.copy(this.shared[key], mine[key], false);
  }

  /** The optimiser's step over the whole block, leaving its gradient zero. */
  update(step: number): void {
    this.optimizer.stepRange(this.values, this.grad, 0, this.values.length, step, true);
  }
}

/** The whole batch gathered into `buf` (bytes-csr data), shifted as one thread shifts it. */
export function gatherWholeBatch(data: TrainingData, indices: ArrayLike<number>, batch: number, buf: BatchBuffers, randomness: StepRandomness, step: number): CsrMatrix {
  const x = gatherBatch(data, indices, 0, batch, buf) as CsrMatrix;
  const { seed, augment } = randomness;
  if (augment && augment.shift > 0) shiftCsr(x, augment, seed, step, 0);
  return x;
}
