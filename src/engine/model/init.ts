/** Parameter initialisers. Each draws from the engine's seeded Rng, so a seed fixes the weights. */
import { optionError } from '../errors.js';
import type { Rng } from '../rng.js';

export type Initializer =
  | { kind: 'zeros' }
  /** Batch normalisation's scale. */
  | { kind: 'ones' }
  | { kind: 'normal'; std: number }
  /** Glorot/Xavier uniform: U(±√(6/(fanIn+fanOut))), Keras's default for Dense. */
  | { kind: 'glorot' }
  /** He normal: N(0, 2/fanIn), made for ReLU layers. */
  | { kind: 'he' };

export type InitName = Initializer['kind'];
export const INIT_NAMES: readonly InitName[] = ['normal', 'zeros', 'glorot', 'he'];

export const zeros = (): Initializer => ({ kind: 'zeros' });
export const ones = (): Initializer => ({ kind: 'ones' });
export const normal = (std = 1): Initializer => ({ kind: 'normal', std });
export const glorot = (): Initializer => ({ kind: 'glorot' });
export const he = (): Initializer => ({ kind: 'he' });

export function initializerFromName(name: string, std = 1): Initializer {
  switch (name) {
    case 'zeros': return zeros();
    case 'normal': return normal(std);
    case 'glorot': return glorot();
    case 'he': return he();
    default: throw optionError('init', `'${name}', expected one of ${INIT_NAMES.join(', ')}`);
  }
}

/** Fills `out` for a parameter with the given fan-in and fan-out. */
export function initialize(out: Float32Array, init: Initializer, fanIn: number, fanOut: number, rng: Rng): void {
  switch (init.kind) {
    case 'zeros':
      out.fill(0);
      return;
    case 'ones':
      out.fill(1);
      return;
    case 'normal':
      for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, init.std);
      return;
    case 'glorot': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < out.length; i++) out[i] = (rng.uniform() * 2 - 1) * limit;
      return;
    }
    case 'he': {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, std);
      return;
    }
  }
}
