/**
 * A pool's step with the first layer split by columns: each thread owns a block of the first
 * dense layer's outputs (128 of 256, on 2 threads), and computes them for the whole batch; the
 * layers above stay data-parallel, on each thread's shard of the batch. For a model with more
 * than one hidden layer: one with exactly one splits further, by hidden units
 * (hidden-unit-blocks.ts).
 *
 * Why (measured on the MLP 784-256-10, before it split by hidden units): the first layer holds
 * nearly all the weights (200,704 of the MLP's 203,530), and shared by
 * every thread they cross between the cores twice a step: each core reads every row in its
 * forward pass, after the other core has updated half of them, and the update reads the other
 * core's gradient slab and clears it. On this machine that made a 2-thread step's first-layer
 * products 25-30% slower per example than on one thread, and its update (half the parameters
 * each) slower than one thread's whole update (npm run bench:profile -- mlp --threads 2). A block
 * of columns, with its gradient and its optimiser state, is this thread's alone: no other core
 * reads or writes it.
 *
 * A step has three phases (protocol.ts):
 *  1. first layer: each thread gathers the whole batch and writes its block of the layer's
 *     outputs, H[:, block] = x·W[:, block] + b[block], into shared memory;
 *  2. upper layers: each thread takes its shard's rows of H (all blocks), runs the layers above
 *     forward and back as ShardGradient would, adds their gradient into its slab, and writes its
 *     rows of dH = d(loss)/dH into shared memory;
 *  3. each thread adds xᵀ·dH[:, block] (the whole batch's gradient of its block: no slab sums)
 *     and updates its block with its own optimiser; the layers above are updated from the slabs,
 *     chunk by chunk, as in the data-parallel step.
 * Each block lives in this thread's own copy between steps, so model.params (and the optimiser's
 * state) hold the first layer only after a sync (`store`), which the pool runs before anything
 * reads them: an evaluation, the end of an epoch, closing. The sums a block's gradient makes are
 * the whole batch's in example order, as on one thread; the layers above sum their slabs in slab
 * order, so a seed and a thread count give the same bits every time.
 */
import type { Sequential } from '../engine/model/sequential.js';
import type { KernelSet } from '../engine/kernels/kernel-set.js';
import type { CsrMatrix } from '../engine/kernels/csr.js';
import type { OptimizerConfig } from '../engine/optim/optimizers.js';
import { Scratch } from '../engine/layers/layer.js';
import { BatchBuffers, type TrainingData } from './training-data.js';
import { gatherWholeBatch, OwnedBlock } from './owned-block.js';
import { softmaxLoss, type StepRandomness } from './shard.js';

/**
 * The fewest columns a thread's block may have. Chosen, not measured: a narrower block is little
 * work for the two hand-offs a step this adds (the tutorial's 10 columns stay data-parallel).
 */
export const MIN_BLOCK = 32;

/**
 * The first layer's shape when a pool of `threads` threads splits it by columns: a dense layer
 * reading sparse input (MNIST's nonzeros), its weight and bias first in the parameters, at least
 * MIN_BLOCK columns a thread; else undefined (the step stays data-parallel throughout).
 */
export function splitFirstLayer(model: Sequential, data: TrainingData, threads: number): { inputs: number; outputs: number; upperStart: number } | undefined {
  const first = model.layers[0];
  if (threads < 2 || first.type !== 'dense' || data.kind !== 'bytes-csr' || model.layers.length < 2) return undefined;
  const [w, b] = model.entries;
  const inputs = first.inputSize, outputs = first.outputSize;
  if (!w || !b || w.offset !== 0 || w.size !== inputs * outputs || b.offset !== w.size || b.size !== outputs) return undefined;
  if (outputs < MIN_BLOCK * threads) return undefined;
  return { inputs, outputs, upperStart: b.offset + b.size };
}

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

export interface ColumnBuffers {
  /** Per block j: the first layer's outputs for the batch, maxBatch × that block's width. */
  H: Float32Array[];
  /** Per block j: d(loss)/d(those outputs). */
  dH: Float32Array[];
}

