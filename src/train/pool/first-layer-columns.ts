/**
 * The first-layer-columns strategy, for a model whose first layer is dense on sparse input and
 * holds nearly all the weights (an MLP with more than one hidden layer): each thread owns a block
 * of that layer's output columns, with its gradient and optimiser state, and computes it for the
 * whole batch; the layers above stay data-parallel, on each thread's range of the batch. Shared,
 * the first layer's weights would cross between the cores twice a step; a block is read and
 * written by its own thread only.
 *
 * A step has three phases:
 *  0. each thread gathers the whole batch and writes its block of the layer's outputs,
 *     H[:, block] = x·W[:, block] + b[block];
 *  1. each thread takes its range's rows of H (every block), runs the layers above forward and
 *     back, adds their gradient into its slab, and writes its rows of dH = d(loss)/dH;
 *  2. each thread adds xᵀ·dH[:, block] (the whole batch's, in example order, as on one thread)
 *     and updates its block; the layers above are updated from the slabs, added in slab order,
 *     chunk by chunk.
 * Each block lives in its thread between steps: model.params holds the first layer only after a
 * sync (phase 3), which the pool runs before anything reads the model.
 */
import type { Sequential } from '../../engine/model/sequential.js';
import type { CsrMatrix } from '../../engine/kernels/csr.js';
import { Scratch } from '../../engine/layers/layer.js';
import { denseForward, denseParamGrads } from '../../engine/layers/dense-math.js';
import { BatchBuffers, type TrainingData } from '../training-data.js';
import { softmaxLoss } from '../batch-gradient.js';
import { evenRange } from '../even-range.js';
import { columnBlock, copyColumns, gatherWholeBatch, MIN_BLOCK, OwnedBlock } from './owned-block.js';
import { unknownPhase } from './control.js';
import { UPDATE_CHUNK, type AddInto } from './slab-sums.js';
import type { Part, Phases, Plan, PoolPlan, Strategy, ThreadSetup } from './strategy.js';

const PHASE = { FIRST_FORWARD: 0, UPPER: 1, FIRST_BACKWARD: 2, SYNC: 3 } as const;

/**
 * The first layer's shape when `threads` threads split it by columns: a dense layer reading
 * sparse input, its weight and bias first in the parameters, at least MIN_BLOCK columns a
 * thread; else undefined.
 */
export function splitFirstLayer(model: Sequential, data: TrainingData, threads: number): { inputs: number; outputs: number; upperStart: number } | undefined {
  const first = model.layers[0];
  if (threads < 2 || first.type !== 'dense' || data.kind !== 'bytes-csr' || model.layers.length < 2) return undefined;
  // The layers above run on each thread's range of the batch, which is not cut at ghost batches.
  if (model.batchStats.perGhost > 0) return undefined;
  const [w, b] = model.entries;
  const inputs = first.inputSize, outputs = first.outputSize;
  if (!w || !b || w.offset !== 0 || w.size !== inputs * outputs || b.offset !== w.size || b.size !== outputs) return undefined;
  if (outputs < MIN_BLOCK * threads) return undefined;
  return { inputs, outputs, upperStart: b.offset + b.size };
}

export interface ColumnBuffers {
  /** The model's parameters, which every thread's model reads. */
  params: Float32Array;
  /** One gradient slab a thread for the layers above; slab 0 is the model's own gradient buffer. */
  slabs: Float32Array[];
  /** Per block j: the first layer's outputs for the batch (maxBatch × the block's width), and d(loss)/d(them). */
  H: Float32Array[];
  dH: Float32Array[];
  /** Each thread's summed loss of its range. */
  losses: Float64Array;
}

