/**
 * A pool's step for a model that is one dense layer on sparse input (softmax regression, the
 * tutorial's model), split across the threads by the input's columns, that is by rows of W: each
 * thread owns a contiguous range of them, chosen so that the data set's nonzeros split evenly. A
 * step, with the same one hand-off as hidden-unit-blocks.ts (its protocol and phase):
 *  1. each thread gathers, for the whole batch, only the nonzeros in its range of columns, and
 *     computes its share of the logits, x[:, range]·W[range, :] (thread 0 adds the bias), into
 *     shared memory; it says so, and waits until every thread has;
 *  2. each thread sums the shares in thread order: the whole batch's logits, the same bits in
 *     every thread, and from them the loss and d(loss)/d(logits);
 *  3. each thread computes its rows of W's gradient, x[:, range]ᵀ·dz, and updates those rows in
 *     the model with the pool's optimiser state; thread 0 also the bias's.
 *
 * Why: the data-parallel step of such a small model is held up by its serial part: the main thread
 * adds the two threads' gradients of all 7,850 parameters and updates them alone, while the other
 * thread waits (12–14 µs of a ~52 µs step, measured). Here no gradient crosses between the
 * threads and each updates only its own rows; what crosses is batch × classes floats a thread.
 *
 * The threads update the model itself (their rows do not overlap, and only thread 0 reads or
 * writes the bias), so `store` has nothing to write back; the pool's sync still waits for every
 * thread's last update. A thread count gives its own bits (the logits are a sum of shares), the
 * same every time, within rounding of one thread's.
 */
import type { Sequential } from '../engine/model/sequential.js';
import type { KernelSet } from '../engine/kernels/kernel-set.js';
import type { CsrMatrix } from '../engine/kernels/csr.js';
import type { RowBounds } from '../engine/kernels/gather-js.js';
import type { Optimizer } from '../engine/optim/optimizers.js';
import { Scratch } from '../engine/layers/layer.js';
import { BatchBuffers, gatherBatch, type CsrBytesData, type TrainingData } from './training-data.js';
import { softmaxLoss, type StepRandomness } from './shard.js';
import { sumShares, type LogitShareSplit } from './logit-shares.js';

export interface InputRowsShape {
  inputs: number;
  classes: number;
}

/**
 * The model's shape when a pool of `threads` threads splits it by input rows: exactly one dense
 * layer (weights, then bias) on sparse data with no shifted digits (a shift moves pixels between
 * the threads' ranges); else undefined.
 */
export function splitInputRows(model: Sequential, data: TrainingData, threads: number, randomness: StepRandomness): InputRowsShape | undefined {
  if (threads < 2 || data.kind !== 'bytes-csr' || model.layers.length !== 1 || model.layers[0].type !== 'dense') return undefined;
  if (randomness.augment && randomness.augment.shift > 0) return undefined;
  const inputs = model.inputSize, classes = model.outputSize;
  const [w, b] = model.entries;
  if (w?.offset !== 0 || w.size !== inputs * classes || b?.offset !== w.size || b.size !== classes) return undefined;
  if (inputs < threads) return undefined;
  return { inputs, classes };
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
function rowBounds(data: CsrBytesData, lo: number, hi: number, alloc: KernelSet['allocator']): RowBounds {
  const pairs = alloc.i32(2 * data.count);
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

export class InputRowBlock implements LogitShareSplit {
  private readonly shape: InputRowsShape;
  /** This thread's rows of W: [first, end). */
  private readonly first: number;
  private readonly end: number;
  private readonly bounds: RowBounds;
  private readonly kernels: KernelSet;
  private readonly buf: BatchBuffers;
  private readonly logits = new Scratch();
  private readonly dLogits = new Scratch();
  private x: CsrMatrix | undefined;

  /**
   * @param shares per thread j, its two buffers of logit shares (maxBatch × classes each), used by turns
   * @param cuts columnCuts of the data for this thread count, made once by the pool for every thread
   * @param grad this thread's gradient buffer (a slab the size of the parameters, zero between steps)
   * @param optimizer the pool's optimiser, over the state every thread shares
   */
  constructor(readonly model: Sequential, readonly data: TrainingData, randomness: StepRandomness, readonly threads: number, readonly k: number, private readonly shares: Float32Array[][], cuts: readonly number[], private readonly grad: Float32Array, private readonly optimizer: Optimizer) {
    const shape = splitInputRows(model, data, threads, randomness);
    if (!shape || data.kind !== 'bytes-csr') throw new RangeError('InputRowBlock: this model and data do not split by input rows');
    if (cuts.length !== threads + 1) throw new RangeError(`InputRowBlock: ${cuts.length} cuts for ${threads} threads`);
    this.shape = shape;
    [this.first, this.end] = [cuts[k], cuts[k + 1]];
    this.kernels = model.kernels;
    this.bounds = rowBounds(data, this.first, this.end, this.kernels.allocator);
    this.buf = new BatchBuffers(this.kernels);
    for (const s of [this.logits, this.dLogits]) s.allocator = this.kernels.allocator;
  }

  /** Nothing to write back: the threads update the model's own parameters. */
  store(): void {}

  /** Step 1: this thread's columns of the whole batch, and its share of the logits into shares[k][turn]. */
  forward(indices: ArrayLike<number>, batch: number, _step: number, turn: number): void {
    const x = (this.x = gatherBatch(this.data, indices, 0, batch, this.buf, this.bounds) as CsrMatrix);
    const { inputs, classes } = this.shape;
    const share = this.shares[this.k][turn].subarray(0, batch * classes);
    this.kernels.csrMatmul(x, this.model.params.subarray(0, inputs * classes), share, classes);
    if (this.k === 0) this.kernels.addBias(share, this.model.params.subarray(inputs * classes), batch, classes);
  }

  /**
   * Steps 2 and 3, once every thread's share of this turn is in: the logits, the loss, this
   * thread's rows' gradient and their update (leaving the gradient zero). Returns the batch's summed loss.
   */
  backwardAndUpdate(batch: number, step: number, turn: number): number {
    const { inputs, classes } = this.shape;
    const n = batch * classes;
    const z = sumShares(this.kernels, this.shares, turn, n, this.logits.get(n));
    const labels = this.buf.labels.subarray(0, batch);
    const dz = this.dLogits.get(n);
    const loss = softmaxLoss(this.kernels, z, labels, batch, classes, dz, 1 / batch);
    // x holds only this thread's columns, so the product writes only its rows of the gradient.
    this.kernels.csrTransposeMatmul(this.x!, dz, this.grad.subarray(0, inputs * classes), classes);
    const params = this.model.params;
    this.optimizer.stepRange(params, this.grad, this.first * classes, this.end * classes, step, true);
    if (this.k === 0) {
      const at = inputs * classes;
      this.kernels.addRowSums(dz, this.grad.subarray(at, at + classes), batch, classes);
      this.optimizer.stepRange(params, this.grad, at, at + classes, step, true);
    }
    return loss;
  }
}
