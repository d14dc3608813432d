/** Optimisers, in order of increasing complexity. Each updates a flat parameter buffer in one loop. */
import { OptionError } from './errors.js';

export interface Optimizer {
  readonly name: string;
  readonly lr: number;
  step(params: Float32Array, grads: Float32Array): void;
  /** Buffers a checkpoint must hold for an exact resume (momentum velocity, ...). */
  state(): Record<string, Float32Array>;
  loadState(state: Record<string, Float32Array>): void;
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
    const lr = this.lr;
    for (let i = 0; i < params.length; i++) params[i] -= lr * grads[i];
  }

  state(): Record<string, Float32Array> {
    return {};
  }

  loadState(): void {}
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
    if (!this.velocity || this.velocity.length !== params.length) this.velocity = new Float32Array(params.length);
    const v = this.velocity;
    const { lr, momentum } = this;
    for (let i = 0; i < params.length; i++) {
      v[i] = momentum * v[i] + grads[i];
      params[i] -= lr * v[i];
    }
  }

  state(): Record<string, Float32Array> {
    return this.velocity ? { velocity: this.velocity } : {};
  }

  loadState(state: Record<string, Float32Array>): void {
    if (state.velocity) this.velocity = Float32Array.from(state.velocity);
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
