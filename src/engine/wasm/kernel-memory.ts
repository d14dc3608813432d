/**
 * One WebAssembly.Memory that every tensor a SIMD kernel touches lives in, handed out by a bump
 * arena in 16-byte-aligned regions: parameters, gradients and slabs, activations, the batch.
 * The memory is shared (its buffer is a SharedArrayBuffer; without one there are no SIMD kernels), so pool
 * workers instantiate the same kernels over the same memory and allocate their own scratch from
 * the same arena (the bump pointer is advanced with Atomics, so threads never get the same bytes).
 * A shared memory's buffer is never detached when it grows, so views handed out stay valid;
 * they are ordinary Float32Arrays to the rest of the code.
 */
import type { Allocator } from '../allocator.js';
import { ShapeError } from '../errors.js';
import { wasmApi, type WasmMemory } from './runtime.js';

const PAGE = 65536;
/** 4 GiB: the most a 32-bit WebAssembly memory can address. */
export const MAX_PAGES = 65536;
const ALIGN = 16;
/**
 * Bytes 0..15 hold the arena's header: the bump pointer at byte 0, counted in ALIGN-byte units, so
 * that a 32-bit word (which Atomics needs) reaches all 4 GiB; in bytes it would turn negative at 2 GiB.
 */
const HEADER = 16;

function formatBytes(bytes: number): string {
  return `${Math.ceil(bytes / 2 ** 20)} MiB`;
}

export class KernelMemory implements Allocator {
  readonly memory: WasmMemory;
  /** Every buffer object this memory's views were made on (one per growth). */
  private readonly buffers = new Set<ArrayBufferLike>();
  private readonly header: Int32Array;

  /** A new memory, or (in a pool worker) one made elsewhere. */
  constructor(memory?: WasmMemory) {
    const api = wasmApi();
    if (!api) throw new ShapeError('KernelMemory: this platform has no WebAssembly');
    // Only a shared memory keeps its views valid when it grows (a plain one detaches its buffer).
    if (typeof SharedArrayBuffer !== 'function') throw new ShapeError('KernelMemory: needs SharedArrayBuffer (in a browser: a cross-origin-isolated page)');
    this.memory = memory ?? new api.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    this.header = new Int32Array(this.memory.buffer, 0, HEADER / 4);
    this.buffers.add(this.memory.buffer);
    if (memory === undefined) this.header[0] = HEADER / ALIGN;
  }

  /** Bytes handed out so far. */
  get used(): number {
    return Atomics.load(this.header, 0) * ALIGN;
  }

  /** `bytes` bytes at a 16-byte-aligned offset, growing the memory when needed. */
  private reserve(bytes: number): number {
    const units = Math.ceil(bytes / ALIGN);
    const tooMuch = (end: number) => new ShapeError(`kernel memory: ${formatBytes(end)} needed, more than the ${formatBytes(MAX_PAGES * PAGE)} a WebAssembly memory can hold (the model, its optimiser state and the data do not fit; use --kernels js)`);
    // Refused before the pointer moves: a count of units past the memory would not fit its word.
    if (units > (MAX_PAGES * PAGE) / ALIGN) throw tooMuch(this.used + units * ALIGN);
    const offset = Atomics.add(this.header, 0, units) * ALIGN;
    const end = offset + units * ALIGN;
    if (end > MAX_PAGES * PAGE) {
      Atomics.sub(this.header, 0, units); // the arena stays usable for smaller requests
      throw tooMuch(end);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch (e) {
        // Another thread may have grown it meanwhile; only a memory still too small is an error.
        if (this.memory.buffer.byteLength < end) throw new ShapeError(`kernel memory: cannot grow to ${formatBytes(end)} (${(e as Error).message})`);
      }
    }
    return offset;
  }

  private view<T>(make: (buffer: ArrayBufferLike, offset: number) => T, bytes: number): T {
    const offset = this.reserve(bytes);
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return make(buffer, offset);
  }

  f32(length: number): Float32Array {
    return this.view((b, o) => new Float32Array(b, o, length), length * 4);
  }

  i32(length: number): Int32Array {
    return this.view((b, o) => new Int32Array(b, o, length), length * 4);
  }

  /** A view of `length` floats at `byteOffset`, handed out earlier (in this thread or another). */
  u16(length: number): Uint16Array {
    return this.view((b, o) => new Uint16Array(b, o, length), length * 2);
  }

  u8(length: number): Uint8Array {
    return this.view((b, o) => new Uint8Array(b, o, length), length);
  }

  /** A view of `length` elements at `byteOffset`, a region handed out earlier (here or in another thread). */
  at<T>(Ctor: new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T, byteOffset: number, length: number): T {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return new Ctor(buffer, byteOffset, length);
  }

  /** Whether `a` is a view into this memory (so a kernel can read it where it is). */
  holds(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }
}
