/**
 * safetensors (https://github.com/huggingface/safetensors), encoded and decoded over bytes, so
 * that a browser page can load a model as well as Node can. Layout: an 8-byte little-endian
 * header length N, N bytes of JSON header (padded with spaces so the data starts 8-aligned),
 * then the tensors' bytes, contiguous, in the order of their data_offsets. Python's `safetensors`
 * and plain numpy read what this writes.
 */
import { FormatError } from '../errors.js';
import { LITTLE_ENDIAN } from './byte-order.js';

/** Bytes of the little-endian u64 header length. */
export const HEADER_LENGTH_BYTES = 8;
/** The data starts at a multiple of this, so float arrays can be viewed in place. */
export const HEADER_ALIGNMENT = 8;
/** Upper bound on the JSON header's length in bytes, as in the reference implementation. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const F32_BYTES = 4;
const I64_BYTES = 8;

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A 64-bit integer tensor (dtype I64): PyTorch's state_dicts hold one, batch normalisation's num_batches_tracked. */
export interface Int64Tensor {
  name: string;
  shape: number[];
  data: BigInt64Array;
}

export interface DecodedSafetensors {
  tensors: Map<string, NamedTensor>;
  /** The I64 tensors, when decoded with `{ int64: true }` (empty otherwise: such a file is refused). */
  int64: Map<string, Int64Tensor>;
  metadata: Record<string, string>;
}

export function encodeSafetensors(tensors: (NamedTensor | Int64Tensor)[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { [METADATA_KEY]: metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.name === METADATA_KEY) throw new FormatError(`safetensors: '${METADATA_KEY}' cannot name a tensor`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new FormatError(`safetensors: tensor ${t.name} has ${t.data.length} values, shape [${t.shape.join(', ')}] needs ${count}`);
    const dtype = t.data instanceof BigInt64Array ? 'I64' : 'F32';
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const padded = Math.ceil(headerBytes.length / HEADER_ALIGNMENT) * HEADER_ALIGNMENT;
  json += ' '.repeat(padded - headerBytes.length);
  headerBytes = encoder.encode(json);
  const out = new Uint8Array(HEADER_LENGTH_BYTES + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, HEADER_LENGTH_BYTES);
  let at = HEADER_LENGTH_BYTES + headerBytes.length;
  for (const t of tensors) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    } else {
      const view = new DataView(out.buffer, at, t.data.byteLength);
      if (t.data instanceof BigInt64Array) t.data.forEach((v, i) => view.setBigInt64(i * I64_BYTES, v, true));
      else t.data.forEach((v, i) => view.setFloat32(i * F32_BYTES, v, true));
    }
    at += t.data.byteLength;
  }
  return out;
}

function isShape(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((d) => Number.isInteger(d) && d >= 0);
}

/** A tensor's entry in the header: its name, shape and byte range within the data. */
interface Entry {
  name: string;
  dtype: 'F32' | 'I64';
  shape: number[];
  start: number;
  end: number;
}

/** The JSON header and where the data after it starts; anything that is not safetensors fails here. */
function readHeader(bytes: Uint8Array, source: string): { header: Record<string, unknown>; dataStart: number } {
  // Anything else given as a model (a text file, an image) fails one of the first checks: say
  // "not a safetensors file" first, the detail after.
  const notSafetensors = (detail: string) => new FormatError(`${source}: not a safetensors file (${detail})`);
  if (bytes.length === 0) throw notSafetensors('it is empty');
  if (bytes.length < HEADER_LENGTH_BYTES) throw notSafetensors(`${bytes.length} bytes, too short for the ${HEADER_LENGTH_BYTES}-byte header length; truncated?`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw notSafetensors(`its first ${HEADER_LENGTH_BYTES} bytes give a header length of ${n} bytes, at most ${MAX_HEADER_BYTES} expected`);
  const headerLength = Number(n);
  if (HEADER_LENGTH_BYTES + headerLength > bytes.length) {
    throw notSafetensors(`header length ${headerLength} bytes, but only ${bytes.length - HEADER_LENGTH_BYTES} follow; truncated?`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + headerLength)));
  } catch {
    throw notSafetensors('its header is not valid JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new FormatError(`${source}: header is not a JSON object`);
  return { header: header as Record<string, unknown>, dataStart: HEADER_LENGTH_BYTES + headerLength };
}

/** Checks one tensor's header entry against the spec and the `dataLength` bytes the file holds. */
function readEntry(name: string, value: unknown, source: string, dataLength: number, int64: boolean): Entry {
  const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const dtype = info?.dtype;
  if (!(dtype === 'F32' || (int64 && dtype === 'I64'))) throw new FormatError(`${source}: tensor ${name} has dtype ${JSON.stringify(dtype)}, expected "F32"${int64 ? ' (float32 weights; "I64" only for counts such as num_batches_tracked)' : ''}`);
  if (!isShape(info.shape)) throw new FormatError(`${source}: tensor ${name} has shape ${JSON.stringify(info.shape)}, expected a list of whole numbers`);
  const offsets = info.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
    throw new FormatError(`${source}: tensor ${name} has data_offsets ${JSON.stringify(offsets)}, expected [begin, end]`);
  }
  const [start, end] = offsets as [number, number];
  const expected = info.shape.reduce((a, b) => a * b, 1) * (dtype === 'I64' ? I64_BYTES : F32_BYTES);
  if (end < start || end - start !== expected) throw new FormatError(`${source}: tensor ${name} spans bytes ${start}..${end}, expected ${expected} bytes for shape [${info.shape.join(', ')}]`);
  if (end > dataLength) throw new FormatError(`${source}: tensor ${name} ends at byte ${end} of the data, which has only ${dataLength} (offsets out of range, or truncated)`);
  return { name, dtype, shape: info.shape, start, end };
}

