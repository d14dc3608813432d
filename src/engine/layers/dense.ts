/** Fully connected layer: y = x·W + b, W stored [inputs, outputs] as in TensorFlow. */
import { CsrMatrix } from '../kernels/csr.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { jsKernels } from '../kernels/js-kernels.js';
import { ShapeError } from '../errors.js';
import { zeros, type Initializer } from '../model/init.js';
import { Scratch, type ForwardContext, type Layer, type LayerSpec, type ParamSpec } from './layer.js';
import { denseForward, denseInputGrad, denseParamGrads } from './dense-math.js';

export interface DenseOptions {
  /** Weight initialiser; default Glorot uniform. */
  init?: Initializer;
  /** Bias initialiser; default zeros. */
  bias?: Initializer;
}

export class Dense implements Layer {
  readonly type = 'dense' as const;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly acceptsSparse = true;
  private readonly init: Initializer;
  private readonly biasInit: Initializer;
  private w: Float32Array = new Float32Array(0);
  private b: Float32Array = new Float32Array(0);
  private dw: Float32Array = new Float32Array(0);
  private db: Float32Array = new Float32Array(0);
  private x: Float32Array | CsrMatrix = new Float32Array(0);
  private readonly y = new Scratch();
  private readonly dx = new Scratch();
  /** Wᵀ [outputs, inputs] for dx = dy·Wᵀ, and the parameters' stamp it was made from (0: none). */
  private readonly wT = new Scratch();
  private wTStamp = 0;
  /** The stamp of the last forward pass's parameters (ForwardContext.paramsStamp). */
  private stamp = 0;
  private kernels: KernelSet = jsKernels;

  constructor(inputs: number, outputs: number, options: DenseOptions = {}) {
    if (!(Number.isInteger(inputs) && inputs > 0 && Number.isInteger(outputs) && outputs > 0)) {
      throw new ShapeError(`Dense: sizes ${inputs}→${outputs}, expected whole numbers > 0`);
    }
    this.inputSize = inputs;
    this.outputSize = outputs;
    this.inputShape = [inputs];
    this.outputShape = [outputs];
    this.init = options.init ?? { kind: 'glorot' };
    this.biasInit = options.bias ?? zeros();
  }

  params(): ParamSpec[] {
    const [i, o] = [this.inputSize, this.outputSize];
    return [
      { name: 'weight', shape: [i, o], init: this.init, fanIn: i, fanOut: o },
      { name: 'bias', shape: [o], init: this.biasInit, fanIn: i, fanOut: o },
    ];
  }

  bind(values: Float32Array[], grads: Float32Array[]): void {
    [this.w, this.b] = values;
    [this.dw, this.db] = grads;
    this.wTStamp = 0;
  }

  useKernels(kernels: KernelSet): void {
    this.kernels = kernels;
  }

  forward(x: Float32Array | CsrMatrix, batch: number, _training = false, context?: ForwardContext): Float32Array {
    const [i, o] = [this.inputSize, this.outputSize];
    this.stamp = context?.paramsStamp ?? 0;
    const y = this.y.get(batch * o);
    if (x instanceof CsrMatrix) {
      if (x.rows !== batch || x.cols !== i) throw new ShapeError(`Dense: sparse input is [${x.rows}, ${x.cols}], expected [${batch}, ${i}]`);
    } else if (x.length !== batch * i) {
      throw new ShapeError(`Dense: input has ${x.length} values, expected [${batch}, ${i}]`);
    }
    denseForward(this.kernels, x, this.w, this.b, y, batch, i, o);
    this.x = x;
    return y;
  }

  backward(dy: Float32Array, batch: number, needInputGrad: boolean): Float32Array | null {
    const [i, o] = [this.inputSize, this.outputSize];
    denseParamGrads(this.kernels, this.x, dy, this.dw, this.db, batch, i, o);
    if (!needInputGrad) return null;
    const dx = this.dx.get(batch * i);
    denseInputGrad(this.kernels, dy, this.w, dx, batch, i, o, this.transposedWeights());
    return dx;
  }

  /** Wᵀ, made afresh unless the last forward pass's parameters are those it was made from: a step's pieces share it. */
  private transposedWeights(): Float32Array {
    const [i, o] = [this.inputSize, this.outputSize];
    const wT = this.wT.get(i * o);
    if (this.stamp === 0 || this.stamp !== this.wTStamp) {
      this.kernels.transpose(this.w, i, o, wT);
      this.wTStamp = this.stamp;
    }
    return wT;
  }

  spec(): LayerSpec {
    return { type: 'dense', inputs: this.inputSize, outputs: this.outputSize, init: this.init, biasInit: this.biasInit };
  }
}
