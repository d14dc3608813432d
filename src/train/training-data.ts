/**
 * Training data in the form the gradient function reads, held in SharedArrayBuffers so the worker
 * pool sees it without copies. Two kinds:
 *  - `bytes-csr`: MNIST-like uint8 images stored as their nonzero pixels (index, byte). Built once;
 *    a batch is then gathered straight into the CsrMatrix the first Dense layer reads, so no step
 *    ever scans the pixels that are zero (most of them).
 *  - `dense`: any float32 rows, for users' own data.
 */
import type { Allocator } from '../engine/allocator.js';
import type { KernelSet } from '../engine/kernels/kernel-set.js';
import { jsKernels } from '../engine/kernels/js-kernels.js';
import { CsrMatrix } from '../engine/kernels/csr.js';
import type { RowBounds } from '../engine/kernels/gather-js.js';
import { isShared, sharedAllocator, sharedArray } from '../engine/shared-memory.js';
import { DataError } from '../engine/errors.js';
import { LITTLE_ENDIAN } from '../engine/io/byte-order.js';
import { type Split } from '../data/dataset.js';

/** How many of a 32-bit word's four bytes are not zero. */
function nonzeroBytes(w: number): number {
  let m = w | (w >>> 4);
  m |= m >>> 2;
  m |= m >>> 1;
  m &= 0x01010101;
  return Math.imul(m, 0x01010101) >>> 24;
}

/** What a pixel byte is multiplied by: float32(p) × float32(1/255), as read_data_sets scales. */
const PIXEL_SCALE = 1 / 255;

export interface CsrBytesData {
  kind: 'bytes-csr';
  count: number;
  features: number;
  classes: number;
  /** count + 1 offsets into colIdx/values. */
  rowPtr: Int32Array;
  colIdx: Uint16Array;
  values: Uint8Array;
  labels: Uint8Array;
}

export interface DenseData {
  kind: 'dense';
  count: number;
  features: number;
  classes: number;
  x: Float32Array;
  labels: Int32Array;
}

export type TrainingData = CsrBytesData | DenseData;

/**
 * The nonzero pixels of a split, in SharedArrayBuffers, or in a kernel memory when `allocator` is
 * one (then the SIMD gather reads them where they are). One pass over the pixels, done once.
 */
export function csrFromSplit(split: Split, classes: number, alloc: Allocator = sharedAllocator): CsrBytesData {
  const { count, features, pixels } = split;
  if (features > 65536) throw new DataError(`${split.name}: ${features} pixels per image, at most 65536 supported`);
  const rowPtr = alloc.i32(count + 1);
  // Most pixels are zero and come in runs, so whole 4-byte words are read at once when the layout
  // allows: a zero word is skipped, and a word's nonzero bytes are counted without a branch.
  const words = LITTLE_ENDIAN && pixels.byteOffset % 4 === 0 && features % 4 === 0 ? new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length / 4) : null;
  let nnz = 0;
  if (words) {
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) nnz += nonzeroBytes(words[i]);
  } else {
    for (let i = 0; i < pixels.length; i++) if (pixels[i] !== 0) nnz++;
  }
  const colIdx = alloc.u16(nnz);
  const values = alloc.u8(nnz);
  let t = 0;
  for (let r = 0; r < count; r++) {
    rowPtr[r] = t;
    const off = r * features;
    if (words) {
      for (let c = 0; c < features; c += 4) {
        let w = words[(off + c) >> 2];
        // The word's bytes, lowest first (little-endian): pixel c, c + 1, c + 2, c + 3.
        for (let q = c; w !== 0; q++, w >>>= 8) {
          const v = w & 255;
          if (v !== 0) {
            colIdx[t] = q;
            values[t] = v;
            t++;
          }
        }
      }
    } else {
      for (let c = 0; c < features; c++) {
        const v = pixels[off + c];
        if (v !== 0) {
          colIdx[t] = c;
          values[t] = v;
          t++;
        }
      }
    }
  }
  rowPtr[count] = t;
  const labels = isShared(split.labels.buffer) ? split.labels : (() => {
    const l = sharedArray(Uint8Array, count);
    l.set(split.labels);
    return l;
  })();
  return { kind: 'bytes-csr', count, features, classes, rowPtr, colIdx, values, labels };
}

