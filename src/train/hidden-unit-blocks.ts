/**
 * A pool's step for a model with one hidden layer (dense on sparse input → relu → dense, such as
 * the MLP 784-256-10), split across the threads by hidden units: each thread owns a block of the
 * hidden units, with their incoming weights (a block of the first layer's columns, and of its
 * bias) and their outgoing weights (the same block of the second layer's rows), and computes
 * them for the whole batch. A step:
 *  1. each thread gathers the batch and computes its units' activations a = relu(x·W1[:, block] +
 *     b1[block]) and its share of the logits, P = a·W2[block, :] (batch × classes), into shared
 *     memory; then it says so, and waits until every thread has;
 *  2. each thread sums the shares in thread order and adds b2: the whole batch's logits, the same
 *     bits in every thread, and so the same loss and d(loss)/d(logits) (batch × classes values,
 *     as cheap to compute again as to send);
 *  3. each thread computes its block's gradient, dW2[block, :] = aᵀ·dz, da = dz·W2[block, :]ᵀ,
 *     dh = relu'(a)·da, dW1[:, block] = xᵀ·dh, and the biases', and updates its block with its
 *     own optimiser. b2 is in every thread's block: every thread updates its copy from the same
 *     gradient, so the copies stay equal.
 *
 * Why: FirstLayerColumns (first-layer-columns.ts), which splits only the first layer, hands off
 * three times a step, and each thread reads the other threads' blocks of the hidden activations
 * and writes theirs of its gradient: batch × hidden floats crossing between the cores, twice. Here
 * one hand-off a step carries batch × classes floats a thread, and nothing a thread computes in
 * step 3 is read by another, so the main thread returns from a step without waiting for the
 * others to finish theirs: the next step's hand-off, or any other phase, waits for them (the
 * shares alternate between two buffers, so a thread may still read step t's while another writes
 * step t + 1's).
 *
 * Each block lives in its thread's own copy between steps; `store` writes it back into the model
 * and its optimiser state, as FirstLayerColumns does. The logits are a sum of the threads' shares
 * rather than one sum over every hidden unit, so a thread count gives its own bits (the same every
 * time), within rounding of one thread's.
 */
import type { Sequential } from '../engine/model/sequential.js';
import type { KernelSet } from '../engine/kernels/kernel-set.js';
import type { CsrMatrix } from '../engine/kernels/csr.js';
import type { OptimizerConfig } from '../engine/optim/optimizers.js';
import { Scratch } from '../engine/layers/layer.js';
import { BatchBuffers, type TrainingData } from './training-data.js';
import { gatherWholeBatch, OwnedBlock } from './owned-block.js';
import { columnBlock, copyColumns, MIN_BLOCK } from './first-layer-columns.js';
import { softmaxLoss, type StepRandomness } from './shard.js';
import { sumShares, type LogitShareSplit } from './logit-shares.js';

export interface HiddenUnitsShape {
  inputs: number;
  hidden: number;
  classes: number;
}

/**
 * The model's shape when a pool of `threads` threads splits it by hidden units: exactly dense →
 * relu → dense on sparse data, the parameters in that order, at least MIN_BLOCK hidden units a
 * thread; else undefined.
 */
export function splitHiddenUnits(model: Sequential, data: TrainingData, threads: number): HiddenUnitsShape | undefined {
  const [first, activation, last] = model.layers;
  if (threads < 2 || data.kind !== 'bytes-csr' || model.layers.length !== 3) return undefined;
  if (first.type !== 'dense' || activation.type !== 'relu' || last.type !== 'dense') return undefined;
  const inputs = first.inputSize, hidden = first.outputSize, classes = last.outputSize;
  const sizes = [inputs * hidden, hidden, hidden * classes, classes];
  let offset = 0;
  for (let e = 0; e < 4; e++) {
    if (model.entries[e]?.offset !== offset || model.entries[e].size !== sizes[e]) return undefined;
    offset += sizes[e];
  }
  if (hidden < MIN_BLOCK * threads) return undefined;
  return { inputs, hidden, classes };
}

export class HiddenUnitBlock implements LogitShareSplit {
  private readonly shape: HiddenUnitsShape;
  private readonly start: number;
  private readonly width: number;
  /**
   * This thread's copy of its block: W1's columns and b1's (inputs + 1 rows of `width`), then
   * W2's rows (width × classes), then b2.
   */
  private readonly own: OwnedBlock;
  private readonly kernels: KernelSet;
  private readonly buf: BatchBuffers;
  private readonly activations = new Scratch();
  private readonly dActivations = new Scratch();
  private readonly logits = new Scratch();
  private readonly dLogits = new Scratch();
  private x: CsrMatrix | undefined;

