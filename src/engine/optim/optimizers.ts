/**
 * Optimisers, in order of increasing complexity. Each updates a flat parameter buffer elementwise,
 * so an update can be split into ranges run by different threads (`stepRange`), and its state
 * lives in shared-capable buffers that those threads can `attachState` to. Everything that varies
 * from step to step (the scheduled rate, Adam's bias correction) is a function of the step number
 * t, which the caller passes: every thread computes the same values, and a resume is exact.
 *
 * Weight decay applies to every parameter (biases too), as PyTorch's `weight_decay` does:
 * as an L2 term added to the gradient (g + λ·p) for SGD, momentum and Adam; decoupled from the
 * gradient for AdamW (p −= lr·λ·p), as in Loshchilov & Hutter.
 */
import { optionError } from '../errors.js';
import { checkSchedule, learningRateAt, type Schedule } from './schedule.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { jsKernels } from '../kernels/js-kernels.js';

export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'adamw';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'momentum', 'adam', 'adamw'];

export interface OptimizerConfig {
  name: OptimizerName;
  lr: number;
  momentum?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  schedule?: Schedule;
}

export interface Optimizer {
  readonly name: OptimizerName;
  readonly lr: number;
  /** The whole update, for hand-written loops: counts its own calls as the step number. */
  step(params: Float32Array, grads: Float32Array): void;
  /**
   * The update of elements [start, end) at step t (1-based); the ranges of one step may run on
   * different threads. With `clearGrads`, the gradients are 0 over the range afterwards.
   */
  stepRange(params: Float32Array, grads: Float32Array, start: number, end: number, t: number, clearGrads?: boolean): void;
  /** The learning rate of step t, after the schedule. */
  learningRate(t: number): number;
  /** Allocates the state for `length` parameters if it does not exist yet, and returns it. */
  ensureState(length: number): Record<string, Float32Array>;
  /**
   * Runs the updates on `kernels` (default: the JS ones), with the state in their allocator (a
   * kernel memory for the SIMD ones; existing state is moved there).
   */
  useKernels(kernels: KernelSet): void;
  /** Buffers a checkpoint must hold for an exact resume (momentum velocity, Adam's moments). */
  state(): Record<string, Float32Array>;
  /** Copies a saved state in. */
  loadState(state: Record<string, Float32Array>): void;
  /** Uses these buffers as the state, without copying (a worker sharing the main thread's). */
  attachState(state: Record<string, Float32Array>): void;
  config(): OptimizerConfig;
}

function checkRange(option: string, v: number, lo: number, hi: number, hiOpen: boolean): void {
  if (!(Number.isFinite(v) && v >= lo && (hiOpen ? v < hi : v <= hi))) throw optionError(option, `${v}, expected a number in [${lo}, ${hi}${hiOpen ? ')' : ']'}`);
}

/** The state bookkeeping every optimiser shares; subclasses name their buffers and do the math. */
abstract class BaseOptimizer implements Optimizer {
  abstract readonly name: OptimizerName;
  protected buffers: Record<string, Float32Array> = {};
  private calls = 0;
  readonly weightDecay: number;
  readonly schedule: Schedule;

  constructor(readonly lr: number, o: { weightDecay?: number; schedule?: Schedule }, private readonly stateKeys: readonly string[]) {
    if (!(Number.isFinite(lr) && lr > 0)) throw optionError('lr', `${lr}, expected a positive number`);
    this.weightDecay = o.weightDecay ?? 0;
    if (!(Number.isFinite(this.weightDecay) && this.weightDecay >= 0)) throw optionError('weightDecay', `${this.weightDecay}, expected a number >= 0`);
    this.schedule = checkSchedule(o.schedule ?? { kind: 'constant' });
  }

  step(params: Float32Array, grads: Float32Array): void {
    this.ensureState(params.length);
    this.stepRange(params, grads, 0, params.length, ++this.calls);
  }

  abstract stepRange(params: Float32Array, grads: Float32Array, start: number, end: number, t: number, clearGrads?: boolean): void;

  learningRate(t: number): number {
    return learningRateAt(this.lr, this.schedule, t);
  }

  /** The state buffers, allocated on first use for optimisers that keep any. */
  protected stateFor(length: number): Record<string, Float32Array> {
    const first = this.stateKeys[0];
    if (first !== undefined && this.buffers[first]?.length !== length) this.ensureState(length);
    return this.buffers;
  }

  protected kernels: KernelSet = jsKernels;

  /** A state buffer where the kernels' tensors live (shared memory either way, for the pool). */
  private newBuffer(length: number): Float32Array {
    return this.kernels.allocator.f32(length);
  }

  useKernels(kernels: KernelSet): void {
    if (kernels === this.kernels) return;
    this.kernels = kernels;
    for (const key of Object.keys(this.buffers)) {
      const moved = this.newBuffer(this.buffers[key].length);
      moved.set(this.buffers[key]);
      this.buffers[key] = moved;
    }
  }

  ensureState(length: number): Record<string, Float32Array> {
    for (const key of this.stateKeys) if (this.buffers[key]?.length !== length) this.buffers[key] = this.newBuffer(length);
    return { ...this.buffers };
  }

