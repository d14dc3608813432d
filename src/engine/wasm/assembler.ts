/**
 * A small WebAssembly assembler: the engine writes its SIMD kernels as TypeScript that emits
 * bytecode at run time, so kernels can be specialised for their shapes and no .wasm file or
 * second compiler enters the repository. It covers what the kernels use: one imported memory,
 * functions with locals, structured control flow, i32/f32 arithmetic, loads and stores, and the
 * 128-bit SIMD operations on f32x4 (with relaxed SIMD's fused multiply-add where asked).
 * It checks nothing itself: every module it can emit is checked by WebAssembly.validate in the tests.
 *
 * Binary format: https://webassembly.github.io/spec/core/binary/ (sections, LEB128 integers);
 * SIMD opcodes are 0xFD followed by the operation's number as unsigned LEB128.
 */

/** Value types, by their binary encoding. */
export const i32 = 0x7f;
export const f32 = 0x7d;
export const v128 = 0x7b;
export type ValType = typeof i32 | typeof f32 | typeof v128;

/** Unsigned LEB128: 7 bits a byte, low bits first, the high bit set on all but the last. */
export function unsignedLeb128(n: number): number[] {
  if (!(Number.isInteger(n) && n >= 0 && n <= 0xffffffff)) throw new RangeError(`unsignedLeb128: ${n} is not a u32`);
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer: stops once the rest is all sign bits. */
export function signedLeb128(n: number): number[] {
  if (!(Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff)) throw new RangeError(`signedLeb128: ${n} is not an i32`);
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(s: string): number[] {
  const bytes = new TextEncoder().encode(s);
  return [...unsignedLeb128(bytes.length), ...bytes];
}

/** A section: its id, then its contents' length, then the contents. */
function section(id: number, contents: number[]): number[] {
  return [id, ...unsignedLeb128(contents.length), ...contents];
}

/** A vector: its length, then its items. */
function vec(items: number[][]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

const EMPTY_BLOCK = 0x40;
const SIMD_PREFIX = 0xfd;

/** The body of one function: its locals and instructions, emitted in order. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(readonly params: readonly ValType[]) {}

  /** A new local of `type`; returns its index (parameters come first). */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  /** Locals, run-length encoded as the format wants, then the code and `end`. */
  encode(): number[] {
    const runs: number[][] = [];
    for (let i = 0; i < this.locals.length; ) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      runs.push([...unsignedLeb128(j - i), this.locals[i]]);
      i = j;
    }
    const body = [...vec(runs), ...this.code, 0x0b];
    return [...unsignedLeb128(body.length), ...body];
  }

  private emit(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  private simd(op: number, ...immediates: number[]): this {
    return this.emit(SIMD_PREFIX, ...unsignedLeb128(op), ...immediates);
  }

  /** Alignment (as log2 of bytes) and offset of a load or store. */
  private memarg(alignLog2: number, offset: number): number[] {
    return [...unsignedLeb128(alignLog2), ...unsignedLeb128(offset)];
  }

  // Control
  block(): this { return this.emit(0x02, EMPTY_BLOCK); }
  loop(): this { return this.emit(0x03, EMPTY_BLOCK); }
  if(): this { return this.emit(0x04, EMPTY_BLOCK); }
  else(): this { return this.emit(0x05); }
  end(): this { return this.emit(0x0b); }
  br(depth: number): this { return this.emit(0x0c, ...unsignedLeb128(depth)); }
  brIf(depth: number): this { return this.emit(0x0d, ...unsignedLeb128(depth)); }
  return(): this { return this.emit(0x0f); }
  drop(): this { return this.emit(0x1a); }
  /** (a, b, condition) → condition ? a : b */
  select(): this { return this.emit(0x1b); }

  // Locals
  get(index: number): this { return this.emit(0x20, ...unsignedLeb128(index)); }
  set(index: number): this { return this.emit(0x21, ...unsignedLeb128(index)); }
  tee(index: number): this { return this.emit(0x22, ...unsignedLeb128(index)); }

  // Memory
  i32Load(offset = 0): this { return this.emit(0x28, ...this.memarg(2, offset)); }
  f32Load(offset = 0): this { return this.emit(0x2a, ...this.memarg(2, offset)); }
  i32Load8U(offset = 0): this { return this.emit(0x2d, ...this.memarg(0, offset)); }
  i32Load16U(offset = 0): this { return this.emit(0x2f, ...this.memarg(1, offset)); }
  i32Store(offset = 0): this { return this.emit(0x36, ...this.memarg(2, offset)); }
  f32Store(offset = 0): this { return this.emit(0x38, ...this.memarg(2, offset)); }

  // i32
  i32Const(n: number): this { return this.emit(0x41, ...signedLeb128(n)); }
  i32Eqz(): this { return this.emit(0x45); }
  i32Eq(): this { return this.emit(0x46); }
  i32Ne(): this { return this.emit(0x47); }
  i32LtS(): this { return this.emit(0x48); }
  i32LtU(): this { return this.emit(0x49); }
  i32GeS(): this { return this.emit(0x4e); }
  i32GeU(): this { return this.emit(0x4f); }
  i32GtS(): this { return this.emit(0x4a); }
  i32Add(): this { return this.emit(0x6a); }
  i32Sub(): this { return this.emit(0x6b); }
  i32Mul(): this { return this.emit(0x6c); }
  i32And(): this { return this.emit(0x71); }
  i32Shl(): this { return this.emit(0x74); }

  // f32
  f32Const(x: number): this {
    const b = new Uint8Array(new Float32Array([x]).buffer);
    return this.emit(0x43, b[0], b[1], b[2], b[3]);
  }
  f32Eq(): this { return this.emit(0x5b); }
  f32Ne(): this { return this.emit(0x5c); }
  f32Gt(): this { return this.emit(0x5e); }
  f32Add(): this { return this.emit(0x92); }
  f32Sub(): this { return this.emit(0x93); }
  f32Mul(): this { return this.emit(0x94); }
  f32Div(): this { return this.emit(0x95); }
  f32Sqrt(): this { return this.emit(0x91); }
  f32ConvertI32U(): this { return this.emit(0xb3); }

  // v128 and f32x4 (SIMD); loads and stores align to 16 bytes when `aligned`, else to 4
  v128Load(offset = 0, aligned = false): this { return this.simd(0x00, ...this.memarg(aligned ? 4 : 2, offset)); }
  v128Load32Splat(offset = 0): this { return this.simd(0x09, ...this.memarg(2, offset)); }
  /** Four u16 widened to an i32x4. */
  v128Load16x4U(offset = 0): this { return this.simd(0x04, ...this.memarg(1, offset)); }
  /** Four bytes into lane 0, the rest zero. */
  v128Load32Zero(offset = 0): this { return this.simd(0x5c, ...this.memarg(0, offset)); }
  /** Eight bytes (two f32) into lanes 0–1, the rest zero. */
  v128Load64Zero(offset = 0): this { return this.simd(0x5d, ...this.memarg(2, offset)); }
  /** Stores lanes 0–1 (as one 64-bit lane) of the v128 on the stack. */
  v128Store64Lane0(offset = 0): this { return this.simd(0x5b, ...this.memarg(2, offset), 0); }
  v128Store(offset = 0, aligned = false): this { return this.simd(0x0b, ...this.memarg(aligned ? 4 : 2, offset)); }
  f32x4Splat(): this { return this.simd(0x13); }
  i16x8ExtendLowI8x16U(): this { return this.simd(0x89); }
  i32x4ExtendLowI16x8U(): this { return this.simd(0xa9); }
  f32x4ConvertI32x4U(): this { return this.simd(0xfb); }
  f32x4ExtractLane(lane: number): this { return this.simd(0x1f, lane); }
  /** Replaces one lane of an f32x4 with an f32: (vector, value). */
  f32x4ReplaceLane(lane: number): this { return this.simd(0x20, lane); }
  i32x4ExtractLane(lane: number): this { return this.simd(0x1b, lane); }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Sub(): this { return this.simd(0xe5); }
  f32x4Mul(): this { return this.simd(0xe6); }
  f32x4Div(): this { return this.simd(0xe7); }
  f32x4Max(): this { return this.simd(0xe9); }
  /** Pseudo-maximum: pmax(a, b) = a < b ? b : a (so pmax(0, NaN) = 0, as JavaScript's x > 0 ? x : 0). */
  f32x4Pmax(): this { return this.simd(0xeb); }
  f32x4Gt(): this { return this.simd(0x44); }
  v128And(): this { return this.simd(0x4e); }
  v128Or(): this { return this.simd(0x50); }
  /** 1 if any bit of the vector is set, else 0. */
  v128AnyTrue(): this { return this.simd(0x53); }
  f32x4Sqrt(): this { return this.simd(0xe3); }
  f32x4Min(): this { return this.simd(0xe8); }
  /** A constant of four i32 lanes. */
  i32x4Const(lanes: readonly [number, number, number, number]): this {
    const bytes = new Uint8Array(new Int32Array(lanes).buffer);
    return this.simd(0x0c, ...bytes);
  }
  /** Bytes of a and b (0..15 from a, 16..31 from b) picked by 16 constant lane indices. */
  i8x16Shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => !(Number.isInteger(l) && l >= 0 && l < 32))) throw new RangeError(`i8x16Shuffle: lanes ${lanes.join(',')}`);
    return this.simd(0x0d, ...lanes);
  }
  /** Bits of a where the mask is 1, of b where it is 0: (a, b, mask). */
  v128Bitselect(): this { return this.simd(0x52); }
  /** Round to nearest, ties to even. */
  f32x4Nearest(): this { return this.simd(0x6a); }
  i32x4Splat(): this { return this.simd(0x11); }
  i32x4Add(): this { return this.simd(0xae); }
  i32x4Eq(): this { return this.simd(0x37); }
  /** Each lane shifted left by an i32 count. */
  i32x4Shl(): this { return this.simd(0xab); }
  /** Float to int, saturating (NaN to 0). */
  i32x4TruncSatF32x4S(): this { return this.simd(0xf8); }
  /** Relaxed SIMD: a·b + c, with one rounding where the platform fuses it (Node 22+, Chrome 114+). */
  f32x4RelaxedMadd(): this { return this.simd(0x105); }
}

