/**
 * Inverted dropout: in training each activation is zeroed with probability `rate` and the rest are
 * scaled by 1/(1 − rate), so that inference (where the layer passes its input through) needs no
 * rescaling. An example's mask is drawn from (seed, step, layer, the example's position in the
 * batch) alone, so a seed gives the same masks whatever the number of threads.
 */
import { ShapeError } from '../errors.js';
import type { ForwardContext, Layer, LayerSpec, ParamSpec } from './layer.js';
import { Scratch } from './layer.js';
import { mixSeed, mixSeedMore, Rng } from '../rng.js';

export class Dropout implements Layer {
  readonly type = 'dropout' as const;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly y = new Scratch();
  private readonly mask = new Scratch();
  private readonly dx = new Scratch();
  /** Whether the last forward pass dropped anything (false in inference or with rate 0). */
  private masked = false;
  /** Steps counted by the layer itself, for forward calls that bring no context. */
  private calls = 0;
  /** Reseeded for each example: a new generator per example made over a quarter of a CNN step's garbage. */
  private readonly rng = new Rng();

  constructor(readonly rate: number, shape: readonly number[]) {
    if (!(Number.isFinite(rate) && rate >= 0 && rate < 1)) throw new ShapeError(`Dropout: rate ${rate}, expected a number in [0, 1)`);
    if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) throw new ShapeError(`Dropout: shape [${shape.join(', ')}], expected whole numbers > 0`);
    this.inputShape = [...shape];
    this.outputShape = this.inputShape;
    this.inputSize = shape.reduce((a, b) => a * b, 1);
    this.outputSize = this.inputSize;
  }

  params(): ParamSpec[] {
    return [];
  }

  bind(): void {}

  forward(x: Float32Array | object, batch: number, training: boolean, context?: ForwardContext): Float32Array {
    if (!(x instanceof Float32Array)) throw new ShapeError('Dropout: sparse input is not supported');
    if (x.length !== batch * this.inputSize) throw new ShapeError(`Dropout: input has ${x.length} values, expected [${batch}, ${this.inputShape.join(', ')}]`);
    this.masked = training && this.rate > 0;
    if (!this.masked) return x;
    const ctx = context ?? { seed: 0, step: ++this.calls, offset: 0, layer: 0 };
    const f = this.inputSize;
    const rate = this.rate;
    const keep = 1 / (1 - rate);
    const mask = this.mask.get(x.length);
    const y = this.y.get(x.length);
    // Each example's generator is seeded with mixSeed(seed, step, layer, position).
    const mixed = mixSeed(ctx.seed, ctx.step, ctx.layer);
    for (let r = 0; r < batch; r++) this.rng.reseed(mixSeedMore(mixed, ctx.offset + r)).fillMask(mask, r * f, f, rate, keep);
    for (let i = 0; i < x.length; i++) y[i] = x[i] * mask[i];
    return y;
  }

  backward(dy: Float32Array, _batch: number, needInputGrad: boolean): Float32Array | null {
    if (!needInputGrad) return null;
    if (!this.masked) return dy;
    const dx = this.dx.get(dy.length);
    const mask = this.mask.get(dy.length);
    for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * mask[i];
    return dx;
  }

  spec(): LayerSpec {
    return { type: 'dropout', rate: this.rate, shape: [...this.inputShape] };
  }
}
