/**
 * The SIMD kernel set: every kernel of kernel-set.ts as WebAssembly SIMD emitted at run time
 * (csr-simd, matmul-simd, elementwise-simd, optimizer-simd, gather-simd, softmax-simd, conv-simd,
 * conv-backward-simd, maxpool-simd), over one KernelMemory. This class only checks shapes,
 * instantiates and stages; each file named holds its kernels' emitter and says how they work.
 * Modules are compiled once per thread and width, and instantiated once per memory. A tensor
 * outside the memory is staged through it, so any Float32Array works; the model's own tensors
 * live in the memory and are read in place.
 */
import { CsrMatrix } from './csr.js';
import { checkMatmulSizes, type MatmulOptions } from './matmul.js';
import { denseKernelModule } from './matmul-simd.js';
import { elementwiseModule } from './elementwise-simd.js';
import { transposeModule } from './transpose-simd.js';
import type { AdamStep } from './optimizer-js.js';
import { optimizerModule } from './optimizer-simd.js';
import { gatherCsrRows, type CsrBytes, type RowBounds } from './gather-js.js';
import { gatherModule } from './gather-simd.js';
import { csrKernelModule } from './csr-simd.js';
import { convForwardModule, type ConvShape } from './conv-simd.js';
import { softmaxModule } from './softmax-simd.js';
import { maxPool2Module } from './maxpool-simd.js';
import { convBackwardModule } from './conv-backward-simd.js';
import type { KernelSet } from './kernel-set.js';
import { ShapeError } from '../errors.js';
import { relaxedSimdSupported } from '../wasm/features.js';
import type { KernelMemory } from '../wasm/kernel-memory.js';
import { wasmApi } from '../wasm/runtime.js';

type CsrKernel = (rowPtr: number, colIdx: number, values: number, rows: number, b: number, c: number) => void;
type DenseKernel = (a: number, m: number, k: number, b: number, c: number) => void;
type ConvKernel = (x: number, batch: number, weights: number, bias: number, y: number) => void;
type ConvBackwardKernel = (x: number, batch: number, dy: number, w: number, dw: number, db: number, dx: number, values: number, positions: number) => void;
type PoolKernels = { max_pool2: (x: number, planes: number, y: number, arg: number) => void; max_pool2_backward: (dy: number, arg: number, planes: number, dx: number) => void };
type TransposeKernel = (src: number, rows: number, cols: number, dst: number) => void;
type SoftmaxKernel = (logits: number, labels: number, rows: number, grad: number, scale: number, stats: number) => void;
type GatherKernel = (bounds: number, strideShift: number, colIdx: number, values: number, indices: number, count: number, outPtr: number, outCol: number, outVal: number, scale: number) => number;
type SgdKernel = (p: number, g: number, count: number, lr: number, wd: number) => void;
type MomentumKernel = (p: number, g: number, v: number, count: number, lr: number, mu: number, wd: number) => void;
type AdamKernel = (p: number, g: number, m: number, v: number, count: number, a: number, e: number, b1: number, b2: number, l2: number, shrink: number, c1: number, c2: number) => void;
/** Each update also as `_clear`, which zeroes the gradient it has read. */
interface OptimizerKernels {
  sgd_update: SgdKernel;
  sgd_update_clear: SgdKernel;
  momentum_update: MomentumKernel;
  momentum_update_clear: MomentumKernel;
  adam_update: AdamKernel;
  adam_update_clear: AdamKernel;
}
interface ElementwiseKernels {
  relu(x: number, y: number, count: number): void;
  relu_backward(y: number, dy: number, dx: number, count: number): void;
  add_bias(y: number, b: number, rows: number, n: number): void;
  add_row_sums(x: number, sums: number, rows: number, n: number): void;
  add_into(dst: number, src: number, count: number): void;
  add_into_clear(dst: number, src: number, count: number): void;
}

