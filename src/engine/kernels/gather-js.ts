/**
 * A batch's rows of a data set kept as its nonzero bytes (MNIST pixels: column as u16, value as
 * u8), gathered into the CsrMatrix a first layer reads, each byte scaled to float32: the
 * reference for the SIMD gather (gather-simd.ts).
 */
import type { CsrMatrix } from './csr.js';

/** A data set as its nonzero bytes: row r's are colIdx/values[rowPtr[r] .. rowPtr[r+1]). */
export interface CsrBytes {
  rowPtr: Int32Array;
  colIdx: Uint16Array;
  values: Uint8Array;
}

let table = new Float32Array(256);
let tableScale = NaN;

/** float32(p) × float32(scale) for every byte p. */
function scaleTable(scale: number): Float32Array {
  if (scale !== tableScale) {
    const s = Math.fround(scale);
    table = Float32Array.from({ length: 256 }, (_, p) => p * s);
    tableScale = scale;
  }
  return table;
}

/**
 * Where each row's nonzeros of a range of columns lie: example e's are colIdx/values[pairs[2e] ..
 * pairs[2e + 1]), the two side by side so that a row's lookup is one cache miss, as with rowPtr.
 * A pool thread that owns a range of the input's columns gathers only those (src/train/pool/input-rows.ts).
 */
export interface RowBounds {
  pairs: Int32Array;
}

/**
 * Rows indices[start .. end) of `src` into `out`, which is already reserved for them (its rows,
 * cols and room for their nonzeros set): column indices as they are, values as float32(byte) ×
 * float32(scale). With `bounds`, only each row's nonzeros within them.
 */
export function gatherCsrRows(src: CsrBytes, indices: ArrayLike<number>, start: number, end: number, out: CsrMatrix, scale: number, bounds?: RowBounds): void {
  const { rowPtr, colIdx, values } = src;
  // Example e's first and end at bounds[e·stride] and bounds[e·stride + 1].
  const [at, stride] = bounds ? [bounds.pairs, 2] : [rowPtr, 1];
  const s = scaleTable(scale);
  const ptr = out.rowPtr;
  const ci = out.colIdx;
  const cv = out.values;
  let t = 0;
  ptr[0] = 0;
  for (let r = 0; r < end - start; r++) {
    const ex = indices[start + r];
    for (let q = at[ex * stride], e = at[ex * stride + 1]; q < e; q++) {
      ci[t] = colIdx[q];
      cv[t] = s[values[q]];
      t++;
    }
    ptr[r + 1] = t;
  }
}
