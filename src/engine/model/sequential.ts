/**
 * A stack of layers whose parameters and gradients are views over two flat Float32Arrays: one
 * buffer per model, which can live in a SharedArrayBuffer for the worker pool, and which an
 * optimiser updates in one loop.
 */
import { CsrMatrix, denseToCsr } from '../kernels/csr.js';
import { checkModelSize } from './model-limits.js';
import { Dense } from '../layers/dense.js';
import { ShapeError, formatShape } from '../errors.js';
import { initialize } from './init.js';
import type { ForwardContext, Layer, LayerSpec } from '../layers/layer.js';
import { ReLU } from '../layers/relu.js';
import { Conv2D } from '../layers/conv2d.js';
import { MaxPool2D } from '../layers/maxpool2d.js';
import { Flatten } from '../layers/flatten.js';
import { GlobalAvgPool } from '../layers/global-avg-pool.js';
import { Dropout } from '../layers/dropout.js';
import { BatchNorm } from '../layers/batch-norm.js';
import { Rng } from '../rng.js';
import { BatchStats } from './batch-stats.js';
import { layerEntries, layerNames, layOut, type ParamEntry } from './param-entries.js';
import { Scratch } from '../layers/layer.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { jsKernels } from '../kernels/js-kernels.js';

export type { ParamEntry } from './param-entries.js';

export interface ModelBuffers {
  params?: Float32Array;
  grads?: Float32Array;
  /** The layers' running statistics (runningStatEntries): batch normalisation's. */
  runningStats?: Float32Array;
  /** Where training passes write each ghost batch's statistics (batch-stats.ts), for a pool's threads to share. */
  batchStats?: Float32Array;
  /**
   * The kernels to run on (default: the JS ones). With SIMD kernels, parameters, gradients,
   * activations and the model's own batch buffers are allocated in their kernel memory.
   */
  kernels?: KernelSet;
}

/**
 * Below this density the first layer reads a dense input through a CsrMatrix: converting costs one
 * pass over the input and saves most of the forward and the weight gradient.
 */
export const SPARSE_INPUT_DENSITY = 0.5;

export function layerFromSpec(spec: LayerSpec): Layer {
  switch (spec.type) {
    case 'dense': return new Dense(spec.inputs, spec.outputs, { init: spec.init, bias: spec.biasInit });
    case 'relu': return new ReLU(spec.size, spec.shape);
    case 'conv2d': return new Conv2D(spec.input, spec.filters, spec.kernel, { padding: spec.padding, init: spec.init, bias: spec.biasInit });
    case 'maxpool2d': return new MaxPool2D(spec.input, spec.size);
    case 'flatten': return new Flatten(spec.input);
    case 'globalavgpool': return new GlobalAvgPool(spec.input);
    case 'dropout': return new Dropout(spec.rate, spec.shape);
    case 'batchnorm': return new BatchNorm(spec.shape);
    default: throw new ShapeError(`unknown layer type '${(spec as { type: unknown }).type}'`);
  }
}

export { MAX_EXAMPLE_VALUES, MAX_PARAMETERS } from './model-limits.js';

export class Sequential {
  readonly layers: Layer[];
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly entries: ParamEntry[];
  /** The layers' untrained values, flat, named as parameters are: `batchnorm0.running_mean`. Empty for most models. */
  readonly runningStats: Float32Array;
  readonly runningStatEntries: ParamEntry[];
  /**
   * Each ghost batch's statistics of the last training step (none without batch normalisation):
   * after a whole step, `batchStats.fold(batch)` moves the state through them.
   */
  readonly batchStats: BatchStats;
  /** Convert sparse dense inputs to CSR for the first layer (on by default when it can take them). */
  sparseInput: boolean;
  readonly kernels: KernelSet;
  private readonly csr: CsrMatrix;
  private readonly dense = new Scratch();
  /** Each layer's parameter entries, and its views of `params` (bound once, kept when gradients move). */
  private readonly perLayer: ParamEntry[][];
  private readonly paramViews: Float32Array[][];
  /** The buffer backward adds gradients to: `grads`, unless gradientsInto moved it. */
  private gradTarget: Float32Array;