/** An operand of a kernel: [array, first element, element count] (every element is 4 bytes). */
type Span = readonly [Float32Array | Int32Array, number, number];
const NOTHING_TO_RESTORE = () => {};
/** The whole of a typed array's first `length` elements. */
const first = (a: Float32Array | Int32Array, length: number): Span => [a, 0, length];

/** Compiled modules by width, shared by every memory in this thread. */
const modules = new Map<string, object>();

/** The SIMD kernels over `memory`; tensors outside it are staged through it (correct, but a copy). */
export class SimdKernels implements KernelSet {
  readonly path = 'simd' as const;
  /** Fused multiply-add (relaxed SIMD): on where the platform validates it, unless asked off. */
  readonly fused: boolean;
  /** Each module's exports over this memory, by the module's key (kind and shape). */
  private readonly instances = new Map<string, Record<string, unknown>>();
  private transposed: Float32Array = new Float32Array(0);
  /** convBackwardSparse's list of nonzeros: values, and positions as byte offsets. */
  private listValues: Float32Array = new Float32Array(0);
  private listPositions: Int32Array = new Int32Array(0);
  private softmaxStats: Float32Array = new Float32Array(0);
  private staging: Float32Array = new Float32Array(0);
  private stagingInt: Int32Array = new Int32Array(0);
  /** gatherCsrRows's copy of a batch's example indices from outside the memory. */
  private gatherIndices: Int32Array = new Int32Array(0);

  constructor(readonly allocator: KernelMemory, options: { fused?: boolean } = {}) {
    this.fused = (options.fused ?? true) && relaxedSimdSupported();
  }

  /**
   * The exports of the module named `key` (its kind and shape): compiled once per thread,
   * instantiated once over this memory, then looked up.
   */
  private instantiate(key: string, emit: (fused: boolean) => Uint8Array<ArrayBuffer>): Record<string, unknown> {
    let exports = this.instances.get(key);
    if (!exports) {
      const api = wasmApi()!;
      const moduleKey = `${key}:${this.fused}`;
      let module = modules.get(moduleKey);
      if (!module) modules.set(moduleKey, (module = new api.Module(emit(this.fused))));
      exports = new api.Instance(module, { env: { memory: this.allocator.memory } }).exports;
      this.instances.set(key, exports);
    }
    return exports;
  }

  private csr(n: number): { csr_matmul: CsrKernel; csr_transpose_matmul: CsrKernel } {
    return this.instantiate(`csr:${n}`, (fused) => csrKernelModule(n, fused)) as never;
  }

  private dense(n: number): { dense_matmul: DenseKernel; dense_transpose_matmul: DenseKernel } {
    return this.instantiate(`dense:${n}`, (fused) => denseKernelModule(n, fused)) as never;
  }

  /**
   * Byte addresses of the spans, staging those that lie outside the memory. A span is
   * [array, first element, element count]: no subarray is made for spans already in the memory,
   * which is every span of a model's own training step (a subarray costs about 40 ns here, and one
   * was made for every operand of every call).
   */
  private resident(spans: Span[]): { addresses: number[]; restore: () => void } {
    const addresses: number[] = new Array(spans.length);
    let outside = 0;
    for (let i = 0; i < spans.length; i++) {
      const [a, start] = spans[i];
      if (this.allocator.holds(a)) addresses[i] = a.byteOffset + 4 * start;
      else outside++;
    }
    if (outside === 0) return { addresses, restore: NOTHING_TO_RESTORE };
    const room = (kind: typeof Float32Array | typeof Int32Array) => spans.reduce((s, [a, , n]) => (a instanceof kind && !this.allocator.holds(a) ? s + n + 4 : s), 0);
    const floats = room(Float32Array);
    const ints = room(Int32Array);
    if (this.staging.length < floats) this.staging = this.allocator.f32(floats);
    if (this.stagingInt.length < ints) this.stagingInt = this.allocator.i32(ints);
    let fAt = 0;
    let iAt = 0;
    const copies: [Float32Array | Int32Array, Float32Array | Int32Array][] = [];
    spans.forEach(([array, start, length], i) => {
      if (this.allocator.holds(array)) return;
      const a = array.subarray(start, start + length);
      const isFloat = a instanceof Float32Array;
      const at = isFloat ? fAt : iAt;
      const view = (isFloat ? this.staging : this.stagingInt).subarray(at, at + length);
      view.set(a as never);
      copies.push([a, view]);
      if (isFloat) fAt += length + 4 - (length % 4);
      else iAt += length + 4 - (length % 4);
      addresses[i] = view.byteOffset;
    });
    return { addresses, restore: () => copies.forEach(([a, view]) => a.set(view as never)) };
  }

