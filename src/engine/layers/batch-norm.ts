/**
 * Batch normalisation over each channel of an image (channels, height, width) or each feature of
 * a vector: in training, y = γ·(x − μ)/√(σ² + ε) + β with μ and σ² taken over a **ghost batch**
 * (GHOST_BATCH consecutive examples by position in the whole batch, and every pixel of them); in
 * inference, over the running statistics. A ghost batch depends on the batch alone, never on how
 * a pool cuts it, so a seed gives the same model on any thread count (src/train/README.md, "Batch
 * statistics"). Training writes each ghost batch's μ and σ² at its index in the model's batch
 * statistics; `foldBatchStats` then moves the running statistics through them in index order, as
 * PyTorch's BatchNorm would if called on each ghost batch in turn (momentum 0.1, unbiased σ²).
 * The arithmetic is the kernel set's (batchnorm-js.ts, batchnorm-simd.ts).
 */
import { ShapeError } from '../errors.js';
import type { CsrMatrix } from '../kernels/csr.js';
import { ones, zeros } from '../model/init.js';
import type { BnShape } from '../kernels/batchnorm-js.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { jsKernels } from '../kernels/js-kernels.js';
import { Scratch, type ForwardContext, type Layer, type LayerSpec, type ParamSpec, type RunningStatSpec } from './layer.js';

/** Examples a ghost batch holds: the batch's statistics are taken over each run of this many. */
export const GHOST_BATCH = 16;
/** PyTorch's defaults. */
export const BN_EPSILON = 1e-5;
export const BN_MOMENTUM = 0.1;

export class BatchNorm implements Layer {
  readonly type = 'batchnorm' as const;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly channels: number;
  /** Values per channel per example: height × width, or 1 for a vector. */
  private readonly pixels: number;
  private gamma: Float32Array = new Float32Array(0);
  private beta: Float32Array = new Float32Array(0);
  private dGamma: Float32Array = new Float32Array(0);
  private dBeta: Float32Array = new Float32Array(0);
  private runningMean: Float32Array = new Float32Array(0);
  private runningVar: Float32Array = new Float32Array(0);
  /** Each ghost batch's μ (channels values) then σ² (channels values), at its index in the batch. */
  private stats: Float32Array = new Float32Array(0);
  private readonly out = new Scratch();
  private readonly xhat = new Scratch();
  private readonly dx = new Scratch();
  /** 1/√(σ² + ε) of each ghost batch of the last training pass, by channel. */
  private readonly invStd = new Scratch();
  /** Inference's per-channel y = x·scale + shift. */
  private readonly scale = new Scratch();
  private readonly shift = new Scratch();
  private kernels: KernelSet = jsKernels;
  private training = false;

  constructor(shape: readonly number[]) {
    if (shape.length !== 1 && shape.length !== 3) throw new ShapeError(`BatchNorm: input shape [${shape.join(', ')}], expected [features] or [channels, height, width]`);
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw new ShapeError(`BatchNorm: input shape [${shape.join(', ')}], expected whole numbers > 0`);
    this.inputShape = [...shape];
    this.outputShape = this.inputShape;
    this.channels = shape[0];
    this.pixels = shape.length === 3 ? shape[1] * shape[2] : 1;
    this.inputSize = this.channels * this.pixels;
    this.outputSize = this.inputSize;
  }

  params(): ParamSpec[] {
    const c = this.channels;
    return [
      { name: 'weight', shape: [c], init: ones(), fanIn: c, fanOut: c },
      { name: 'bias', shape: [c], init: zeros(), fanIn: c, fanOut: c },
    ];
  }

  bind(values: Float32Array[], grads: Float32Array[]): void {
    [this.gamma, this.beta] = values;
    [this.dGamma, this.dBeta] = grads;
  }

  runningStats(): RunningStatSpec[] {
    return [
      { name: 'running_mean', shape: [this.channels], fill: 0 },
      { name: 'running_var', shape: [this.channels], fill: 1 },
    ];
  }

  bindRunningStats(values: Float32Array[]): void {
    [this.runningMean, this.runningVar] = values;
  }

  /** Floats of batch statistics a training pass writes per ghost batch. */
  get statsPerGhost(): number {
    return 2 * this.channels;
  }

  bindBatchStats(view: Float32Array): void {
    this.stats = view;
  }

  useKernels(kernels: KernelSet): void {
    this.kernels = kernels;
  }

