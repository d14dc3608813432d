/**
 * The gradient of a range of a mini-batch, forward and backward, into the model's gradient
 * buffer. The same function runs on the main thread and in pool workers, so the training loop
 * never needs to know whether threads exist.
 */
import { optionError } from '../engine/errors.js';
import { Scratch } from '../engine/layers/layer.js';
import type { Sequential } from '../engine/model/sequential.js';
import type { KernelSet } from '../engine/kernels/kernel-set.js';
import { CsrMatrix } from '../engine/kernels/csr.js';
import { BatchBuffers, gatherBatch, type TrainingData } from './training-data.js';
import { shiftCsr, shiftDense, type Augmentation } from './augment.js';

/**
 * What a training step does beyond its batch. The seed of dropout masks and of the augmentation's
 * shifts: both are drawn from (seed, step, position in the batch), never from a thread's own
 * stream, so a seed gives the same run whatever the thread count. And the loss's label smoothing.
 */
export interface StepSettings {
  seed: number;
  augment?: Augmentation;
  /** ε: the loss's target is (1 − ε)·one-hot + ε/classes, as PyTorch's CrossEntropyLoss(label_smoothing=ε). 0 or absent: none. */
  labelSmoothing?: number;
}

/**
 * The summed softmax cross-entropy of `batch` rows of logits, and its gradient × `scale` into
 * `grad`, against labels smoothed by ε. The kernels compute it for one-hot targets; smoothing then
 * adds ε·Σ(z_label − mean z) to the loss (the max of each row cancels) and scale·ε·(one-hot − 1/K)
 * to the gradient: a pass over the logits, too small to be worth a SIMD kernel.
 */
export function softmaxLoss(kernels: KernelSet, logits: Float32Array, labels: Int32Array, batch: number, classes: number, grad: Float32Array, scale: number, smoothing = 0): number {
  let loss = kernels.softmaxCrossEntropy(logits, labels, batch, classes, grad, scale);
  if (smoothing === 0) return loss;
  const shift = scale * smoothing;
  for (let r = 0; r < batch; r++) {
    const off = r * classes;
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      sum += logits[off + j];
      grad[off + j] -= shift / classes;
    }
    grad[off + labels[r]] += shift;
    loss += smoothing * (logits[off + labels[r]] - sum / classes);
  }
  return loss;
}

/** ε, refused unless in [0, 1). */
export function checkLabelSmoothing(smoothing: number): number {
  if (!(smoothing >= 0 && smoothing < 1)) throw optionError('labelSmoothing', `${smoothing}, expected a number in [0, 1)`);
  return smoothing;
}

/**
 * The most examples one pass through the layers takes: a convolutional model's larger ranges go
 * through in passes of at most 32, whose activations stay in a core's cache; a dense model's
 * batch goes through whole, since its passes cost more than they save (scripts/BENCHMARKS.md).
 */
export function passSize(model: Sequential): number {
  return model.layers.some((l) => l.type === 'conv2d') ? 32 : Infinity;
}

/** The last stamp handed out in this thread: every stamp is new, whatever model or run it names. */
let lastStamp = 0;

export class BatchGradient {
  private readonly buf: BatchBuffers;
  private readonly dlogits = new Scratch();
  /** The parameters' stamp (ForwardContext) for the passes of step `stampStep`. */
  private stamp = 0;
  private stampStep = 0;

  /** `pass`: the most examples a pass through the layers takes (passSize's choice for the model by default). */
  constructor(readonly model: Sequential, readonly data: TrainingData, readonly stepSettings: StepSettings = { seed: 0 }, private readonly pass = passSize(model)) {
    if (stepSettings.labelSmoothing !== undefined) checkLabelSmoothing(stepSettings.labelSmoothing);
    this.buf = new BatchBuffers(model.kernels);
    this.dlogits.allocator = model.kernels.allocator;
  }

  /**
   * Adds into the model's gradients (which the caller has zeroed) those of examples
   * indices[start..end) of step `step` (1-based), each weighted 1/batchTotal so that the ranges
   * of one batch add up to the gradient of the batch mean. Returns the range's summed loss.
   * The backends keep the gradients zero between steps by clearing them as their update reads
   * them, which saves a pass over every gradient per step. The parameters must not change between
   * calls of one step: its passes share a stamp, so a layer derives from its weights once a step
   * (a dense layer's transpose) rather than once a pass.
   */
  compute(indices: ArrayLike<number>, start: number, end: number, batchTotal: number, step: number): number {
    if (step !== this.stampStep) {
      this.stamp = ++lastStamp;
      this.stampStep = step;
    }
    // Room for the whole batch's ghost-batch statistics before the first pass: growing later would drop the earlier passes'.
    this.model.batchStats.reserve(batchTotal);
    let loss = 0;
    for (let from = start; from < end; from += this.pass) loss += this.computePass(indices, from, Math.min(end, from + this.pass), batchTotal, step);
    return loss;
  }

  /** compute() over a range that goes through the layers in one pass. */
  private computePass(indices: ArrayLike<number>, start: number, end: number, batchTotal: number, step: number): number {
    const model = this.model;
    const size = end - start;
    const x = gatherBatch(this.data, indices, start, end, this.buf);
    const { seed, augment } = this.stepSettings;
    if (augment && augment.shift > 0) {
      if (x instanceof CsrMatrix) shiftCsr(x, augment, seed, step, start);
      else shiftDense(x, size, augment, seed, step, start);
    }
    const logits = model.forward(x, size, true, { seed, step, offset: start, paramsStamp: this.stamp });
    const dlogits = this.dlogits.get(logits.length);
    const labels = this.buf.labels;
    const classes = model.outputSize;
    const loss = softmaxLoss(model.kernels, logits, labels, size, classes, dlogits, 1 / batchTotal, this.stepSettings.labelSmoothing);
    model.backward(dlogits, size);
    return loss;
  }
}