  csrMatmul(a: CsrMatrix, b: Float32Array, c: Float32Array, n: number, accumulate = false): void {
    if (b.length < a.cols * n) throw new ShapeError(`csrMatmul: B has ${b.length} values, expected [${a.cols}, ${n}]`);
    if (c.length < a.rows * n) throw new ShapeError(`csrMatmul: C has ${c.length} values, expected [${a.rows}, ${n}]`);
    if (!accumulate) c.fill(0, 0, a.rows * n);
    const nnz = a.nnz;
    const { addresses, restore } = this.resident([first(a.rowPtr, a.rows + 1), first(a.colIdx, nnz), first(a.values, nnz), first(b, a.cols * n), first(c, a.rows * n)]);
    const [rowPtr, colIdx, values, bAt, cAt] = addresses;
    this.csr(n).csr_matmul(rowPtr, colIdx, values, a.rows, bAt, cAt);
    restore();
  }

  csrTransposeMatmul(a: CsrMatrix, b: Float32Array, c: Float32Array, n: number): void {
    if (b.length < a.rows * n) throw new ShapeError(`csrTransposeMatmul: B has ${b.length} values, expected [${a.rows}, ${n}]`);
    if (c.length < a.cols * n) throw new ShapeError(`csrTransposeMatmul: C has ${c.length} values, expected [${a.cols}, ${n}]`);
    const nnz = a.nnz;
    const { addresses, restore } = this.resident([first(a.rowPtr, a.rows + 1), first(a.colIdx, nnz), first(a.values, nnz), first(b, a.rows * n), first(c, a.cols * n)]);
    const [rowPtr, colIdx, values, bAt, cAt] = addresses;
    this.csr(n).csr_transpose_matmul(rowPtr, colIdx, values, a.rows, bAt, cAt);
    restore();
  }

  private get elementwise(): ElementwiseKernels {
    return this.instantiate('elementwise', elementwiseModule) as unknown as ElementwiseKernels;
  }

  private get updates(): OptimizerKernels {
    return this.instantiate('optimizer', optimizerModule) as unknown as OptimizerKernels;
  }

  /** The byte addresses of elements [start, end) of arrays that must all live in the memory (optimiser state does). */
  private ranges(arrays: Float32Array[], start: number, end: number): { addresses: number[]; restore: () => void } {
    return this.resident(arrays.map((a): Span => [a, start, end - start]));
  }

  sgdUpdate(p: Float32Array, g: Float32Array, start: number, end: number, lr: number, wd: number, clear = false): void {
    if (end <= start) return;
    const { addresses: [pa, ga], restore } = this.ranges([p, g], start, end);
    this.updates[clear ? 'sgd_update_clear' : 'sgd_update'](pa, ga, end - start, lr, wd);
    restore();
  }

  momentumUpdate(p: Float32Array, g: Float32Array, v: Float32Array, start: number, end: number, lr: number, mu: number, wd: number, clear = false): void {
    if (end <= start) return;
    const { addresses: [pa, ga, va], restore } = this.ranges([p, g, v], start, end);
    this.updates[clear ? 'momentum_update_clear' : 'momentum_update'](pa, ga, va, end - start, lr, mu, wd);
    restore();
  }

  adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, start: number, end: number, s: AdamStep, clear = false): void {
    if (end <= start) return;
    const { addresses: [pa, ga, ma, va], restore } = this.ranges([p, g, m, v], start, end);
    this.updates[clear ? 'adam_update_clear' : 'adam_update'](pa, ga, ma, va, end - start, s.a, s.e, s.b1, s.b2, s.l2, s.shrink, 1 - s.b1, 1 - s.b2);
    restore();
  }

  relu(x: Float32Array, y: Float32Array): void {
    if (y.length < x.length) throw new ShapeError(`relu: output has ${y.length} values, expected ${x.length}`);
    const { addresses, restore } = this.resident([first(x, x.length), first(y, x.length)]);
    this.elementwise.relu(addresses[0], addresses[1], x.length);
    restore();
  }

  reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    if (y.length < dy.length || dx.length < dy.length) throw new ShapeError(`reluBackward: ${y.length} outputs and ${dx.length} gradients for ${dy.length} values`);
    const { addresses, restore } = this.resident([first(y, dy.length), first(dy, dy.length), first(dx, dy.length)]);
    this.elementwise.relu_backward(addresses[0], addresses[1], addresses[2], dy.length);
    restore();
  }

  gatherCsrRows(src: CsrBytes, indices: Int32Array, start: number, end: number, out: CsrMatrix, scale: number, bounds?: RowBounds): void {
    const m = this.allocator;
    // A data set outside the kernel memory (built without its allocator) is gathered in JS: staging
    // the whole set per batch would cost more than it saves.
    if (!(m.holds(src.rowPtr) && m.holds(src.colIdx) && m.holds(src.values) && m.holds(out.rowPtr) && m.holds(out.colIdx) && m.holds(out.values) && (!bounds || m.holds(bounds.pairs)))) {
      gatherCsrRows(src, indices, start, end, out, scale, bounds);
      return;
    }
    const gather = this.instantiate('gather', gatherModule).gather_rows as GatherKernel;
    const [boundsAt, strideShift] = bounds ? [bounds.pairs.byteOffset, 3] : [src.rowPtr.byteOffset, 2];
    gather(boundsAt, strideShift, src.colIdx.byteOffset, src.values.byteOffset, this.indicesAt(indices, start, end), end - start, out.rowPtr.byteOffset, out.colIdx.byteOffset, out.values.byteOffset, scale);
  }

  /**
   * The byte address of indices[start..end) in the memory: in place, or copied into a buffer of
   * their own. A training step's indices (the trainer's, the pool's) live outside the memory, and
   * `resident`'s general staging cost 0.5–0.6 µs more a gather of 100 rows than this copy (8.4–8.5
   * against 8.9–9.1 µs, one process, interleaved).
   */
  private indicesAt(indices: Int32Array, start: number, end: number): number {
    if (this.allocator.holds(indices)) return indices.byteOffset + 4 * start;
    if (this.gatherIndices.length < end - start) this.gatherIndices = this.allocator.i32(end - start);
    const own = this.gatherIndices;
    for (let i = start; i < end; i++) own[i - start] = indices[i];
    return own.byteOffset;
  }

  /** Returns false (and does nothing) for outputs narrower than 4: the JS kernel handles those. */
  convValid(x: Float32Array, batch: number, s: ConvShape, weights: Float32Array, bias: Float32Array, y: Float32Array): boolean {
    const { channels: c, height: h, width: w, kernel: K, filters: F } = s;
    const ow = w - K + 1;
    const oh = h - K + 1;
    if (ow < 4 || oh < 1) return false;
    const key = `${c}x${h}x${w}k${K}f${F}`;
    // Single-channel inputs are images (mostly empty rows on MNIST): skip all-zero row segments.
    const kernel = this.instantiate(`conv:${key}`, (fused) => convForwardModule(s, fused, c === 1)).conv_valid as ConvKernel;
    const { addresses: [xa, wa, ba, ya], restore } = this.resident([first(x, batch * c * h * w), first(weights, F * c * K * K), first(bias, F), first(y, batch * F * oh * ow)]);
    kernel(xa, batch, wa, ba, ya);
    restore();
    return true;
  }

  softmaxCrossEntropy(logits: Float32Array, labels: Int32Array, batch: number, classes: number, grad: Float32Array, scale: number): number {
    if (logits.length !== batch * classes) throw new ShapeError(`softmaxCrossEntropy: logits have ${logits.length} values, expected [${batch}, ${classes}]`);
    if (labels.length < batch) throw new ShapeError(`softmaxCrossEntropy: ${labels.length} labels, expected ${batch}`);
    if (grad.length < batch * classes) throw new ShapeError(`softmaxCrossEntropy: the gradient has ${grad.length} values, expected [${batch}, ${classes}]`);
    for (let r = 0; r < batch; r++) {
      if (!(labels[r] >= 0 && labels[r] < classes)) throw new ShapeError(`softmaxCrossEntropy: label ${labels[r]} at row ${r}, expected 0..${classes - 1}`);
    }
    const kernel = this.instantiate(`softmax:${classes}`, () => softmaxModule(classes)).softmax_xent as SoftmaxKernel;
    if (this.softmaxStats.length < 2 * batch) this.softmaxStats = this.allocator.f32(2 * batch);
    const stats = this.softmaxStats;
    const { addresses: [z, y, g], restore } = this.resident([first(logits, batch * classes), first(labels, batch), first(grad, batch * classes)]);
    kernel(z, y, batch, g, scale, stats.byteOffset);
    restore();
    // The loss of each row is log(Σ exp(z − max)) − (z_label − max): one log per row, here.
    let total = 0;
    for (let r = 0; r < batch; r++) total += Math.log(stats[2 * r + 1]) - (logits[r * classes + labels[r]] - stats[2 * r]);
    return total;
  }

  convBackward(x: Float32Array, batch: number, s: ConvShape, dy: Float32Array, weights: Float32Array, dw: Float32Array, db: Float32Array, dx: Float32Array | null): void {
    const { channels: c, height: h, width: w, kernel: K, filters: F } = s;
    const outputs = (h - K + 1) * (w - K + 1);
    if (x.length < batch * c * h * w || dy.length < batch * F * outputs || weights.length < F * c * K * K || dw.length < F * c * K * K || db.length < F || (dx && dx.length < batch * c * h * w)) {
      throw new ShapeError(`convBackward: arrays too small for a batch of ${batch} [${c}, ${h}, ${w}] through ${F} ${K}×${K} filters`);
    }
    const key = `${c}x${h}x${w}k${K}f${F}`;
    const kernel = this.instantiate(`conv-backward:${key}`, () => convBackwardModule(s)).conv_backward as ConvBackwardKernel;
    const entries = batch * outputs + 1;
    if (this.listValues.length < entries) {
      this.listValues = this.allocator.f32(entries);
      this.listPositions = this.allocator.i32(entries);
    }
    const spans: Span[] = [first(x, batch * c * h * w), first(dy, batch * F * outputs), first(weights, F * c * K * K), first(dw, F * c * K * K), first(db, F)];
    if (dx) spans.push(first(dx, batch * c * h * w));
    // dx = 0 tells the kernel there is none: address 0 is the arena header, never a tensor.
    const { addresses: [xa, dya, wa, dwa, dba, dxa = 0], restore } = this.resident(spans);
    kernel(xa, batch, dya, wa, dwa, dba, dxa, this.listValues.byteOffset, this.listPositions.byteOffset);
    restore();
  }

  maxPool2(x: Float32Array, planes: number, h: number, w: number, y: Float32Array, arg: Int32Array): void {
    const outputs = planes * Math.floor(h / 2) * Math.floor(w / 2);
    if (x.length < planes * h * w || y.length < outputs || arg.length < outputs) throw new ShapeError(`maxPool2: ${x.length} inputs, ${y.length} outputs and ${arg.length} indices for ${planes} planes of ${h}×${w}`);
    const { addresses: [xa, ya, aa], restore } = this.resident([first(x, planes * h * w), first(y, outputs), first(arg, outputs)]);
    this.pool2(h, w).max_pool2(xa, planes, ya, aa);
    restore();
  }

  maxPool2Backward(dy: Float32Array, arg: Int32Array, planes: number, h: number, w: number, dx: Float32Array): void {
    const outputs = planes * Math.floor(h / 2) * Math.floor(w / 2);
    if (dx.length < planes * h * w || dy.length < outputs || arg.length < outputs) throw new ShapeError(`maxPool2Backward: ${dx.length} input gradients, ${dy.length} output gradients and ${arg.length} indices for ${planes} planes of ${h}×${w}`);
    const { addresses: [da, aa, xa], restore } = this.resident([first(dy, outputs), first(arg, outputs), first(dx, planes * h * w)]);
    this.pool2(h, w).max_pool2_backward(da, aa, planes, xa);
    restore();
  }

  private pool2(h: number, w: number): PoolKernels {
    return this.instantiate(`pool2:${h}x${w}`, () => maxPool2Module(h, w)) as never;
  }

  addInto(dst: Float32Array, src: Float32Array, start: number, end: number, clearSrc = false): void {
    if (end <= start) return;
    const { addresses: [d, s], restore } = this.ranges([dst, src], start, end);
    this.elementwise[clearSrc ? 'add_into_clear' : 'add_into'](d, s, end - start);
    restore();
  }

  addBias(y: Float32Array, b: Float32Array, rows: number, n: number): void {
    if (y.length < rows * n || b.length < n) throw new ShapeError(`addBias: ${y.length} values and a bias of ${b.length}, expected [${rows}, ${n}] and [${n}]`);
    const { addresses, restore } = this.resident([first(y, rows * n), first(b, n)]);
    this.elementwise.add_bias(addresses[0], addresses[1], rows, n);
    restore();
  }

  addRowSums(x: Float32Array, sums: Float32Array, rows: number, n: number): void {
    if (x.length < rows * n || sums.length < n) throw new ShapeError(`addRowSums: ${x.length} values and ${sums.length} sums, expected [${rows}, ${n}] and [${n}]`);
    const { addresses, restore } = this.resident([first(x, rows * n), first(sums, n)]);
    this.elementwise.add_row_sums(addresses[0], addresses[1], rows, n);
    restore();
  }

  transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
    if (src.length < rows * cols || dst.length < rows * cols) throw new ShapeError(`transpose: ${src.length} values into ${dst.length}, expected ${rows} × ${cols}`);
    const { addresses: [s, d], restore } = this.resident([first(src, rows * cols), first(dst, rows * cols)]);
    (this.instantiate('transpose', transposeModule).transpose as TransposeKernel)(s, rows, cols, d);
    restore();
  }

  matmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, opts: MatmulOptions = {}): void {
    checkMatmulSizes(a, b, c, m, n, k, opts);
    if (!opts.accumulate) c.fill(0, 0, m * n);
    if (m === 0 || n === 0 || k === 0) return;
    let bRows = b;
    if (opts.transB) {
      // B is stored n × k: its transpose (k × n, rows of n) goes into scratch in the kernel memory.
      if (this.transposed.length < k * n) this.transposed = this.allocator.f32(k * n);
      this.transpose(b, n, k, this.transposed);
      bRows = this.transposed;
    }
    const { addresses, restore } = this.resident([first(a, m * k), first(bRows, k * n), first(c, m * n)]);
    const [aAt, bAt, cAt] = addresses;
    const kernels = this.dense(n);
    if (opts.transA) kernels.dense_transpose_matmul(aAt, m, k, bAt, cAt);
    else kernels.dense_matmul(aAt, m, k, bAt, cAt);
    restore();
  }
}