export const firstLayerColumns: Strategy<ColumnBuffers> = {
  name: 'first-layer-columns',
  plan(pool: PoolPlan): Plan<ColumnBuffers> | undefined {
    const { model, threads, maxBatch } = pool;
    const split = splitFirstLayer(model, pool.data, threads);
    if (!split) return undefined;
    const blocks = () => Array.from({ length: threads }, (_, j) => { const [c0, c1] = columnBlock(split.outputs, threads, j); return pool.floats(maxBatch * (c1 - c0)); });
    const slabs = [model.grads, ...Array.from({ length: threads - 1 }, () => pool.floats(model.paramCount))];
    const losses = new Float64Array(new SharedArrayBuffer(threads * 8));
    // One word: the next chunk of the layers above's update to claim.
    return { buffers: { params: model.params, slabs, H: blocks(), dH: blocks(), losses }, wordCount: 1 };
  },
  part: (setup, buffers) => new FirstLayerColumns(setup, buffers),
};

/**
 * Adds slabs 1.. into slab 0 over [start, end), in slab order, clearing each, then applies the
 * optimiser there with `update`, which must clear slab 0.
 */
export function reduceAndUpdate(slabs: Float32Array[], start: number, end: number, add: AddInto, update: (start: number, end: number) => void): void {
  for (let s = 1; s < slabs.length; s++) add(slabs[0], slabs[s], start, end, true);
  update(start, end);
}

/**
 * The update of the layers above, on one thread: claims chunks of [from, params) from the counter
 * in control word `word` until none is left, and sums and updates each (reduceAndUpdate). Which
 * thread takes a chunk changes nothing in it. Returns the chunks it took.
 */
export function updateByChunks(ctrl: Int32Array, word: number, params: number, slabs: Float32Array[], add: AddInto, update: (start: number, end: number) => void, from = 0, chunk = UPDATE_CHUNK): number {
  let taken = 0;
  for (;;) {
    const start = from + Atomics.add(ctrl, word, 1) * chunk;
    if (start >= params) return taken;
    reduceAndUpdate(slabs, start, Math.min(params, start + chunk), add, update);
    taken++;
  }
}

class FirstLayerColumns implements Part {
  readonly model: Sequential;
  readonly takenOver = 0;
  private readonly inputs: number;
  private readonly outputs: number;
  /** Where the parameters of the layers above begin. */
  private readonly upperStart: number;
  private readonly blocks: [number, number][];
  private readonly width: number;
  /** This thread's copy of its block: the weights' columns (inputs × width), then the bias's. */
  private readonly own: OwnedBlock;
  private readonly buf: BatchBuffers;
  private readonly rows = new Scratch();
  private readonly dlogits = new Scratch();
  private readonly add: AddInto;
  private x: CsrMatrix | undefined;
  /** Whether the blocks have changed since the model last had them (main thread). */
  private ahead = false;

  constructor(private readonly setup: ThreadSetup, private readonly b: ColumnBuffers) {
    this.model = setup.model(b.params, b.slabs[setup.thread]);
    const split = splitFirstLayer(this.model, setup.data, setup.threads)!;
    ({ inputs: this.inputs, outputs: this.outputs, upperStart: this.upperStart } = split);
    this.blocks = Array.from({ length: setup.threads }, (_, j) => columnBlock(this.outputs, setup.threads, j));
    const [start, end] = this.blocks[setup.thread];
    this.width = end - start;
    const copy = (flat: Float32Array, block: Float32Array, toBlock: boolean) => copyColumns(flat, block, this.inputs, this.outputs, start, this.width, toBlock);
    this.own = new OwnedBlock(this.model, (this.inputs + 1) * this.width, setup.optimizerConfig, setup.state, copy);
    this.buf = new BatchBuffers(setup.kernels);
    this.rows.allocator = setup.kernels.allocator;
    this.dlogits.allocator = setup.kernels.allocator;
    this.add = setup.kernels.addInto.bind(setup.kernels);
  }

  reset(): void {
    for (const slab of this.b.slabs) slab.fill(0);
  }

