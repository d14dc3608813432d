/**
 * The input-rows strategy, for a model that is one dense layer on sparse input (the tutorial's
 * softmax regression): the threads split W by rows, that is the input's columns, each thread a
 * contiguous range of them holding an even share of the data set's nonzeros. A step, with the
 * hand-off of logit-shares.ts:
 *  1. each thread gathers, for the whole batch, only the nonzeros in its columns, and computes
 *     its share of the logits, x[:, range]·W[range, :] (thread 0 adds the bias);
 *  2. each thread sums the shares: the whole batch's logits, the loss and d(loss)/d(logits);
 *  3. each thread computes its rows of W's gradient, x[:, range]ᵀ·dz, and updates them in the
 *     model itself; thread 0 also the bias.
 * Data-parallel, such a small model's step is held up by its serial part (the sum of the threads'
 * gradients and the update); here no gradient crosses between the threads. The logits are a sum
 * of shares, so a thread count gives its own bits, within rounding of one thread's.
 */
import type { Sequential } from '../../engine/model/sequential.js';
import type { CsrMatrix } from '../../engine/kernels/csr.js';
import type { RowBounds } from '../../engine/kernels/gather-js.js';
import { Scratch } from '../../engine/layers/layer.js';
import { denseForward, denseParamGrads } from '../../engine/layers/dense-math.js';
import { BatchBuffers, gatherBatch, type CsrBytesData, type TrainingData } from '../training-data.js';
import { softmaxLoss, type StepSettings } from '../batch-gradient.js';
import { shareBuffers, SharePart, sumShares, type ShareSplit } from './logit-shares.js';
import type { Plan, PoolPlan, Strategy, ThreadSetup } from './strategy.js';

/**
 * Whether `threads` threads can split the model by input rows: exactly one dense layer (weights,
 * then bias) on sparse data with no shifted digits (a shift moves pixels between the threads'
 * columns).
 */
export function splitsByInputRows(model: Sequential, data: TrainingData, threads: number, stepSettings: StepSettings): boolean {
  if (threads < 2 || data.kind !== 'bytes-csr' || model.layers.length !== 1 || model.layers[0].type !== 'dense') return false;
  if (stepSettings.augment && stepSettings.augment.shift > 0) return false;
  const inputs = model.inputSize, classes = model.outputSize;
  const [w, b] = model.entries;
  if (w?.offset !== 0 || w.size !== inputs * classes || b?.offset !== w.size || b.size !== classes) return false;
  return inputs >= threads;
}

/**
 * The columns where thread k's range begins, for every k and the end: cuts that split the data
 * set's nonzeros as evenly as whole columns allow (each thread at least one column).
 */
export function columnCuts(data: CsrBytesData, threads: number): number[] {
  const perColumn = new Float64Array(data.features);
  const end = data.rowPtr[data.count];
  for (let t = data.rowPtr[0]; t < end; t++) perColumn[data.colIdx[t]]++;
  const total = end - data.rowPtr[0];
  const cuts = [0];
  let seen = 0;
  let c = 0;
  for (let k = 1; k < threads; k++) {
    // The first column at which the nonzeros before it reach k/threads of them.
    while (c < data.features - (threads - k) && seen + perColumn[c] <= (k * total) / threads) seen += perColumn[c++];
    c = Math.max(c, cuts[k - 1] + 1);
    cuts.push(c);
  }
  cuts.push(data.features);
  return cuts;
}

/** Each example's nonzeros in columns [lo, hi): column indices within a row ascend, so a scan finds them. */
function rowBounds(data: CsrBytesData, lo: number, hi: number, pairs: Int32Array): RowBounds {
  const { rowPtr, colIdx } = data;
  for (let e = 0; e < data.count; e++) {
    let q = rowPtr[e];
    const last = rowPtr[e + 1];
    while (q < last && colIdx[q] < lo) q++;
    pairs[2 * e] = q;
    while (q < last && colIdx[q] < hi) q++;
    pairs[2 * e + 1] = q;
  }
  return { pairs };
}

