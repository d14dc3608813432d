/**
 * The surface every layer shares, so that the model and the trainer need to know no layer.
 * Activations are raw Float32Arrays of `batch × features`, row-major; a layer owns its output
 * and input-gradient buffers and reuses them from step to step.
 */
import type { CsrMatrix } from './csr.js';
import type { Initializer } from './init.js';

export interface ParamSpec {
  /** `weight` or `bias`; the model prefixes the layer's name: `dense0.weight`. */
  name: string;
  shape: number[];
  init: Initializer;
  fanIn: number;
  fanOut: number;
}

export type LayerSpec =
  | { type: 'dense'; inputs: number; outputs: number; init?: Initializer; biasInit?: Initializer }
  | { type: 'relu'; size: number };

export interface Layer {
  readonly type: LayerSpec['type'];
  /** Features per example in and out. */
  readonly inputSize: number;
  readonly outputSize: number;
  params(): ParamSpec[];
  /** Gives the layer views of its parameters and gradients, in the order of params(). */
  bind(values: Float32Array[], grads: Float32Array[]): void;
  /** Only a layer with `acceptsSparse` is given a CsrMatrix (as the model's first layer). */
  forward(x: Float32Array | CsrMatrix, batch: number, training: boolean): Float32Array;
  readonly acceptsSparse?: boolean;
  /**
   * Adds this batch's parameter gradients (+=) and returns the gradient with respect to the
   * input, or null when `needInputGrad` is false (the first layer has no one to pass it to).
   */
  backward(dy: Float32Array, batch: number, needInputGrad: boolean): Float32Array | null;
  spec(): LayerSpec;
}

/** A reusable buffer that grows to the largest size asked for and hands out exact-length views. */
export class Scratch {
  private buf: Float32Array = new Float32Array(0);
  get(length: number): Float32Array {
    if (this.buf.length < length) this.buf = new Float32Array(length);
    return this.buf.subarray(0, length);
  }
}