/**
 * A data set as training data: a split (`loadMnist().train`, ...) by its nonzero pixels, in `alloc`
 * (the model's kernel memory, say), or training data as it is. Labels must be below `classes`.
 */
export function asTrainingData(data: Split | TrainingData, classes: number, alloc: Allocator = sharedAllocator): TrainingData {
  if (!('pixels' in data)) {
    if (data.classes !== classes) throw new DataError(`training data: ${data.classes} classes, but the model predicts ${classes}`);
    return data;
  }
  const largest = data.labels.reduce((m, l) => Math.max(m, l), 0);
  if (largest >= classes) throw new DataError(`${data.name}: label ${largest}, but the model predicts ${classes} classes (0..${classes - 1})`);
  return csrFromSplit(data, classes, alloc);
}

/** Wraps users' float rows (count × features) and class labels; copies into shared memory if needed. */
export function denseData(x: Float32Array, labels: ArrayLike<number>, features: number, classes: number): DenseData {
  const count = labels.length;
  if (x.length !== count * features) throw new DataError(`training data: ${x.length} values, expected ${count} rows × ${features} features = ${count * features}`);
  const sx = isShared(x.buffer) ? x : sharedArray(Float32Array, x.length);
  if (sx !== x) sx.set(x);
  const sl = sharedArray(Int32Array, count);
  for (let i = 0; i < count; i++) {
    if (!(labels[i] >= 0 && labels[i] < classes)) throw new DataError(`training data: label ${labels[i]} at row ${i}, expected 0..${classes - 1}`);
    sl[i] = labels[i];
  }
  return { kind: 'dense', count, features, classes, x: sx, labels: sl };
}

/** Reusable buffers for one thread's batches, gathered by the model's kernels into their allocator. */
export class BatchBuffers {
  readonly csr: CsrMatrix;
  readonly allocator: Allocator;
  x: Float32Array = new Float32Array(0);
  labels: Int32Array = new Int32Array(0);
  private indices: Int32Array = new Int32Array(0);

  constructor(readonly kernels: KernelSet = jsKernels) {
    this.allocator = kernels.allocator;
    this.csr = new CsrMatrix(kernels.allocator);
  }

  /** `indices` as an Int32Array (a view when it is one). */
  indicesOf(indices: ArrayLike<number>): Int32Array {
    if (indices instanceof Int32Array) return indices;
    if (this.indices.length < indices.length) this.indices = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) this.indices[i] = indices[i];
    return this.indices;
  }
}

/**
 * Gathers examples indices[start..end) into `buf`; returns the model input (a CsrMatrix for
 * bytes-csr data, dense rows otherwise). Labels land in buf.labels. With `bounds` (bytes-csr data
 * only), each row's nonzeros within them: a range of the columns.
 */
export function gatherBatch(data: TrainingData, indices: ArrayLike<number>, start: number, end: number, buf: BatchBuffers, bounds?: RowBounds): Float32Array | CsrMatrix {
  const size = end - start;
  if (buf.labels.length < size) buf.labels = buf.allocator.i32(size);
  const labels = buf.labels;
  if (data.kind === 'dense') {
    const f = data.features;
    if (buf.x.length < size * f) buf.x = buf.allocator.f32(size * f);
    const x = buf.x.subarray(0, size * f);
    for (let r = 0; r < size; r++) {
      const ex = indices[start + r];
      x.set(data.x.subarray(ex * f, (ex + 1) * f), r * f);
      labels[r] = data.labels[ex];
    }
    return x;
  }
  const { rowPtr } = data;
  let nnz = 0;
  if (bounds) for (let r = start; r < end; r++) nnz += bounds.pairs[2 * indices[r] + 1] - bounds.pairs[2 * indices[r]];
  else for (let r = start; r < end; r++) nnz += rowPtr[indices[r] + 1] - rowPtr[indices[r]];
  const csr = buf.csr.reserve(size, data.features, nnz);
  buf.kernels.gatherCsrRows(data, buf.indicesOf(indices), start, end, csr, PIXEL_SCALE, bounds);
  for (let r = 0; r < size; r++) labels[r] = data.labels[indices[start + r]];
  return csr;
}
