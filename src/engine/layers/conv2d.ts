/**
 * 2-D convolution, stride 1, on (batch, channels, height, width) activations, weights stored
 * [filters, channels, kh, kw] as in PyTorch.
 *  - forward: a direct register-tiled kernel that reads the image in place (conv-forward.ts);
 *    'same' padding copies the input into a zero-bordered buffer first;
 *  - backward, when dy is mostly zeros (after ReLU and max-pooling, the usual case): one pass over
 *    dy's nonzeros gives the weight and input gradients together (conv-backward.ts);
 *  - backward, dense dy: the register-tiled weight gradient (conv-backward.ts), and per image
 *    dcols [P, C·K·K] = dyᵀ · W through the engine's matmul, each patch's gradient then added back
 *    into the pixels it came from (col2im).
 * On the SIMD kernels the forward is conv-simd.ts and the backward is one kernel whatever dy's
 * density (conv-backward-simd.ts), bias gradient included.
 */
import { ShapeError } from '../errors.js';
import { he, zeros, type Initializer } from '../model/init.js';
import { Scratch, type Layer, type LayerSpec, type Padding, type ParamSpec } from './layer.js';
import { matmulRaw } from '../kernels/matmul.js';
import { convValid, packFilters, packedFilterLength, rowSpans } from '../kernels/conv-forward.js';
import { convBackwardSparse, convWeightGrad, SparseList, weightOffsetsLength } from '../kernels/conv-backward.js';
import { checkImageShape } from './image-shape.js';
import { jsKernels, type KernelSet } from '../kernels/kernel-set.js';

/**
 * Below this fraction of nonzeros in dy, the backward pass visits the nonzeros only
 * (convBackwardSparse); above it, the dense tiles are faster. Measured on the CNN preset's second
 * convolution: the sparse pass costs ~45 µs per example per 17% of density for the weight
 * gradient alone against ~200 µs for the dense tile, so it wins up to ~75% nonzeros.
 */
export const SPARSE_DY_DENSITY = 0.6;

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
  private readonly packed = new Scratch();
  private readonly y = new Scratch();
  private readonly dcols = new Scratch();
  private readonly dx = new Scratch();
  private offsets: Int32Array = new Int32Array(0);
  private spans: Int32Array = new Int32Array(0);
  private readonly nonzeros = new SparseList();
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

  /** Values in one patch: channels·k·k. */
  private get patch(): number {
    return this.inputShape[0] * this.kernel * this.kernel;
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
    if (!this.kernels.convValid?.(xp, batch, shape, this.w, this.b, y)) {
      const ckk = this.patch;
      const packed = packFilters(this.w, this.filters, ckk, this.packed.get(packedFilterLength(this.filters, ckk)));
      if (this.spans.length < 2 * batch * c * hp) this.spans = new Int32Array(2 * batch * c * hp);
      convValid(xp, batch, c, hp, wp, packed, this.b, this.filters, this.kernel, y, rowSpans(xp, batch * c * hp, wp, this.spans));
    }
    this.xp = xp;
    this.batch = batch;
    return y;
  }

  backward(dy: Float32Array, batch: number, needInputGrad: boolean): Float32Array | null {
    if (batch !== this.batch) throw new ShapeError(`Conv2D: backward over ${batch} examples after a forward over ${this.batch}`);
    const [c] = this.inputShape;
    const [hp, wp] = this.paddedSize();
    const [f, oh, ow] = this.outputShape;
    const p = oh * ow;
    const ckk = this.patch;
    const [h, w] = [this.inputShape[1], this.inputShape[2]];
    const padded = hp !== h || wp !== w;
    const inputGrad = () => (padded ? this.paddedDx : this.dx).get(batch * c * hp * wp).fill(0);
    if (this.kernels.convBackward) {
      // SIMD: one kernel, bias included, from dy's nonzeros at any density. Measured on the
      // preset's second convolution, batch 64: 1.2 ms against the JS paths' 4.1 ms with 88% of
      // dy zero (the usual), 12.6 ms against 21.1 ms with none zero.
      const dxp = needInputGrad ? inputGrad() : null;
      this.kernels.convBackward(this.xp, batch, { channels: c, height: hp, width: wp, kernel: this.kernel, filters: f }, dy, this.w, this.dw, this.db, dxp);
      if (!dxp) return null;
      return padded ? this.crop(dxp, batch) : dxp;
    }
    // The bias gradient and dy's count of nonzeros (which picks the path) in one pass.
    const db = this.db;
    let nonzeros = 0;
    for (let o = 0; o < f; o++) {
      let s = 0;
      for (let i = 0; i < batch; i++) {
        const src = (i * f + o) * p;
        for (let q = 0; q < p; q++) {
          const v = dy[src + q];
          s += v;
          nonzeros += +(v !== 0); // no branch: V8 compiles `? 1 : 0` to one, mispredicted on ReLU's zeros
        }
      }
      db[o] += s;
    }
    if (this.offsets.length < weightOffsetsLength(ckk)) this.offsets = new Int32Array(weightOffsetsLength(ckk));
    if (nonzeros < SPARSE_DY_DENSITY * batch * this.outputSize) {
      const dxp = needInputGrad ? inputGrad() : null;
      convBackwardSparse(this.xp, batch, c, hp, wp, dy, f, this.kernel, this.w, this.dw, dxp, this.nonzeros);
      if (!dxp) return null;
      return padded ? this.crop(dxp, batch) : dxp;
    }
    convWeightGrad(this.xp, batch, c, hp, wp, dy, f, this.kernel, this.dw, this.offsets);
    if (!needInputGrad) return null;
    const dcols = this.dcols.get(batch * p * ckk);
    for (let i = 0; i < batch; i++) {
      // dy of image i is [F, P], so dyᵀ is its transpose: the matmul reads it with transA.
      matmulRaw(dy.subarray(i * f * p, (i + 1) * f * p), this.w, dcols.subarray(i * p * ckk, (i + 1) * p * ckk), p, ckk, f, { transA: true });
    }
    const dx = this.dx.get(batch * this.inputSize);
    this.col2im(dcols, batch, dx);
    return dx;
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

  /** Adds each patch's gradient back into its pixels: dx[i, c, y, x] = Σ over the patches that read it, from dcols [B·P, C·K·K]. */
  private col2im(dcols: Float32Array, batch: number, dx: Float32Array): void {
    const [c, h, w] = this.inputShape;
    const [, oh, ow] = this.outputShape;
    const K = this.kernel;
    const pad = this.pad;
    const k = this.patch;
    dx.fill(0);
    for (let i = 0; i < batch; i++) {
      for (let yy = 0; yy < oh; yy++) {
        for (let xx = 0; xx < ow; xx++) {
          const src = ((i * oh + yy) * ow + xx) * k;
          for (let ch = 0; ch < c; ch++) {
            const plane = (i * c + ch) * h * w;
            for (let kh = 0; kh < K; kh++) {
              const iy = yy + kh - pad;
              if (iy < 0 || iy >= h) continue;
              const rowBase = plane + iy * w + xx - pad;
              const kBase = src + (ch * K + kh) * K;
              for (let kw = 0; kw < K; kw++) {
                const ix = xx + kw - pad;
                if (ix >= 0 && ix < w) dx[rowBase + kw] += dcols[kBase + kw];
              }
            }
          }
        }
      }
    }
  }

  spec(): LayerSpec {
    return { type: 'conv2d', input: [...this.inputShape], filters: this.filters, kernel: this.kernel, padding: this.padding, init: this.init, biasInit: this.biasInit };
  }
}
