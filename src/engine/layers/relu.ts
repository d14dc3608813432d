/** ReLU: y = max(0, x); its gradient passes where the input was positive. */
import type { CsrMatrix } from '../kernels/csr.js';
import { ShapeError } from '../errors.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { jsKernels } from '../kernels/js-kernels.js';
import { Scratch, type Layer, type LayerSpec, type ParamSpec } from './layer.js';

export class ReLU implements Layer {
  readonly type = 'relu' as const;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  private y: Float32Array = new Float32Array(0);
  private readonly out = new Scratch();
  private readonly dx = new Scratch();
  private kernels: KernelSet = jsKernels;

  /** `shape` keeps an image's [channels, height, width] for the layers after this one. */
  constructor(size: number, shape?: readonly number[]) {
    if (!(Number.isInteger(size) && size > 0)) throw new ShapeError(`ReLU: size ${size}, expected a whole number > 0`);
    if (shape && shape.reduce((a, b) => a * b, 1) !== size) throw new ShapeError(`ReLU: shape [${shape.join(', ')}] does not hold ${size} values`);
    this.inputSize = size;
    this.outputSize = size;
    this.inputShape = shape ? [...shape] : [size];
    this.outputShape = this.inputShape;
  }

  params(): ParamSpec[] {
    return [];
  }

  bind(): void {}

  useKernels(kernels: KernelSet): void {
    this.kernels = kernels;
  }

  forward(x: Float32Array | CsrMatrix, batch: number): Float32Array {
    if (!(x instanceof Float32Array)) throw new ShapeError('ReLU: sparse input is not supported; put a Dense layer first');
    if (x.length !== batch * this.inputSize) throw new ShapeError(`ReLU: input has ${x.length} values, expected [${batch}, ${this.inputSize}]`);
    const y = this.out.get(x.length);
    this.kernels.relu(x, y);
    this.y = y;
    return y;
  }

  backward(dy: Float32Array, _batch: number, needInputGrad: boolean): Float32Array | null {
    if (!needInputGrad) return null;
    const dx = this.dx.get(dy.length);
    this.kernels.reluBackward(this.y, dy, dx); // y > 0 exactly where x > 0
    return dx;
  }

  spec(): LayerSpec {
    return this.inputShape.length > 1 ? { type: 'relu', size: this.inputSize, shape: [...this.inputShape] } : { type: 'relu', size: this.inputSize };
  }
}