export class FirstLayerColumns {
  readonly inputs: number;
  readonly outputs: number;
  /** Where the parameters of the layers above begin (they are updated from the slabs). */
  readonly upperStart: number;
  private readonly blocks: [number, number][];
  private readonly start: number;
  private readonly width: number;
  /** This thread's copy of its block: the weights' columns (inputs × width), then the bias's. */
  private readonly own: OwnedBlock;
  private readonly kernels: KernelSet;
  private readonly buf: BatchBuffers;
  private readonly rows = new Scratch();
  private readonly dlogits = new Scratch();
  private x: CsrMatrix | undefined;

  /**
   * @param shared the model's optimiser state (the arrays the pool shares), which `load` reads
   *   this block's state from and `store` writes it back to
   */
  constructor(readonly model: Sequential, readonly data: TrainingData, readonly randomness: StepRandomness, threads: number, readonly k: number, private readonly io: ColumnBuffers, config: OptimizerConfig, shared: Record<string, Float32Array>) {
    const split = splitFirstLayer(model, data, threads);
    if (!split) throw new RangeError('FirstLayerColumns: this model and data do not split their first layer');
    ({ inputs: this.inputs, outputs: this.outputs, upperStart: this.upperStart } = split);
    this.blocks = Array.from({ length: threads }, (_, j) => columnBlock(this.outputs, threads, j));
    [this.start] = this.blocks[k];
    this.width = this.blocks[k][1] - this.start;
    this.kernels = model.kernels;
    const copy = (flat: Float32Array, block: Float32Array, toBlock: boolean) => copyColumns(flat, block, this.inputs, this.outputs, this.start, this.width, toBlock);
    this.own = new OwnedBlock(model, (this.inputs + 1) * this.width, config, shared, copy);
    this.buf = new BatchBuffers(this.kernels);
    this.rows.allocator = this.kernels.allocator;
    this.dlogits.allocator = this.kernels.allocator;
  }

  /** Writes this block, and its optimiser state, back into the model's (the pool's sync). */
  store(): void {
    this.own.store();
  }

  /** Phase 1: this block of the first layer's outputs for the whole batch. */
  forward(indices: ArrayLike<number>, batch: number, step: number): void {
    this.own.ensureLoaded();
    const x = (this.x = gatherWholeBatch(this.data, indices, batch, this.buf, this.randomness, step));
    const h = this.io.H[this.k].subarray(0, batch * this.width);
    const own = this.own.values;
    this.kernels.csrMatmul(x, own.subarray(0, this.inputs * this.width), h, this.width);
    this.kernels.addBias(h, own.subarray(this.inputs * this.width), batch, this.width);
  }

  /**
   * Phase 2: examples [start, end) of the batch through the layers above, their gradient added
   * into the model's gradient buffer (this thread's slab), and their rows of dH. Returns the
   * shard's summed loss (ShardGradient.compute's contract).
   */
  upper(start: number, end: number, batch: number, step: number): number {
    const size = end - start;
    if (size === 0) return 0;
    const n = this.outputs;
    const h = this.rows.get(size * n);
    for (let j = 0; j < this.blocks.length; j++) {
      const [c0, c1] = this.blocks[j];
      const w = c1 - c0, src = this.io.H[j];
      for (let r = 0; r < size; r++) h.set(src.subarray((start + r) * w, (start + r + 1) * w), r * n + c0);
    }
    const labels = this.buf.labels.subarray(start, end);
    const logits = this.model.forwardFrom(1, h, size, true, { seed: this.randomness.seed, step, offset: start });
    const classes = this.model.outputSize;
    const dlogits = this.dlogits.get(logits.length);
    const loss = softmaxLoss(this.kernels, logits, labels, size, classes, dlogits, 1 / batch);
    const dh = this.model.backwardTo(1, dlogits, size);
    for (let j = 0; j < this.blocks.length; j++) {
      const [c0, c1] = this.blocks[j];
      const w = c1 - c0, dst = this.io.dH[j];
      for (let r = 0; r < size; r++) dst.set(dh.subarray(r * n + c0, r * n + c1), (start + r) * w);
    }
    return loss;
  }

  /** Phase 3: this block's gradient over the whole batch, and its update (leaving the gradient zero). */
  backwardAndUpdate(batch: number, step: number): void {
    const { inputs, width } = this;
    const dh = this.io.dH[this.k].subarray(0, batch * width);
    const grad = this.own.grad;
    this.kernels.csrTransposeMatmul(this.x!, dh, grad.subarray(0, inputs * width), width);
    this.kernels.addRowSums(dh, grad.subarray(inputs * width), batch, width);
    this.own.update(step);
  }
}