/** The header's `__metadata__` strings and its tensor entries, checked in the header's order. */
function readEntries(header: Record<string, unknown>, source: string, dataLength: number, int64: boolean): { metadata: Record<string, string>; entries: Entry[] } {
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new FormatError(`${source}: __metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(readEntry(name, value, source, dataLength, int64));
  }
  return { metadata, entries };
}

/** The spec requires the tensors to tile the data exactly: no gaps, no overlaps. Sorts `entries` by offset. */
function checkTiling(entries: Entry[], source: string, dataLength: number): void {
  entries.sort((a, b) => a.start - b.start);
  let at = 0;
  for (const e of entries) {
    if (e.start !== at) throw new FormatError(`${source}: tensor ${e.name} starts at byte ${e.start}, expected ${at} (gap or overlap in data_offsets)`);
    at = e.end;
  }
  if (at !== dataLength) throw new FormatError(`${source}: tensors cover ${at} bytes of data, but the file holds ${dataLength}`);
}

/** A tensor's bytes, copied out of the file into a fresh buffer: a typed view needs alignment, and Node's Buffer#slice would share a pooled buffer. */
function tensorBytes(bytes: Uint8Array, dataStart: number, e: Entry): ArrayBuffer {
  const raw = new Uint8Array(e.end - e.start);
  raw.set(bytes.subarray(dataStart + e.start, dataStart + e.end));
  return raw.buffer;
}

function f32Data(raw: ArrayBuffer): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(raw);
  const view = new DataView(raw);
  return Float32Array.from({ length: raw.byteLength / F32_BYTES }, (_, i) => view.getFloat32(i * F32_BYTES, true));
}

function i64Data(raw: ArrayBuffer): BigInt64Array {
  if (LITTLE_ENDIAN) return new BigInt64Array(raw);
  const view = new DataView(raw);
  return BigInt64Array.from({ length: raw.byteLength / I64_BYTES }, (_, i) => view.getBigInt64(i * I64_BYTES, true));
}

/**
 * Parses and checks a safetensors file; `source` names it in errors. F32 tensors are accepted,
 * and I64 ones too with `{ int64: true }` (in `int64`); any other dtype is refused.
 */
export function decodeSafetensors(bytes: Uint8Array, source: string, options: { int64?: boolean } = {}): DecodedSafetensors {
  const { header, dataStart } = readHeader(bytes, source);
  const dataLength = bytes.length - dataStart;
  const { metadata, entries } = readEntries(header, source, dataLength, options.int64 === true);
  checkTiling(entries, source, dataLength);
  const tensors = new Map<string, NamedTensor>();
  const int64 = new Map<string, Int64Tensor>();
  for (const e of entries) {
    const raw = tensorBytes(bytes, dataStart, e);
    if (e.dtype === 'I64') int64.set(e.name, { name: e.name, shape: e.shape, data: i64Data(raw) });
    else tensors.set(e.name, { name: e.name, shape: e.shape, data: f32Data(raw) });
  }
  return { tensors, int64, metadata };
}