  forward(x: Float32Array | CsrMatrix, batch: number, training: boolean, context?: ForwardContext): Float32Array {
    if (!(x instanceof Float32Array)) throw new ShapeError('BatchNorm: sparse input is not supported; put a Dense layer first');
    if (x.length !== batch * this.inputSize) throw new ShapeError(`BatchNorm: input has ${x.length} values, expected [${batch}, ${this.inputShape.join(', ')}]`);
    const y = this.out.get(x.length);
    this.training = training;
    if (!training) {
      this.normaliseByRunningStats(x, y, batch);
      return y;
    }
    const offset = context?.offset ?? 0;
    if (offset % GHOST_BATCH !== 0) throw new ShapeError(`BatchNorm: a training pass starts at example ${offset} of its batch, expected a multiple of the ghost batch (${GHOST_BATCH})`);
    const ghosts = Math.ceil(batch / GHOST_BATCH);
    const firstGhost = offset / GHOST_BATCH;
    if ((firstGhost + ghosts) * this.statsPerGhost > this.stats.length) throw new ShapeError(`BatchNorm: a training pass reaches example ${offset + batch} of its batch, beyond the room reserved for its batch statistics (model.batchStats.reserve)`);
    const C = this.channels;
    const xhat = this.xhat.get(x.length);
    const invStd = this.invStd.get(ghosts * C);
    for (let k = 0; k < ghosts; k++) {
      const [from, to, shape] = this.ghostRange(k, batch);
      const at = (firstGhost + k) * 2 * C;
      const mean = this.stats.subarray(at, at + C);
      const variance = this.stats.subarray(at + C, at + 2 * C);
      this.kernels.bnMoments(x.subarray(from, to), shape, mean, variance);
      for (let c = 0; c < C; c++) invStd[k * C + c] = 1 / Math.sqrt(variance[c] + BN_EPSILON);
      this.kernels.bnNormalise(x.subarray(from, to), shape, mean, invStd.subarray(k * C, (k + 1) * C), this.gamma, this.beta, xhat.subarray(from, to), y.subarray(from, to));
    }
    return y;
  }

  /** Ghost batch k of a pass of `batch` examples: its first and last-plus-one value, and its shape for the kernels. */
  private ghostRange(k: number, batch: number): [number, number, BnShape] {
    const rows = Math.min(GHOST_BATCH, batch - k * GHOST_BATCH);
    const from = k * GHOST_BATCH * this.inputSize;
    return [from, from + rows * this.inputSize, { rows, channels: this.channels, size: this.pixels }];
  }

  private normaliseByRunningStats(x: Float32Array, y: Float32Array, batch: number): void {
    const C = this.channels;
    const scale = this.scale.get(C);
    const shift = this.shift.get(C);
    for (let c = 0; c < C; c++) {
      scale[c] = this.gamma[c] / Math.sqrt(this.runningVar[c] + BN_EPSILON);
      shift[c] = this.beta[c] - this.runningMean[c] * scale[c];
    }
    this.kernels.bnAffine(x, { rows: batch, channels: C, size: this.pixels }, scale, shift, y);
  }

  /**
   * Adds dγ = Σ dy·x̂ and dβ = Σ dy, and gives dx = γ/(σ·n)·(n·dy − Σdy − x̂·Σdy·x̂) per ghost batch
   * of n values a channel. Only after a training pass: inference has no gradient here.
   */
  backward(dy: Float32Array, batch: number, needInputGrad: boolean): Float32Array | null {
    if (!this.training) throw new ShapeError('BatchNorm: backward after an inference pass; train with forward(x, batch, true)');
    const C = this.channels;
    const xhat = this.xhat.get(dy.length);
    const invStd = this.invStd.get(Math.ceil(batch / GHOST_BATCH) * C);
    const dx = needInputGrad ? this.dx.get(dy.length) : null;
    for (let k = 0; k * GHOST_BATCH < batch; k++) {
      const [from, to, shape] = this.ghostRange(k, batch);
      this.kernels.bnBackward(dy.subarray(from, to), xhat.subarray(from, to), shape, this.gamma, invStd.subarray(k * C, (k + 1) * C), this.dGamma, this.dBeta, dx ? dx.subarray(from, to) : null);
    }
    return dx;
  }

  /**
   * Moves the running statistics through the ghost batches of a whole batch of `batch` examples,
   * in index order: r ← (1 − m)·r + m·s, with σ² unbiased (× n/(n − 1)) as PyTorch keeps it.
   */
  foldBatchStats(batch: number): void {
    const { channels: C, pixels: P } = this;
    const m = BN_MOMENTUM;
    for (let g = 0, start = 0; start < batch; g++, start += GHOST_BATCH) {
      const n = (Math.min(batch, start + GHOST_BATCH) - start) * P;
      const unbias = n > 1 ? n / (n - 1) : 1;
      for (let c = 0; c < C; c++) {
        this.runningMean[c] = (1 - m) * this.runningMean[c] + m * this.stats[g * 2 * C + c];
        this.runningVar[c] = (1 - m) * this.runningVar[c] + m * this.stats[g * 2 * C + C + c] * unbias;
      }
    }
  }

  spec(): LayerSpec {
    return { type: 'batchnorm', shape: [...this.inputShape] };
  }
}
