/**
 * The surface every layer shares, so that the model and the trainer need to know no layer.
 * Activations are raw Float32Arrays of `batch × features`, row-major, where an example's features
 * may be an image: `inputShape` [channels, height, width] makes the batch a 4-D (batch, channels,
 * height, width) array. A layer owns its output and input-gradient buffers and reuses them from
 * step to step.
 */
import { heapAllocator, type Allocator } from '../allocator.js';
import type { CsrMatrix } from '../kernels/csr.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import type { Initializer } from '../model/init.js';

export interface ParamSpec {
  /** `weight` or `bias`; the model prefixes the layer's name: `dense0.weight`. */
  name: string;
  shape: number[];
  init: Initializer;
  fanIn: number;
  fanOut: number;
}

/** A value a layer keeps that is not trained (batch normalisation's running statistics): the model's state. */
export interface RunningStatSpec {
  /** `running_mean`, ...; the model prefixes the layer's name: `batchnorm0.running_mean`. */
  name: string;
  shape: number[];
  /** Its every value before training. */
  fill: number;
}

export type Padding = 'valid' | 'same';

export type LayerSpec =
  | { type: 'dense'; inputs: number; outputs: number; init?: Initializer; biasInit?: Initializer }
  | { type: 'relu'; size: number; shape?: number[] }
  /** Stride 1; `input` is [channels, height, width]. */
  | { type: 'conv2d'; input: number[]; filters: number; kernel: number; padding: Padding; init?: Initializer; biasInit?: Initializer }
  /** Non-overlapping windows of size × size (stride = size); a partial window at the edge is dropped. */
  | { type: 'maxpool2d'; input: number[]; size: number }
  | { type: 'flatten'; input: number[] }
  /** Each channel's mean: [channels, height, width] → [channels]. */
  | { type: 'globalavgpool'; input: number[] }
  /** Zeroes each activation with probability `rate` in training, scaling the rest by 1/(1-rate). */
  | { type: 'dropout'; rate: number; shape: number[] }
  /** Normalises each channel of [channels, height, width] (or feature of [features]) by ghost-batch statistics in training. */
  | { type: 'batchnorm'; shape: number[] };

/**
 * What a forward pass in training may need beyond its input: the seeds of random layers
 * (dropout). A mask depends on (seed, step, layer, example's position in the batch) only, so
 * it is the same however the batch is split across threads.
 */
export interface ForwardContext {
  seed: number;
  /** The training step, 1-based. */
  step: number;
  /** Position in the whole batch of this call's first example (a range's start). */
  offset: number;
  /** Index of the layer in the model. */
  layer: number;
  /**
   * Names the parameters' values for this pass: passes with the same nonzero stamp see the same
   * parameters, so a layer may reuse what it derived from them in the last such pass (a dense
   * layer, its weights' transpose). 0 or absent: derive afresh. The pieces of one training step
   * share a stamp (src/train/batch-gradient.ts).
   */
  paramsStamp?: number;
}

export interface Layer {
  readonly type: LayerSpec['type'];
  /** Features per example in and out. */
  readonly inputSize: number;
  readonly outputSize: number;
  /** An example's shape in and out: [features], or [channels, height, width]. */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  params(): ParamSpec[];
  /** Gives the layer views of its parameters and gradients, in the order of params(). */
  bind(values: Float32Array[], grads: Float32Array[]): void;
  /** Only a layer with `acceptsSparse` is given a CsrMatrix (as the model's first layer). */
  forward(x: Float32Array | CsrMatrix, batch: number, training: boolean, context?: ForwardContext): Float32Array;
  readonly acceptsSparse?: boolean;
  /**
   * Adds this batch's parameter gradients (+=) and returns the gradient with respect to the
   * input, or null when `needInputGrad` is false (the first layer has no one to pass it to).
   */
  backward(dy: Float32Array, batch: number, needInputGrad: boolean): Float32Array | null;
  spec(): LayerSpec;
  /** Values the layer keeps that are not trained, and views of them in the model's state, in that order. */
  runningStats?(): RunningStatSpec[];
  bindRunningStats?(values: Float32Array[]): void;
  /**
   * A layer that takes statistics of each ghost batch in training (batch normalisation): the floats
   * it writes per ghost batch, a view of the model's batch statistics for them, and the update of
   * its state from those of a whole batch of `batch` examples.
   */
  readonly statsPerGhost?: number;
  bindBatchStats?(view: Float32Array): void;
  foldBatchStats?(batch: number): void;
  /** The kernels to run on, for a layer that has SIMD versions of its own (the JS ones otherwise). */
  useKernels?(kernels: KernelSet): void;
}

/**
 * A reusable buffer that grows to the largest size asked for and hands out exact-length views.
 * Its `allocator` is the model's (set by Sequential), so a layer's activations and input
 * gradients live where the model's kernels read them.
 */
export class Scratch {
  allocator: Allocator = heapAllocator;
  private buf: Float32Array = new Float32Array(0);
  get(length: number): Float32Array {
    if (this.buf.length < length) this.buf = this.allocator.f32(length);
    return this.buf.subarray(0, length);
  }
}
