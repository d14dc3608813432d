/**
 * A tensor is a Float32Array plus a shape, row-major. Kernels work on raw arrays with explicit
 * sizes (so views into shared buffers cost nothing); Tensor is the checked, user-facing form.
 */
import { ShapeError, formatShape } from './errors.js';
import { matmulRaw, type MatmulOptions } from './kernels/matmul.js';

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];

  constructor(data: Float32Array, shape: readonly number[]) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeError(`tensor: shape ${formatShape(shape)} has a dimension that is not a whole number >= 0`);
    }
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError(`tensor: ${data.length} values cannot have shape ${formatShape(shape)} (${sizeOf(shape)} values)`);
    }
    this.data = data;
    this.shape = [...shape];
  }

  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)), shape);
  }

  static from(values: ArrayLike<number>, shape: readonly number[]): Tensor {
    return new Tensor(Float32Array.from(values), shape);
  }

  get size(): number {
    return this.data.length;
  }

  /** Value at a multi-index (for tests and small inspections, not for hot loops). */
  get(...index: number[]): number {
    let off = 0;
    for (let d = 0; d < this.shape.length; d++) off = off * this.shape[d] + index[d];
    return this.data[off];
  }

  toString(): string {
    return `Tensor${formatShape(this.shape)}`;
  }
}

/**
 * op(a) · op(b) for 2-D tensors, where op transposes when asked. Shapes are checked and named:
 * `matmul: cannot multiply [100, 784] by [785, 10]`.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions & { out?: Tensor } = {}): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new ShapeError(`matmul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}: both must be 2-D`);
  }
  const [m, ka] = opts.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = opts.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  const opA = opts.transA ? `${formatShape(a.shape)}ᵀ` : formatShape(a.shape);
  const opB = opts.transB ? `${formatShape(b.shape)}ᵀ` : formatShape(b.shape);
  if (ka !== kb) throw new ShapeError(`matmul: cannot multiply ${opA} by ${opB}`);
  const out = opts.out ?? Tensor.zeros([m, n]);
  if (out.shape.length !== 2 || out.shape[0] !== m || out.shape[1] !== n) {
    throw new ShapeError(`matmul: output ${formatShape(out.shape)}, expected ${formatShape([m, n])} for ${opA} by ${opB}`);
  }
  matmulRaw(a.data, b.data, out.data, m, n, ka, opts);
  return out;
}