  /**
   * @param shares per thread j, its two buffers of logit shares (maxBatch × classes each), used by
   *   turns
   * @param shared the model's optimiser state (the arrays the pool shares)
   */
  constructor(readonly model: Sequential, readonly data: TrainingData, readonly randomness: StepRandomness, readonly threads: number, readonly k: number, private readonly shares: Float32Array[][], config: OptimizerConfig, shared: Record<string, Float32Array>) {
    const shape = splitHiddenUnits(model, data, threads);
    if (!shape) throw new RangeError('HiddenUnitBlock: this model and data do not split by hidden units');
    this.shape = shape;
    const [c0, c1] = columnBlock(shape.hidden, threads, k);
    this.start = c0;
    this.width = c1 - c0;
    this.kernels = model.kernels;
    const size = (shape.inputs + 1) * this.width + this.width * shape.classes + shape.classes;
    this.own = new OwnedBlock(model, size, config, shared, (flat, block, toBlock) => this.copy(flat, block, toBlock));
    this.buf = new BatchBuffers(this.kernels);
    for (const s of [this.activations, this.dActivations, this.logits, this.dLogits]) s.allocator = this.kernels.allocator;
  }

  /** The four parts of a block laid out as `own`: W1's columns, b1's, W2's rows, b2. */
  private parts(block: Float32Array) {
    const { inputs, classes } = this.shape;
    const w = this.width;
    const w2At = (inputs + 1) * w, b2At = w2At + w * classes;
    return { w1: block.subarray(0, inputs * w), b1: block.subarray(inputs * w, w2At), w2: block.subarray(w2At, b2At), b2: block.subarray(b2At, b2At + classes) };
  }

  /**
   * Copies between `flat` (laid out as the parameters) and `block` (this thread's layout), in the
   * direction asked. Only thread 0 writes b2 back: every thread's copy is the same.
   */
  private copy(flat: Float32Array, block: Float32Array, toBlock: boolean): void {
    const { inputs, hidden, classes } = this.shape;
    copyColumns(flat, block, inputs, hidden, this.start, this.width, toBlock);
    const mine = this.parts(block);
    const w2At = (inputs + 1) * hidden + this.start * classes;
    const b2At = (inputs + 1) * hidden + hidden * classes;
    if (toBlock) {
      mine.w2.set(flat.subarray(w2At, w2At + mine.w2.length));
      mine.b2.set(flat.subarray(b2At, b2At + classes));
    } else {
      flat.set(mine.w2, w2At);
      if (this.k === 0) flat.set(mine.b2, b2At);
    }
  }

  /** Writes this block, and its optimiser state, back into the model's (the pool's sync). */
  store(): void {
    this.own.store();
  }

  /** Step 1: this block's activations for the whole batch, and its share of the logits into shares[k][turn]. */
  forward(indices: ArrayLike<number>, batch: number, step: number, turn: number): void {
    this.own.ensureLoaded();
    const x = (this.x = gatherWholeBatch(this.data, indices, batch, this.buf, this.randomness, step));
    const { classes } = this.shape;
    const w = this.width;
    const { w1, b1, w2 } = this.parts(this.own.values);
    const a = this.activations.get(batch * w);
    this.kernels.csrMatmul(x, w1, a, w);
    this.kernels.addBias(a, b1, batch, w);
    this.kernels.relu(a, a);
    this.kernels.matmul(a, w2, this.shares[this.k][turn].subarray(0, batch * classes), batch, classes, w);
  }

  /**
   * Steps 2 and 3, once every thread's share of this turn is in: the logits, the loss, this
   * block's gradient and its update (leaving the gradient zero). Returns the batch's summed loss.
   */
  backwardAndUpdate(batch: number, step: number, turn: number): number {
    const { classes } = this.shape;
    const w = this.width;
    const n = batch * classes;
    const z = sumShares(this.kernels, this.shares, turn, n, this.logits.get(n));
    const { b2, w2 } = this.parts(this.own.values);
    this.kernels.addBias(z, b2, batch, classes);
    const labels = this.buf.labels.subarray(0, batch);
    const dz = this.dLogits.get(n);
    const loss = softmaxLoss(this.kernels, z, labels, batch, classes, dz, 1 / batch);
    const g = this.parts(this.own.grad);
    const a = this.activations.get(batch * w);
    // As Dense.backward does for the second layer, over this block's rows of it.
    this.kernels.matmul(a, dz, g.w2, w, classes, batch, { transA: true, accumulate: true });
    this.kernels.addRowSums(dz, g.b2, batch, classes);
    const da = this.dActivations.get(batch * w);
    this.kernels.matmul(dz, w2, da, batch, w, classes, { transB: true });
    this.kernels.reluBackward(a, da, da);
    // And for the first layer, over this block's columns.
    this.kernels.csrTransposeMatmul(this.x!, da, g.w1, w);
    this.kernels.addRowSums(da, g.b1, batch, w);
    this.own.update(step);
    return loss;
  }
}