interface FunctionDef {
  name: string;
  params: readonly ValType[];
  results: readonly ValType[];
  body: FunctionBuilder;
}

export interface MemoryImport {
  module: string;
  field: string;
  /** Pages of 64 KiB. */
  initial: number;
  maximum: number;
  shared: boolean;
}

/** A module of exported functions over one imported memory. */
export class ModuleBuilder {
  private readonly functions: FunctionDef[] = [];
  private memory?: MemoryImport;

  importMemory(memory: MemoryImport): this {
    this.memory = memory;
    return this;
  }

  /** Adds an exported function; `build` emits its body. */
  function(name: string, params: readonly ValType[], results: readonly ValType[], build: (f: FunctionBuilder) => void): this {
    const body = new FunctionBuilder(params);
    build(body);
    this.functions.push({ name, params, results, body });
    return this;
  }

  build(): Uint8Array<ArrayBuffer> {
    const types = section(1, vec(this.functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))])));
    const imports: number[][] = [];
    if (this.memory) {
      const m = this.memory;
      const limits = [m.shared ? 0x03 : 0x01, ...unsignedLeb128(m.initial), ...unsignedLeb128(m.maximum)];
      imports.push([...name(m.module), ...name(m.field), 0x02, ...limits]);
    }
    const importSection = imports.length ? section(2, vec(imports)) : [];
    const funcs = section(3, vec(this.functions.map((_, i) => unsignedLeb128(i))));
    const exports = section(7, vec(this.functions.map((f, i) => [...name(f.name), 0x00, ...unsignedLeb128(i)])));
    const code = section(10, vec(this.functions.map((f) => f.body.encode())));
    return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...importSection, ...funcs, ...exports, ...code]);
  }
}