  state(): Record<string, Float32Array> {
    return { ...this.buffers };
  }

  loadState(state: Record<string, Float32Array>): void {
    for (const key of this.stateKeys) {
      if (!state[key]) continue;
      this.buffers[key] = this.newBuffer(state[key].length);
      this.buffers[key].set(state[key]);
    }
  }

  attachState(state: Record<string, Float32Array>): void {
    for (const key of this.stateKeys) if (state[key]) this.buffers[key] = state[key];
  }

  config(): OptimizerConfig {
    return { name: this.name, lr: this.lr, weightDecay: this.weightDecay, schedule: this.schedule };
  }
}

export interface SgdOptions {
  weightDecay?: number;
  schedule?: Schedule;
}

/** Plain gradient descent: p −= lr·(g + λ·p). */
export class SGD extends BaseOptimizer {
  readonly name = 'sgd';
  constructor(lr: number, o: SgdOptions = {}) {
    super(lr, o, []);
  }

  stepRange(params: Float32Array, grads: Float32Array, start: number, end: number, t: number, clearGrads = false): void {
    this.kernels.sgdUpdate(params, grads, start, end, this.learningRate(t), this.weightDecay, clearGrads);
  }
}

/** Heavy-ball momentum as TensorFlow's MomentumOptimizer and PyTorch's SGD: v = μ·v + g; p −= lr·v. */
export class Momentum extends BaseOptimizer {
  readonly name = 'momentum';
  constructor(lr: number, readonly momentum = 0.9, o: SgdOptions = {}) {
    super(lr, o, ['velocity']);
    checkRange('momentum', momentum, 0, 1, true);
  }

  stepRange(params: Float32Array, grads: Float32Array, start: number, end: number, t: number, clearGrads = false): void {
    const v = this.stateFor(params.length).velocity;
    this.kernels.momentumUpdate(params, grads, v, start, end, this.learningRate(t), this.momentum, this.weightDecay, clearGrads);
  }

  override config(): OptimizerConfig {
    return { ...super.config(), momentum: this.momentum };
  }
}

export interface AdamOptions extends SgdOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Adam (Kingma & Ba): m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², p −= lr·m̂/(√v̂ + ε) with the
 * bias-corrected m̂ = m/(1−β1^t), v̂ = v/(1−β2^t). Weight decay is an L2 term in g.
 */
export class Adam extends BaseOptimizer {
  readonly name: OptimizerName = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** AdamW: weight decay applied to the parameters directly, not through the moments. */
  protected readonly decoupled: boolean = false;

  constructor(lr: number, o: AdamOptions = {}) {
    super(lr, o, ['m', 'v']);
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? 1e-8;
    checkRange('beta1', this.beta1, 0, 1, true);
    checkRange('beta2', this.beta2, 0, 1, true);
    if (!(Number.isFinite(this.eps) && this.eps > 0)) throw optionError('eps', `${this.eps}, expected a positive number`);
  }

  stepRange(params: Float32Array, grads: Float32Array, start: number, end: number, t: number, clearGrads = false): void {
    const { m, v } = this.stateFor(params.length);
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this;
    const lr = this.learningRate(t);
    // The bias corrections fold into one step size and a scaled ε: lr·m̂/(√v̂+ε) = a·m/(√v + ε·√c2).
    const c1 = 1 - Math.pow(b1, t);
    const c2 = 1 - Math.pow(b2, t);
    const a = (lr * Math.sqrt(c2)) / c1;
    const e = eps * Math.sqrt(c2);
    const l2 = this.decoupled ? 0 : wd;
    const shrink = this.decoupled ? 1 - lr * wd : 1;
    this.kernels.adamUpdate(params, grads, m, v, start, end, { a, e, b1, b2, l2, shrink }, clearGrads);
  }

  override config(): OptimizerConfig {
    return { ...super.config(), beta1: this.beta1, beta2: this.beta2, eps: this.eps };
  }
}

/** AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, p ← p·(1 − lr·λ) before the Adam step. */
export class AdamW extends Adam {
  override readonly name: OptimizerName = 'adamw';
  protected override readonly decoupled = true;
  constructor(lr: number, o: AdamOptions = {}) {
    super(lr, { ...o, weightDecay: o.weightDecay ?? 0.01 });
  }
}

export function optimizerFromConfig(c: OptimizerConfig): Optimizer {
  const common = { weightDecay: c.weightDecay, schedule: c.schedule };
  switch (c.name) {
    case 'sgd': return new SGD(c.lr, common);
    case 'momentum': return new Momentum(c.lr, c.momentum ?? 0.9, common);
    case 'adam': return new Adam(c.lr, { ...common, beta1: c.beta1, beta2: c.beta2, eps: c.eps });
    case 'adamw': return new AdamW(c.lr, { ...common, beta1: c.beta1, beta2: c.beta2, eps: c.eps });
    default: throw optionError('optimizer', `'${String(c.name)}', expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
}

/** By name, as on the command line. */
export function makeOptimizer(name: string, lr: number, momentum = 0.9, extra: Omit<OptimizerConfig, 'name' | 'lr' | 'momentum'> = {}): Optimizer {
  return optimizerFromConfig({ ...extra, name: name as OptimizerName, lr, momentum });
}
