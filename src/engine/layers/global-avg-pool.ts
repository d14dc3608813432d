/**
 * Global average pooling: each channel of an image (channels, height, width) becomes its mean, so a
 * convolutional network can end in one small dense layer (or none) instead of a wide flatten. Its
 * gradient spreads each channel's evenly over the pixels. A pass over the activations, too cheap
 * to be worth a SIMD kernel.
 */
import { ShapeError } from '../errors.js';
import type { CsrMatrix } from '../kernels/csr.js';
import { Scratch, type Layer, type LayerSpec, type ParamSpec } from './layer.js';

export class GlobalAvgPool implements Layer {
  readonly type = 'globalavgpool' as const;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly pixels: number;
  private readonly out = new Scratch();
  private readonly dx = new Scratch();

  constructor(input: readonly number[]) {
    if (input.length !== 3 || !input.every((d) => Number.isInteger(d) && d > 0)) throw new ShapeError(`GlobalAvgPool: input shape [${input.join(', ')}], expected [channels, height, width] of whole numbers > 0`);
    this.inputShape = [...input];
    this.pixels = input[1] * input[2];
    this.inputSize = input[0] * this.pixels;
    this.outputSize = input[0];
    this.outputShape = [input[0]];
  }

  params(): ParamSpec[] {
    return [];
  }

  bind(): void {}

  forward(x: Float32Array | CsrMatrix, batch: number): Float32Array {
    if (!(x instanceof Float32Array)) throw new ShapeError('GlobalAvgPool: sparse input is not supported');
    if (x.length !== batch * this.inputSize) throw new ShapeError(`GlobalAvgPool: input has ${x.length} values, expected [${batch}, ${this.inputShape.join(', ')}]`);
    const y = this.out.get(batch * this.outputSize);
    const n = this.pixels;
    for (let m = 0; m < y.length; m++) {
      let sum = 0;
      for (let p = m * n; p < (m + 1) * n; p++) sum += x[p];
      y[m] = sum / n;
    }
    return y;
  }

  backward(dy: Float32Array, batch: number, needInputGrad: boolean): Float32Array | null {
    if (!needInputGrad) return null;
    const dx = this.dx.get(batch * this.inputSize);
    const n = this.pixels;
    for (let m = 0; m < batch * this.outputSize; m++) dx.fill(dy[m] / n, m * n, (m + 1) * n);
    return dx;
  }

  spec(): LayerSpec {
    return { type: 'globalavgpool', input: [...this.inputShape] };
  }
}
