/**
 * Flatten: an image (channels, height, width) becomes a row of features. Activations are already
 * stored flat per example, so only the shape changes; the data passes through untouched.
 */
import { ShapeError } from '../errors.js';
import type { Layer, LayerSpec, ParamSpec } from './layer.js';

export class Flatten implements Layer {
  readonly type = 'flatten' as const;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;

  constructor(input: readonly number[]) {
    if (input.length === 0 || !input.every((d) => Number.isInteger(d) && d > 0)) throw new ShapeError(`Flatten: input shape [${input.join(', ')}], expected whole numbers > 0`);
    this.inputShape = [...input];
    this.inputSize = input.reduce((a, b) => a * b, 1);
    this.outputSize = this.inputSize;
    this.outputShape = [this.inputSize];
  }

  params(): ParamSpec[] {
    return [];
  }

  bind(): void {}

  forward(x: Float32Array | object, batch: number): Float32Array {
    if (!(x instanceof Float32Array)) throw new ShapeError('Flatten: sparse input is not supported');
    if (x.length !== batch * this.inputSize) throw new ShapeError(`Flatten: input has ${x.length} values, expected [${batch}, ${this.inputShape.join(', ')}]`);
    return x;
  }

  backward(dy: Float32Array, _batch: number, needInputGrad: boolean): Float32Array | null {
    return needInputGrad ? dy : null;
  }

  spec(): LayerSpec {
    return { type: 'flatten', input: [...this.inputShape] };
  }
}