  constructor(layers: Layer[], buffers: ModelBuffers = {}) {
    if (layers.length === 0) throw new ShapeError('Sequential: no layers');
    for (let l = 1; l < layers.length; l++) {
      if (layers[l].inputSize !== layers[l - 1].outputSize) {
        throw new ShapeError(`Sequential: layer ${l} (${layers[l].type}) takes ${layers[l].inputSize} inputs, but layer ${l - 1} (${layers[l - 1].type}) gives ${layers[l - 1].outputSize}`);
      }
    }
    this.layers = layers;
    this.kernels = buffers.kernels ?? jsKernels;
    const alloc = this.kernels.allocator;
    this.csr = new CsrMatrix(alloc);
    this.dense.allocator = this.kernels.allocator;
    // Every layer's scratch (its activations and input gradients) comes from the kernels'
    // allocator, so that a SIMD kernel reads a neighbour's output where it is.
    for (const layer of layers) {
      for (const field of Object.values(layer)) if (field instanceof Scratch) field.allocator = this.kernels.allocator;
      layer.useKernels?.(this.kernels);
    }
    this.sparseInput = layers[0].acceptsSparse === true;
    const names = layerNames(layers);
    const perLayer = layers.map((layer, l) => layerEntries(layer.params(), names[l]));
    this.entries = perLayer.flat();
    const paramCount = layOut(this.entries);
    checkModelSize(layers, paramCount);
    this.params = buffers.params ?? alloc.f32(paramCount);
    this.grads = buffers.grads ?? alloc.f32(paramCount);
    for (const [what, buf] of [['params', this.params], ['grads', this.grads]] as const) {
      if (buf.length !== paramCount) throw new ShapeError(`Sequential: ${what} buffer has ${buf.length} values, expected ${paramCount}`);
    }
    this.perLayer = perLayer;
    this.paramViews = layers.map((_, l) => this.views(this.params, l));
    this.gradTarget = this.grads;
    layers.forEach((layer, l) => layer.bind(this.paramViews[l], this.views(this.grads, l)));
    const statsPerLayer = layers.map((layer, l) => layerEntries(layer.runningStats?.() ?? [], names[l]));
    this.runningStatEntries = statsPerLayer.flat();
    const statsSize = layOut(this.runningStatEntries);
    this.runningStats = buffers.runningStats ?? alloc.f32(statsSize);
    if (this.runningStats.length !== statsSize) throw new ShapeError(`Sequential: running statistics buffer has ${this.runningStats.length} values, expected ${statsSize}`);
    layers.forEach((layer, l) => layer.bindRunningStats?.(statsPerLayer[l].map((e) => this.runningStats.subarray(e.offset, e.offset + e.size))));
    if (!buffers.runningStats) this.resetRunningStats();
    this.batchStats = new BatchStats(layers, alloc, buffers.batchStats);
  }

  /** Sets every running statistic to its starting value (a mean 0, a variance 1). */
  resetRunningStats(): void {
    let e = 0;
    for (const layer of this.layers) {
      for (const spec of layer.runningStats?.() ?? []) {
        const entry = this.runningStatEntries[e++];
        this.runningStats.fill(spec.fill, entry.offset, entry.offset + entry.size);
      }
    }
  }

  private views(buf: Float32Array, l: number): Float32Array[] {
    return this.perLayer[l].map((e) => buf.subarray(e.offset, e.offset + e.size));
  }

  /**
   * Makes backward add the parameter gradients into `buf` (the model's own `grads` again when
   * given it): a pool thread moves them to the slab of each piece of a batch it computes.
   */
  gradientsInto(buf: Float32Array): void {
    if (buf === this.gradTarget) return;
    if (buf.length !== this.params.length) throw new ShapeError(`Sequential: gradient buffer has ${buf.length} values, expected ${this.params.length}`);
    this.gradTarget = buf;
    this.layers.forEach((layer, l) => layer.bind(this.paramViews[l], this.views(buf, l)));
  }

  static fromSpec(specs: LayerSpec[], buffers: ModelBuffers = {}): Sequential {
    return new Sequential(specs.map(layerFromSpec), buffers);
  }

  /** The parameters an architecture has, counted without allocating them (a file's header can be checked against its data first). */
  static parameterCount(specs: LayerSpec[]): number {
    return specs.map(layerFromSpec).reduce((n, layer) => n + layer.params().reduce((m, p) => m + p.shape.reduce((a, b) => a * b, 1), 0), 0);
  }

  /** The same model (architecture and parameters) on other kernels; `this` when they are the same. */
  withKernels(kernels: KernelSet): Sequential {
    if (kernels === this.kernels) return this;
    const copy = Sequential.fromSpec(this.spec(), { kernels });
    copy.assign(this);
    copy.sparseInput = this.sparseInput;
    return copy;
  }

  /** Takes the parameters and state of a model of the same architecture (or copies of them). */
  assign(from: { params: Float32Array; runningStats: Float32Array }): void {
    this.params.set(from.params);
    this.runningStats.set(from.runningStats);
  }

  get inputSize(): number {
    return this.layers[0].inputSize;
  }