  async step(phases: Phases, batch: number, t: number): Promise<number> {
    this.ahead = true;
    const first = phases.start(PHASE.FIRST_FORWARD);
    this.forward(batch, t);
    await phases.wait(first);
    const upper = phases.start(PHASE.UPPER);
    const [start, end] = evenRange(batch, this.setup.threads, 0);
    let loss = this.upper(start, end, batch, t);
    await phases.wait(upper);
    for (let w = 1; w < this.setup.threads; w++) loss += this.b.losses[w];
    Atomics.store(this.setup.ctrl, this.setup.firstWord, 0);
    const update = phases.start(PHASE.FIRST_BACKWARD);
    this.backwardAndUpdate(batch, t);
    await phases.wait(update);
    return loss;
  }

  async sync(phases: Phases): Promise<void> {
    if (!this.ahead) return;
    const seq = phases.start(PHASE.SYNC);
    this.own.store();
    await phases.wait(seq);
    this.ahead = false;
  }

  run(phase: number, _seq: number, batch: number, t: number): void {
    if (phase === PHASE.FIRST_FORWARD) this.forward(batch, t);
    else if (phase === PHASE.UPPER) {
      const [start, end] = evenRange(batch, this.setup.threads, this.setup.thread);
      this.b.losses[this.setup.thread] = this.upper(start, end, batch, t);
    } else if (phase === PHASE.FIRST_BACKWARD) this.backwardAndUpdate(batch, t);
    else if (phase === PHASE.SYNC) this.own.store();
    else unknownPhase('first-layer-columns', phase);
  }

  /** Phase 0: this block of the first layer's outputs for the whole batch. */
  private forward(batch: number, step: number): void {
    this.own.ensureLoaded();
    const x = (this.x = gatherWholeBatch(this.setup.data, this.setup.indices, batch, this.buf, this.setup.stepSettings, step));
    const h = this.b.H[this.setup.thread].subarray(0, batch * this.width);
    const own = this.own.values;
    const at = this.inputs * this.width;
    denseForward(this.setup.kernels, x, own.subarray(0, at), own.subarray(at), h, batch, this.inputs, this.width);
  }

  /**
   * Phase 1: examples [start, end) through the layers above, their gradient added into this
   * thread's slab, and their rows of dH. Returns the range's summed loss.
   */
  private upper(start: number, end: number, batch: number, step: number): number {
    const size = end - start;
    if (size === 0) return 0;
    const n = this.outputs;
    const h = this.rows.get(size * n);
    this.blocks.forEach(([c0, c1], j) => {
      const w = c1 - c0, src = this.b.H[j];
      for (let r = 0; r < size; r++) h.set(src.subarray((start + r) * w, (start + r + 1) * w), r * n + c0);
    });
    const labels = this.buf.labels.subarray(start, end);
    const logits = this.model.forwardFrom(1, h, size, true, { seed: this.setup.stepSettings.seed, step, offset: start });
    const dlogits = this.dlogits.get(logits.length);
    const loss = softmaxLoss(this.setup.kernels, logits, labels, size, this.model.outputSize, dlogits, 1 / batch, this.setup.stepSettings.labelSmoothing);
    const dh = this.model.backwardTo(1, dlogits, size);
    this.blocks.forEach(([c0, c1], j) => {
      const w = c1 - c0, dst = this.b.dH[j];
      for (let r = 0; r < size; r++) dst.set(dh.subarray(r * n + c0, r * n + c1), (start + r) * w);
    });
    return loss;
  }

  /** Phase 2: this block's gradient over the whole batch and its update, then chunks of the layers above's update. */
  private backwardAndUpdate(batch: number, step: number): void {
    const { inputs, width } = this;
    const dh = this.b.dH[this.setup.thread].subarray(0, batch * width);
    const grad = this.own.grad;
    denseParamGrads(this.setup.kernels, this.x!, dh, grad.subarray(0, inputs * width), grad.subarray(inputs * width), batch, inputs, width);
    this.own.update(step);
    const { ctrl, firstWord, optimizer } = this.setup;
    const { params, slabs } = this.b;
    updateByChunks(ctrl, firstWord, params.length, slabs, this.add, (a, b) => optimizer.stepRange(params, slabs[0], a, b, step, true), this.upperStart);
  }
}
