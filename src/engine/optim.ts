/**
 * Optimisers, in order of increasing complexity. Each updates a flat parameter buffer elementwise,
 * so an update can be split into ranges run by different threads (`stepRange`), and its state
 * lives in shared-capable buffers that those threads can `attachState` to.
 */
import { OptionError } from './errors.js';
import { sharedFloat32 } from './shared.js';

export interface OptimizerConfig {
  name: OptimizerName;
  lr: number;
  momentum?: number;
}

export interface Optimizer {
  readonly name: OptimizerName;
  readonly lr: number;
  step(params: Float32Array, grads: Float32Array): void;
  /** The update of elements [start, end) only; the ranges of one step may run on different threads. */
  stepRange(params: Float32Array, grads: Float32Array, start: number, end: number): void;
  /** Allocates the state for `length` parameters if it does not exist yet, and returns it. */
  ensureState(length: number): Record<string, Float32Array>;
  /** Buffers a checkpoint must hold for an exact resume (momentum velocity, ...). */
  state(): Record<string, Float32Array>;
  /** Copies a saved state in. */
  loadState(state: Record<string, Float32Array>): void;
  /** Uses these buffers as the state, without copying (a worker sharing the main thread's). */
  attachState(state: Record<string, Float32Array>): void;
  config(): OptimizerConfig;
}

function checkLr(lr: number): void {
  if (!(Number.isFinite(lr) && lr > 0)) throw new OptionError(`--lr: ${lr}, expected a positive number`);
}

/** Plain gradient descent: p -= lr·g. */
export class SGD implements Optimizer {
  readonly name = 'sgd';
  constructor(readonly lr: number) {
    checkLr(lr);
  }

  step(params: Float32Array, grads: Float32Array): void {
    this.stepRange(params, grads, 0, params.length);
  }

  stepRange(params: Float32Array, grads: Float32Array, start: number, end: number): void {
    const lr = this.lr;
    for (let i = start; i < end; i++) params[i] -= lr * grads[i];
  }

  ensureState(): Record<string, Float32Array> {
    return {};
  }

  state(): Record<string, Float32Array> {
    return {};
  }

  loadState(): void {}

  attachState(): void {}

  config(): OptimizerConfig {
    return { name: 'sgd', lr: this.lr };
  }
}

/** Heavy-ball momentum as TensorFlow's MomentumOptimizer and PyTorch's SGD: v = μ·v + g; p -= lr·v. */
export class Momentum implements Optimizer {
  readonly name = 'momentum';
  private velocity: Float32Array | null = null;
  constructor(readonly lr: number, readonly momentum = 0.9) {
    checkLr(lr);
    if (!(Number.isFinite(momentum) && momentum >= 0 && momentum < 1)) throw new OptionError(`--momentum: ${momentum}, expected a number in [0, 1)`);
  }

  step(params: Float32Array, grads: Float32Array): void {
    this.ensureState(params.length);
    this.stepRange(params, grads, 0, params.length);
  }

  stepRange(params: Float32Array, grads: Float32Array, start: number, end: number): void {
    const v = this.velocity?.length === params.length ? this.velocity : this.ensureState(params.length).velocity;
    const { lr, momentum } = this;
    for (let i = start; i < end; i++) {
      v[i] = momentum * v[i] + grads[i];
      params[i] -= lr * v[i];
    }
  }

  ensureState(length: number): Record<string, Float32Array> {
    if (!this.velocity || this.velocity.length !== length) this.velocity = sharedFloat32(length);
    return { velocity: this.velocity };
  }

  state(): Record<string, Float32Array> {
    return this.velocity ? { velocity: this.velocity } : {};
  }

  loadState(state: Record<string, Float32Array>): void {
    if (!state.velocity) return;
    this.velocity = sharedFloat32(state.velocity.length);
    this.velocity.set(state.velocity);
  }

  attachState(state: Record<string, Float32Array>): void {
    if (state.velocity) this.velocity = state.velocity;
  }

  config(): OptimizerConfig {
    return { name: 'momentum', lr: this.lr, momentum: this.momentum };
  }
}

export type OptimizerName = 'sgd' | 'momentum';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'momentum'];

export function makeOptimizer(name: string, lr: number, momentum = 0.9): Optimizer {
  switch (name) {
    case 'sgd': return new SGD(lr);
    case 'momentum': return new Momentum(lr, momentum);
    default: throw new OptionError(`--optimizer: '${name}', expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
}

export function optimizerFromConfig(c: OptimizerConfig): Optimizer {
  return makeOptimizer(c.name, c.lr, c.momentum);
}
