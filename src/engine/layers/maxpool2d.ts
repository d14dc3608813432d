/**
 * Max-pooling over non-overlapping size × size windows (stride = size) of (batch, channels,
 * height, width) activations. A window's gradient goes to the first of its largest inputs, whose
 * position the forward pass remembers. 2×2 windows, the common case, are a kernel of the set.
 */
import { ShapeError } from '../errors.js';
import { checkImageShape } from './image-shape.js';
import { Scratch, type Layer, type LayerSpec, type ParamSpec } from './layer.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { jsKernels } from '../kernels/js-kernels.js';

export class MaxPool2D implements Layer {
  readonly type = 'maxpool2d' as const;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly y = new Scratch();
  private readonly dx = new Scratch();
  /** For each output, the index (within the batch's input) of the input it took. */
  private argmax: Int32Array = new Int32Array(0);
  private batch = 0;
  private kernels: KernelSet = jsKernels;

  constructor(input: readonly number[], readonly size: number) {
    const [c, h, w] = checkImageShape('MaxPool2D', input);
    if (!(Number.isInteger(size) && size > 0)) throw new ShapeError(`MaxPool2D: size ${size}, expected a whole number > 0`);
    const oh = Math.floor(h / size);
    const ow = Math.floor(w / size);
    if (oh < 1 || ow < 1) throw new ShapeError(`MaxPool2D: a ${size}×${size} window does not fit a ${h}×${w} input`);
    this.inputShape = [c, h, w];
    this.outputShape = [c, oh, ow];
    this.inputSize = c * h * w;
    this.outputSize = c * oh * ow;
  }

  params(): ParamSpec[] {
    return [];
  }

  bind(): void {}

  useKernels(kernels: KernelSet): void {
    this.kernels = kernels;
    this.argmax = new Int32Array(0);
  }

  forward(x: Float32Array | object, batch: number): Float32Array {
    if (!(x instanceof Float32Array)) throw new ShapeError('MaxPool2D: sparse input is not supported');
    if (x.length !== batch * this.inputSize) throw new ShapeError(`MaxPool2D: input has ${x.length} values, expected [${batch}, ${this.inputShape.join(', ')}]`);
    const [c, h, w] = this.inputShape;
    const [, oh, ow] = this.outputShape;
    const s = this.size;
    const outLen = batch * this.outputSize;
    const y = this.y.get(outLen);
    if (this.argmax.length < outLen) this.argmax = this.kernels.allocator.i32(outLen);
    const arg = this.argmax;
    if (s === 2) {
      this.kernels.maxPool2(x, batch * c, h, w, y, arg);
      this.batch = batch;
      return y;
    }
    let o = 0;
    for (let plane = 0; plane < batch * c; plane++) {
      const base = plane * h * w;
      for (let yy = 0; yy < oh; yy++) {
        for (let xx = 0; xx < ow; xx++) {
          let best = base + yy * s * w + xx * s;
          let bv = x[best];
          for (let dy = 0; dy < s; dy++) {
            const row = base + (yy * s + dy) * w + xx * s;
            for (let dx = 0; dx < s; dx++) {
              const v = x[row + dx];
              if (v > bv) {
                bv = v;
                best = row + dx;
              }
            }
          }
          y[o] = bv;
          arg[o] = best;
          o++;
        }
      }
    }
    this.batch = batch;
    return y;
  }

  backward(dy: Float32Array, batch: number, needInputGrad: boolean): Float32Array | null {
    if (!needInputGrad) return null;
    if (batch !== this.batch) throw new ShapeError(`MaxPool2D: backward over ${batch} examples after a forward over ${this.batch}`);
    const dx = this.dx.get(batch * this.inputSize);
    const arg = this.argmax;
    const [c, h, w] = this.inputShape;
    if (this.size === 2) {
      // The kernel writes every input of every window; an odd last row or column is in none.
      if (h % 2 === 1 || w % 2 === 1) dx.fill(0);
      this.kernels.maxPool2Backward(dy, arg, batch * c, h, w, dx);
      return dx;
    }
    dx.fill(0);
    const n = batch * this.outputSize;
    for (let o = 0; o < n; o++) dx[arg[o]] += dy[o];
    return dx;
  }

  spec(): LayerSpec {
    return { type: 'maxpool2d', input: [...this.inputShape], size: this.size };
  }
}
