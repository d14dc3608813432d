/**
 * What the strategies that give each thread a block of the parameters share
 * (first-layer-columns.ts, hidden-units.ts): the block as the thread's own copy between steps,
 * with its own gradient and optimiser state, taken from the model before the first step and
 * written back into it (and into the optimiser state the threads share) whenever the pool syncs;
 * how a layer's columns are cut into blocks and copied; and the whole batch's gather, shifted as
 * one thread would shift it.
 */
import type { Sequential } from '../../engine/model/sequential.js';
import type { CsrMatrix } from '../../engine/kernels/csr.js';
import { optimizerFromConfig, type Optimizer, type OptimizerConfig } from '../../engine/optim/optimizers.js';
import { gatherBatch, type BatchBuffers, type TrainingData } from '../training-data.js';
import { shiftCsr } from '../augment.js';
import type { StepSettings } from '../batch-gradient.js';

/** Copies between `flat` (laid out as the parameters) and `block` (a block's own layout), in the direction asked. */
export type BlockCopy = (flat: Float32Array, block: Float32Array, toBlock: boolean) => void;

export class OwnedBlock {
  /** The block's values, in its own layout. */
  readonly values: Float32Array;
  readonly grad: Float32Array;
  private readonly optimizer: Optimizer;
  private loaded = false;

  /**
   * @param shared the model's optimiser state (the arrays the pool shares), which `ensureLoaded` reads
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
export function gatherWholeBatch(data: TrainingData, indices: ArrayLike<number>, batch: number, buf: BatchBuffers, stepSettings: StepSettings, step: number): CsrMatrix {
  const x = gatherBatch(data, indices, 0, batch, buf) as CsrMatrix;
  const { seed, augment } = stepSettings;
  if (augment && augment.shift > 0) shiftCsr(x, augment, seed, step, 0);
  return x;
}

/** The fewest columns a thread's block may have: a narrower block is too little work for a step's two extra hand-offs. */
export const MIN_BLOCK = 32;

/** Thread k's block of `outputs` columns: [start, end), cut at multiples of 4 (whole SIMD vectors). */
export function columnBlock(outputs: number, threads: number, k: number): [number, number] {
  const vectors = Math.floor(outputs / 4);
  const cut = (j: number) => (j === threads ? outputs : 4 * Math.floor((j * vectors) / threads));
  return [cut(k), cut(k + 1)];
}

/**
 * Copies columns [start, start + width) of a dense layer's weight (inputs × outputs, at the start
 * of `flat`) and of its bias (right after it) to or from `block`, laid out as inputs + 1 rows of
 * `width`: the weights' rows, then the bias.
 */
export function copyColumns(flat: Float32Array, block: Float32Array, inputs: number, outputs: number, start: number, width: number, toBlock: boolean): void {
  for (let r = 0; r <= inputs; r++) {
    const at = r * outputs + start;
    if (toBlock) block.set(flat.subarray(at, at + width), r * width);
    else flat.set(block.subarray(r * width, (r + 1) * width), at);
  }
}
