/**
 * IDX, the format of the original MNIST files (http://yann.lecun.com/exdb/mnist/), parsed from
 * bytes. No file system here: the Node side reads files and gunzips; a browser could fetch.
 *
 * Layout: a 4-byte magic number (two zero bytes, a type code, the number of dimensions), then one
 * big-endian uint32 per dimension, then the data, row-major.
 */
import { FormatError, formatShape } from '../engine/errors.js';

/** Magic number of a label file: unsigned bytes, 1 dimension. */
export const IDX_MAGIC_LABELS = 0x00000801; // 2049
/** Magic number of an image file: unsigned bytes, 3 dimensions. */
export const IDX_MAGIC_IMAGES = 0x00000803; // 2051
/** Type code for unsigned bytes, the only element type MNIST uses. */
const IDX_TYPE_UBYTE = 0x08;
const MAGIC_BYTES = 4;
const DIM_BYTES = 4;

/** First two bytes of every gzip stream (RFC 1952). */
const GZIP_MAGIC = [0x1f, 0x8b] as const;

export type IdxKind = 'images' | 'labels';

export interface IdxArray {
  /** Dimensions from the header, for example [60000, 28, 28]. */
  dims: number[];
  /** The data, a view into the input bytes (not a copy). */
  data: Uint8Array;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

function expectedMagic(kind: IdxKind): number {
  return kind === 'images' ? IDX_MAGIC_IMAGES : IDX_MAGIC_LABELS;
}

/**
 * Parses an IDX file of unsigned bytes. `source` names the file in error messages;
 * `kind` makes the magic number a requirement (2051 for images, 2049 for labels).
 */
export function parseIdx(bytes: Uint8Array, source: string, kind?: IdxKind): IdxArray {
  if (isGzip(bytes)) {
    throw new FormatError(`${source}: gzip data, expected raw IDX bytes (decompress first)`);
  }
  if (bytes.length < MAGIC_BYTES) {
    throw new FormatError(`${source}: ${bytes.length} bytes, expected at least a ${MAGIC_BYTES}-byte IDX magic number`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (kind !== undefined && magic !== expectedMagic(kind)) {
    throw new FormatError(`${source}: magic ${magic}, expected ${expectedMagic(kind)} (${kind})`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError(`${source}: magic ${magic}, expected an IDX magic number (two zero bytes, type, dimensions)`);
  }
  const type = bytes[2];
  if (type !== IDX_TYPE_UBYTE) {
    throw new FormatError(`${source}: element type 0x${type.toString(16)}, expected 0x08 (unsigned byte)`);
  }
  const ndim = bytes[3];
  const headerBytes = MAGIC_BYTES + DIM_BYTES * ndim;
  if (bytes.length < headerBytes) {
    throw new FormatError(`${source}: truncated header: ${bytes.length} bytes, expected ${headerBytes} for ${ndim} dimensions`);
  }
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(view.getUint32(MAGIC_BYTES + DIM_BYTES * d, false));
  const dataBytes = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - headerBytes;
  if (found < dataBytes) {
    throw new FormatError(`${source}: truncated: header ${formatShape(dims)} needs ${dataBytes} data bytes, found ${found}`);
  }
  if (found > dataBytes) {
    throw new FormatError(`${source}: ${found - dataBytes} bytes after the data, expected exactly ${dataBytes} for ${formatShape(dims)}`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Encodes an IDX file of unsigned bytes (used by tests and by people making their own data sets). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new FormatError(`encodeIdx: ${data.length} bytes of data, expected ${count} for ${formatShape(dims)}`);
  const headerBytes = MAGIC_BYTES + DIM_BYTES * dims.length;
  const out = new Uint8Array(headerBytes + count);
  const view = new DataView(out.buffer);
  out[2] = IDX_TYPE_UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(MAGIC_BYTES + DIM_BYTES * i, d, false));
  out.set(data, headerBytes);
  return out;
}