export interface InputRowBuffers {
  params: Float32Array;
  /** One gradient buffer a thread; thread 0's is the model's own. */
  slabs: Float32Array[];
  shares: Float32Array[][];
  /** columnCuts of the data, made once by the main thread: a pass over every nonzero of the data set. */
  cuts: number[];
}

export const inputRows: Strategy<InputRowBuffers> = {
  name: 'input-rows',
  plan(pool: PoolPlan): Plan<InputRowBuffers> | undefined {
    const { model, data, threads } = pool;
    if (!splitsByInputRows(model, data, threads, pool.stepSettings) || data.kind !== 'bytes-csr') return undefined;
    const slabs = [model.grads, ...Array.from({ length: threads - 1 }, () => pool.floats(model.paramCount))];
    return { buffers: { params: model.params, slabs, shares: shareBuffers(pool), cuts: columnCuts(data, threads) }, wordCount: threads };
  },
  part: (setup, b) => new SharePart(setup, new InputRowBlock(setup, b), b.shares, () => b.slabs.forEach((slab) => slab.fill(0))),
};

class InputRowBlock implements ShareSplit {
  readonly model: Sequential;
  /** This thread's rows of W: [first, end). */
  private readonly first: number;
  private readonly end: number;
  private readonly grad: Float32Array;
  private readonly bounds: RowBounds;
  private readonly buf: BatchBuffers;
  private readonly logits = new Scratch();
  private readonly dLogits = new Scratch();
  private x: CsrMatrix | undefined;

  constructor(private readonly setup: ThreadSetup, b: InputRowBuffers) {
    this.grad = b.slabs[setup.thread];
    this.model = setup.model(b.params, this.grad);
    [this.first, this.end] = [b.cuts[setup.thread], b.cuts[setup.thread + 1]];
    const data = setup.data as CsrBytesData;
    this.bounds = rowBounds(data, this.first, this.end, setup.kernels.allocator.i32(2 * data.count));
    this.buf = new BatchBuffers(setup.kernels);
    for (const s of [this.logits, this.dLogits]) s.allocator = setup.kernels.allocator;
  }

  /** Nothing to write back: the threads update the model's own parameters. */
  store(): void {}

  forward(batch: number, _step: number, share: Float32Array): void {
    const x = (this.x = gatherBatch(this.setup.data, this.setup.indices, 0, batch, this.buf, this.bounds) as CsrMatrix);
    const inputs = this.model.inputSize, classes = this.model.outputSize;
    const params = this.model.params;
    const bias = this.setup.thread === 0 ? params.subarray(inputs * classes) : null;
    denseForward(this.setup.kernels, x, params.subarray(0, inputs * classes), bias, share.subarray(0, batch * classes), batch, inputs, classes);
  }

  backwardAndUpdate(batch: number, step: number, shares: Float32Array[]): number {
    const { kernels, optimizer } = this.setup;
    const inputs = this.model.inputSize, classes = this.model.outputSize;
    const n = batch * classes;
    const z = sumShares(kernels, shares, n, this.logits.get(n));
    const dz = this.dLogits.get(n);
    const loss = softmaxLoss(kernels, z, this.buf.labels.subarray(0, batch), batch, classes, dz, 1 / batch, this.setup.stepSettings.labelSmoothing);
    // x holds only this thread's columns, so the product writes only its rows of the gradient.
    const at = inputs * classes;
    const mine = this.setup.thread === 0;
    denseParamGrads(kernels, this.x!, dz, this.grad.subarray(0, at), mine ? this.grad.subarray(at, at + classes) : null, batch, inputs, classes);
    const params = this.model.params;
    optimizer.stepRange(params, this.grad, this.first * classes, this.end * classes, step, true);
    if (mine) optimizer.stepRange(params, this.grad, at, at + classes, step, true);
    return loss;
  }
}
