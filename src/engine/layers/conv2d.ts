/**
 * 2-D convolution, stride 1, on (batch, channels, height, width) activations, weights stored
 * [filters, channels, kh, kw] as in PyTorch. The kernels do the valid convolution and its backward
 * pass (conv-js.ts on the JS set, conv-simd.ts and conv-backward-simd.ts on the SIMD one); 'same'
 * padding copies the input into a zero-bordered buffer first, and crops the input gradient.
 */
import { ShapeError } from '../errors.js';
import { he, zeros, type Initializer } from '../model/init.js';
import { Scratch, type Layer, type LayerSpec, type Padding, type ParamSpec } from './layer.js';
import { checkImageShape } from './image-shape.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { jsKernels } from '../kernels/js-kernels.js';

export interface Conv2DOptions {
  padding?: Padding;
  /** Weight initialiser; default He normal (fan-in = channels·k·k). */
  init?: Initializer;
  bias?: Initializer;
}

export class Conv2D implements Layer {
  readonly type = 'conv2d' as const;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly padding: Padding;
  private readonly init: Initializer;
  private readonly biasInit: Initializer;
  /** Rows above (and columns left of) the input that 'same' padding adds. */
  private readonly pad: number;
  private w: Float32Array = new Float32Array(0);
  private b: Float32Array = new Float32Array(0);
  private dw: Float32Array = new Float32Array(0);
  private db: Float32Array = new Float32Array(0);
  private batch = 0;
  /** The last forward's input, padded when the layer pads: the weight gradient reads it. */
  private xp: Float32Array = new Float32Array(0);
  private readonly padded = new Scratch();
  private readonly paddedDx = new Scratch();
  private readonly y = new Scratch();
  private readonly dx = new Scratch();
  private kernels: KernelSet = jsKernels;

  constructor(input: readonly number[], readonly filters: number, readonly kernel: number, options: Conv2DOptions = {}) {
    const [c, h, w] = checkImageShape('Conv2D', input);
    if (!(Number.isInteger(filters) && filters > 0)) throw new ShapeError(`Conv2D: ${filters} filters, expected a whole number > 0`);
    if (!(Number.isInteger(kernel) && kernel > 0)) throw new ShapeError(`Conv2D: kernel ${kernel}, expected a whole number > 0`);
    this.padding = options.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') throw new ShapeError(`Conv2D: padding '${String(this.padding)}', expected 'valid' or 'same'`);
    // 'same' as in PyTorch: an even kernel puts the extra row and column at the bottom and right.
    this.pad = this.padding === 'same' ? Math.floor((kernel - 1) / 2) : 0;
    const oh = this.padding === 'same' ? h : h - kernel + 1;
    const ow = this.padding === 'same' ? w : w - kernel + 1;
    if (oh < 1 || ow < 1) throw new ShapeError(`Conv2D: a ${kernel}×${kernel} kernel does not fit a ${h}×${w} input without padding`);
    this.inputShape = [c, h, w];
    this.outputShape = [filters, oh, ow];
    this.inputSize = c * h * w;
    this.outputSize = filters * oh * ow;
    this.init = options.init ?? he();
    this.biasInit = options.bias ?? zeros();
  }

  params(): ParamSpec[] {
    const [c] = this.inputShape;
    const k = this.kernel;
    const fanIn = c * k * k;
    const fanOut = this.filters * k * k;
    return [
      { name: 'weight', shape: [this.filters, c, k, k], init: this.init, fanIn, fanOut },
      { name: 'bias', shape: [this.filters], init: this.biasInit, fanIn, fanOut },
    ];
  }

  bind(values: Float32Array[], grads: Float32Array[]): void {
    [this.w, this.b] = values;
    [this.dw, this.db] = grads;
  }

  useKernels(kernels: KernelSet): void {
    this.kernels = kernels;
  }

  forward(x: Float32Array | object, batch: number): Float32Array {
    if (!(x instanceof Float32Array)) throw new ShapeError('Conv2D: sparse input is not supported');
    if (x.length !== batch * this.inputSize) throw new ShapeError(`Conv2D: input has ${x.length} values, expected [${batch}, ${this.inputShape.join(', ')}]`);
    const [c, h, w] = this.inputShape;
    const [hp, wp] = this.paddedSize();
    const xp = this.pad > 0 || hp !== h || wp !== w ? this.padInput(x, batch) : x;
    const y = this.y.get(batch * this.outputSize);
    const shape = { channels: c, height: hp, width: wp, kernel: this.kernel, filters: this.filters };
    this.kernels.convValid(xp, batch, shape, this.w, this.b, y);
    this.xp = xp;
    this.batch = batch;
    return y;
  }

  backward(dy: Float32Array, batch: number, needInputGrad: boolean): Float32Array | null {
    if (batch !== this.batch) throw new ShapeError(`Conv2D: backward over ${batch} examples after a forward over ${this.batch}`);
    const [c, h, w] = this.inputShape;
    const [hp, wp] = this.paddedSize();
    const padded = hp !== h || wp !== w;
    const dxp = needInputGrad ? (padded ? this.paddedDx : this.dx).get(batch * c * hp * wp).fill(0) : null;
    this.kernels.convBackward(this.xp, batch, { channels: c, height: hp, width: wp, kernel: this.kernel, filters: this.filters }, dy, this.w, this.dw, this.db, dxp);
    if (!dxp) return null;
    return padded ? this.crop(dxp, batch) : dxp;
  }

  /** The inverse of padInput: the image without its border. */
  private crop(xp: Float32Array, batch: number): Float32Array {
    const [c, h, w] = this.inputShape;
    const [hp, wp] = this.paddedSize();
    const out = this.dx.get(batch * c * h * w);
    const pad = this.pad;
    for (let plane = 0; plane < batch * c; plane++) {
      for (let yy = 0; yy < h; yy++) {
        const src = (plane * hp + yy + pad) * wp + pad;
        out.set(xp.subarray(src, src + w), (plane * h + yy) * w);
      }
    }
    return out;
  }

  /** Height and width of the input once padded: the output's plus K − 1. */
  private paddedSize(): [number, number] {
    const [, oh, ow] = this.outputShape;
    return [oh + this.kernel - 1, ow + this.kernel - 1];
  }

  /** Copies the input into a zero border: `pad` rows above and columns left, the rest below and right. */
  private padInput(x: Float32Array, batch: number): Float32Array {
    const [c, h, w] = this.inputShape;
    const [hp, wp] = this.paddedSize();
    const out = this.padded.get(batch * c * hp * wp);
    out.fill(0);
    const pad = this.pad;
    for (let plane = 0; plane < batch * c; plane++) {
      for (let yy = 0; yy < h; yy++) {
        const src = (plane * h + yy) * w;
        out.set(x.subarray(src, src + w), (plane * hp + yy + pad) * wp + pad);
      }
    }
    return out;
  }

  spec(): LayerSpec {
    return { type: 'conv2d', input: [...this.inputShape], filters: this.filters, kernel: this.kernel, padding: this.padding, init: this.init, biasInit: this.biasInit };
  }
}
