/**
 * The hidden-units strategy, for a model with one hidden layer (dense on sparse input → relu →
 * dense, such as the MLP 784-256-10): each thread owns a block of the hidden units, with their
 * incoming weights (a block of the first layer's columns and bias) and their outgoing weights
 * (the same block of the second layer's rows), and computes them for the whole batch. A step,
 * with the hand-off of logit-shares.ts:
 *  1. each thread gathers the batch and computes its units' activations a = relu(x·W1[:, block] +
 *     b1[block]) and its share of the logits, a·W2[block, :];
 *  2. each thread sums the shares and adds b2: the whole batch's logits, the loss and dz;
 *  3. each thread computes its block's gradient (dW2[block, :] = aᵀ·dz, da = dz·W2[block, :]ᵀ,
 *     dh = relu'(a)·da, dW1[:, block] = xᵀ·dh, and the biases') and updates its block. b2 is in
 *     every thread's block: each updates its copy from the same gradient, so the copies agree.
 * First-layer columns alone would hand off three times a step, with batch × hidden floats
 * crossing between the cores twice; here one hand-off carries batch × classes floats a thread.
 * Each block lives in its thread between steps; the sync writes it back into the model.
 */
import type { Sequential } from '../../engine/model/sequential.js';
import type { CsrMatrix } from '../../engine/kernels/csr.js';
import { Scratch } from '../../engine/layers/layer.js';
import { denseForward, denseInputGrad, denseParamGrads } from '../../engine/layers/dense-math.js';
import { BatchBuffers, type TrainingData } from '../training-data.js';
import { softmaxLoss } from '../batch-gradient.js';
import { columnBlock, copyColumns, gatherWholeBatch, MIN_BLOCK, OwnedBlock } from './owned-block.js';
import { shareBuffers, SharePart, sumShares, type ShareSplit } from './logit-shares.js';
import type { Plan, PoolPlan, Strategy, ThreadSetup } from './strategy.js';

export interface HiddenUnitsShape {
  inputs: number;
  hidden: number;
  classes: number;
}

/**
 * The model's shape when `threads` threads split it by hidden units: exactly dense → relu →
 * dense on sparse data, the parameters in that order, at least MIN_BLOCK hidden units a thread;
 * else undefined.
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

export interface HiddenUnitBuffers {
  params: Float32Array;
  /**
   * Each thread's model's gradient buffer (thread 0's is the model's own), unused by the step but
   * made here, with the other buffers, rather than by each worker: where a worker's buffers lie
   * in the kernel memory shows in the step's speed (scripts/BENCHMARKS.md, "Memory layout").
   */
  slabs: Float32Array[];
  shares: Float32Array[][];
}

export const hiddenUnits: Strategy<HiddenUnitBuffers> = {
  name: 'hidden-units',
  plan(pool: PoolPlan): Plan<HiddenUnitBuffers> | undefined {
    if (!splitHiddenUnits(pool.model, pool.data, pool.threads)) return undefined;
    const slabs = [pool.model.grads, ...Array.from({ length: pool.threads - 1 }, () => pool.floats(pool.model.paramCount))];
    return { buffers: { params: pool.model.params, slabs, shares: shareBuffers(pool) }, wordCount: pool.threads };
  },
  part: (setup, b) => {
    const block = new HiddenUnitBlock(setup, b);
    return new SharePart(setup, block, b.shares, () => b.slabs.forEach((slab) => slab.fill(0)));
  },
};

class HiddenUnitBlock implements ShareSplit {
  readonly model: Sequential;
  private readonly shape: HiddenUnitsShape;
  private readonly start: number;
  private readonly width: number;
  /** This thread's copy of its block: W1's columns and b1's (inputs + 1 rows of `width`), then W2's rows (width × classes), then b2. */
  private readonly own: OwnedBlock;
  private readonly buf: BatchBuffers;
  private readonly activations = new Scratch();
  private readonly dActivations = new Scratch();
  private readonly logits = new Scratch();
  private readonly dLogits = new Scratch();
  private x: CsrMatrix | undefined;

  constructor(private readonly setup: ThreadSetup, b: HiddenUnitBuffers) {
    this.model = setup.model(b.params, b.slabs[setup.thread]);
    this.shape = splitHiddenUnits(this.model, setup.data, setup.threads)!;
    const [c0, c1] = columnBlock(this.shape.hidden, setup.threads, setup.thread);
    this.start = c0;
    this.width = c1 - c0;
    const size = (this.shape.inputs + 1) * this.width + this.width * this.shape.classes + this.shape.classes;
    this.own = new OwnedBlock(this.model, size, setup.optimizerConfig, setup.state, (flat, block, toBlock) => this.copy(flat, block, toBlock));
    this.buf = new BatchBuffers(setup.kernels);
    for (const s of [this.activations, this.dActivations, this.logits, this.dLogits]) s.allocator = setup.kernels.allocator;
  }

  /** The four parts of a block laid out as `own`: W1's columns, b1's, W2's rows, b2. */
  private parts(block: Float32Array) {
    const { inputs, classes } = this.shape;
    const w = this.width;
    const w2At = (inputs + 1) * w, b2At = w2At + w * classes;
    return { w1: block.subarray(0, inputs * w), b1: block.subarray(inputs * w, w2At), w2: block.subarray(w2At, b2At), b2: block.subarray(b2At, b2At + classes) };
  }

  /** Copies between `flat` (laid out as the parameters) and `block`; only thread 0 writes b2 back, every copy being the same. */
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
      if (this.setup.thread === 0) flat.set(mine.b2, b2At);
    }
  }

  store(): void {
    this.own.store();
  }

  forward(batch: number, step: number, share: Float32Array): void {
    this.own.ensureLoaded();
    const { kernels, data, indices, stepSettings } = this.setup;
    const x = (this.x = gatherWholeBatch(data, indices, batch, this.buf, stepSettings, step));
    const { inputs, classes } = this.shape;
    const w = this.width;
    const { w1, b1, w2 } = this.parts(this.own.values);
    const a = this.activations.get(batch * w);
    denseForward(kernels, x, w1, b1, a, batch, inputs, w);
    kernels.relu(a, a);
    denseForward(kernels, a, w2, null, share.subarray(0, batch * classes), batch, w, classes);
  }

  backwardAndUpdate(batch: number, step: number, shares: Float32Array[]): number {
    const { kernels } = this.setup;
    const { inputs, classes } = this.shape;
    const w = this.width;
    const n = batch * classes;
    const z = sumShares(kernels, shares, n, this.logits.get(n));
    const { b2, w2 } = this.parts(this.own.values);
    kernels.addBias(z, b2, batch, classes);
    const dz = this.dLogits.get(n);
    const loss = softmaxLoss(kernels, z, this.buf.labels.subarray(0, batch), batch, classes, dz, 1 / batch, this.setup.stepSettings.labelSmoothing);
    const g = this.parts(this.own.grad);
    const a = this.activations.get(batch * w);
    denseParamGrads(kernels, a, dz, g.w2, g.b2, batch, w, classes);
    const da = this.dActivations.get(batch * w);
    denseInputGrad(kernels, dz, w2, da, batch, w, classes);
    kernels.reluBackward(a, da, da);
    denseParamGrads(kernels, this.x!, da, g.w1, g.b1, batch, inputs, w);
    this.own.update(step);
    return loss;
  }
}
