/**
 * 2-D convolution, stride 1, on (batch, channels, height, width) activations, weights stored
 * [filters, channels, kh, kw] as in PyTorch. The work goes through the engine's matmul (im2col):
 *  - forward: the batch's input patches are laid out as columns, cols [C·K·K, B·P] (P output
 *    pixels per image), so one matmul W [F, C·K·K] · cols gives every image's output at once;
 *  - weight gradient: dW += dy [F, B·P] · colsᵀ, the same columns reused;
 *  - input gradient: dcolsᵀ [B·P, C·K·K] = dyᵀ · W, then each patch's gradient is added back
 *    into the pixels it came from (col2im).
 * Both backward matmuls take dy as the left operand, whose zeros (after ReLU and max-pooling,
 * most of it) the matmul's sparse path skips.
 */
import { ShapeError } from './errors.js';
import { he, zeros, type Initializer } from './init.js';
import { Scratch, type Layer, type LayerSpec, type Padding, type ParamSpec } from './layer.js';
import { matmulRaw } from './matmul.js';
import { checkImageShape } from './image-shape.js';

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
  private readonly cols = new Scratch();
  private readonly tmp = new Scratch();
  private readonly y = new Scratch();
  private readonly dyT = new Scratch();
  private readonly dcols = new Scratch();
  private readonly dx = new Scratch();

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

  forward(x: Float32Array | object, batch: number): Float32Array {
    if (!(x instanceof Float32Array)) throw new ShapeError('Conv2D: sparse input is not supported');
    if (x.length !== batch * this.inputSize) throw new ShapeError(`Conv2D: input has ${x.length} values, expected [${batch}, ${this.inputShape.join(', ')}]`);
    const [f, oh, ow] = this.outputShape;
    const p = oh * ow;
    const n = batch * p;
    const cols = this.cols.get(this.patch * n);
    this.im2col(x, batch, cols);
    const tmp = this.tmp.get(f * n);
    matmulRaw(this.w, cols, tmp, f, n, this.patch);
    // [F, B·P] → (B, F, P), adding the bias on the way.
    const y = this.y.get(batch * this.outputSize);
    const bias = this.b;
    for (let i = 0; i < batch; i++) {
      for (let o = 0; o < f; o++) {
        const src = o * n + i * p;
        const dst = (i * f + o) * p;
        const bo = bias[o];
        for (let q = 0; q < p; q++) y[dst + q] = tmp[src + q] + bo;
      }
    }
    this.batch = batch;
    return y;
  }

  backward(dy: Float32Array, batch: number, needInputGrad: boolean): Float32Array | null {
    if (batch !== this.batch) throw new ShapeError(`Conv2D: backward over ${batch} examples after a forward over ${this.batch}`);
    const [f, oh, ow] = this.outputShape;
    const p = oh * ow;
    const n = batch * p;
    const k = this.patch;
    // (B, F, P) → [F, B·P], summing the bias gradient on the way.
    const dyT = this.dyT.get(f * n);
    const db = this.db;
    for (let o = 0; o < f; o++) {
      let s = 0;
      for (let i = 0; i < batch; i++) {
        const src = (i * f + o) * p;
        const dst = o * n + i * p;
        for (let q = 0; q < p; q++) {
          const v = dy[src + q];
          dyT[dst + q] = v;
          s += v;
        }
      }
      db[o] += s;
    }
    matmulRaw(dyT, this.cols.get(k * n), this.dw, f, k, n, { transB: true, accumulate: true });
    if (!needInputGrad) return null;
    const dcols = this.dcols.get(n * k);
    matmulRaw(dyT, this.w, dcols, n, k, f, { transA: true });
    const dx = this.dx.get(batch * this.inputSize);
    this.col2im(dcols, batch, dx);
    return dx;
  }

  /** cols[(c·K + kh)·K + kw, i·P + y·OW + x] = input[i, c, y + kh − pad, x + kw − pad], 0 outside. */
  private im2col(x: Float32Array, batch: number, cols: Float32Array): void {
    const [c, h, w] = this.inputShape;
    const [, oh, ow] = this.outputShape;
    const K = this.kernel;
    const pad = this.pad;
    const p = oh * ow;
    const n = batch * p;
    for (let ch = 0; ch < c; ch++) {
      for (let kh = 0; kh < K; kh++) {
        for (let kw = 0; kw < K; kw++) {
          const row = ((ch * K + kh) * K + kw) * n;
          // Output columns whose input column is inside the image: [x0, x1).
          const x0 = Math.max(0, pad - kw);
          const x1 = Math.min(ow, w + pad - kw);
          for (let i = 0; i < batch; i++) {
            const plane = (i * c + ch) * h * w;
            for (let yy = 0; yy < oh; yy++) {
              const dst = row + i * p + yy * ow;
              const iy = yy + kh - pad;
              if (iy < 0 || iy >= h) {
                cols.fill(0, dst, dst + ow);
                continue;
              }
              const src = plane + iy * w + kw - pad;
              for (let xx = 0; xx < x0; xx++) cols[dst + xx] = 0;
              for (let xx = x0; xx < x1; xx++) cols[dst + xx] = x[src + xx];
              for (let xx = x1; xx < ow; xx++) cols[dst + xx] = 0;
            }
          }
        }
      }
    }
  }

  /** The adjoint of im2col: dx[i, c, y, x] = Σ over the patches that read it, from dcols [B·P, C·K·K]. */
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