  /** One example's shape: [features], or [channels, height, width] for a convolutional model. */
  get inputShape(): readonly number[] {
    return this.layers[0].inputShape;
  }

  get outputSize(): number {
    return this.layers[this.layers.length - 1].outputSize;
  }

  get paramCount(): number {
    return this.params.length;
  }

  spec(): LayerSpec[] {
    return this.layers.map((l) => l.spec());
  }

  /** Draws every parameter from its initialiser, in layer order, from one seeded stream; the running statistics start afresh. */
  initialize(seed: number | Rng): this {
    const rng = typeof seed === 'number' ? new Rng(seed) : seed;
    let e = 0;
    for (const layer of this.layers) {
      for (const p of layer.params()) {
        const entry = this.entries[e++];
        initialize(this.params.subarray(entry.offset, entry.offset + entry.size), p.init, p.fanIn, p.fanOut, rng);
      }
    }
    this.resetRunningStats();
    return this;
  }

  /** A parameter by name, as a view (writes go into the model). */
  param(name: string): Float32Array {
    const e = this.entries.find((x) => x.name === name);
    if (!e) throw new ShapeError(`model: no parameter '${name}'; it has ${this.entries.map((x) => x.name).join(', ')}`);
    return this.params.subarray(e.offset, e.offset + e.size);
  }

  /** A parameter or a running statistic (`batchnorm0.running_mean`) by name, as a view: what a checkpoint or an export holds. */
  tensor(name: string): Float32Array {
    const stat = this.runningStatEntries.find((x) => x.name === name);
    return stat ? this.runningStats.subarray(stat.offset, stat.offset + stat.size) : this.param(name);
  }

  /**
   * Logits for `batch` examples: batch × inputSize values, or their nonzeros as a CsrMatrix.
   * The result is reused by the next call. `context` seeds random layers (dropout) in training.
   */
  forward(x: Float32Array | CsrMatrix, batch: number, training = false, context?: Omit<ForwardContext, 'layer'>): Float32Array {
    let input: Float32Array | CsrMatrix = x;
    if (x instanceof CsrMatrix) {
      if (x.rows !== batch || x.cols !== this.inputSize) {
        throw new ShapeError(`model: sparse input is ${formatShape([x.rows, x.cols])}, expected ${formatShape([batch, this.inputSize])}`);
      }
      if (!this.layers[0].acceptsSparse) {
        // A first layer that reads pixels by position (a convolution) gets them dense.
        input = x.toDense(this.dense.get(batch * this.inputSize));
      }
    } else {
      if (x.length !== batch * this.inputSize) {
        throw new ShapeError(`model: input has ${x.length} values, expected ${formatShape([batch, this.inputSize])}`);
      }
      if (this.sparseInput && denseToCsr(x, batch, this.inputSize, this.csr, SPARSE_INPUT_DENSITY)) input = this.csr;
    }
    if (training) this.batchStats.reserve((context?.offset ?? 0) + batch);
    return this.forwardFrom(0, input, batch, training, context);
  }

  /**
   * The layers from `first` on, from that layer's input (batch × its inputSize, dense or, for a
   * first layer that accepts it, sparse), as `forward` runs them: a pool whose threads split the
   * first layer runs it on its own.
   */
  forwardFrom(first: number, x: Float32Array | CsrMatrix, batch: number, training = false, context?: Omit<ForwardContext, 'layer'>): Float32Array {
    // One context object for the pass, its layer set before each call (a layer reads it during its
    // call only): a spread copy for every layer showed in V8's CPU profile and in peak memory.
    const ctx: ForwardContext | undefined = context ? { seed: context.seed, step: context.step, offset: context.offset, layer: first, paramsStamp: context.paramsStamp } : undefined;
    let h = x;
    for (let l = first; l < this.layers.length; l++) {
      if (ctx) ctx.layer = l;
      h = this.layers[l].forward(h, batch, training, ctx);
    }
    return h as Float32Array;
  }

  /** Back-propagates through the layers from the last down to `first`, and returns d(loss)/d(that layer's input). */
  backwardTo(first: number, dlogits: Float32Array, batch: number): Float32Array {
    let g = dlogits;
    for (let l = this.layers.length - 1; l >= first; l--) g = this.layers[l].backward(g, batch, true)!;
    return g;
  }

  /** Back-propagates d(loss)/d(logits); parameter gradients are added (+=) to `grads`. */
  backward(dlogits: Float32Array, batch: number): void {
    let g: Float32Array | null = dlogits;
    for (let l = this.layers.length - 1; l >= 0 && g; l--) g = this.layers[l].backward(g, batch, l > 0);
  }

  zeroGrad(): void {
    this.grads.fill(0);
  }
}
