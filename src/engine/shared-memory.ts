/**
 * Typed arrays in a SharedArrayBuffer where the platform has one (Node, cross-origin-isolated
 * browser pages), so that worker threads can see them without a copy; plain ones elsewhere.
 */
import type { Allocator } from './allocator.js';
import { ShapeError } from './errors.js';

interface TypedArrayClass<T> {
  new (length: number): T;
  new (buffer: SharedArrayBuffer): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * A typed array of `length` elements. Memory the platform cannot give (a model whose layer outputs
 * for a batch take more than the machine has, say) is a ShapeError in one line, not a RangeError
 * with a stack: the SIMD kernels' memory refuses the same case (kernel-memory.ts).
 */
export function sharedArray<T>(Ctor: TypedArrayClass<T>, length: number): T {
  try {
    return typeof SharedArrayBuffer === 'function' ? new Ctor(new SharedArrayBuffer(length * Ctor.BYTES_PER_ELEMENT)) : new Ctor(length);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const mib = Math.ceil((length * Ctor.BYTES_PER_ELEMENT) / 2 ** 20);
    throw new ShapeError(`memory: cannot allocate ${mib.toLocaleString('en')} MiB at once (${e.message}); a smaller model or batch needs less`);
  }
}

/**
 * Whether `buffer` is a SharedArrayBuffer. A bare `instanceof SharedArrayBuffer` throws a
 * ReferenceError where the global is missing (a page that is not cross-origin isolated).
 */
export function isShared(buffer: ArrayBufferLike): buffer is SharedArrayBuffer {
  return typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer;
}

/**
 * Typed arrays in SharedArrayBuffers (plain ones where there are none): where the JS kernels'
 * tensors live, so that pool workers see parameters, slabs and the data set without copies.
 */
export const sharedAllocator: Allocator = {
  f32: (length) => sharedArray(Float32Array, length),
  i32: (length) => sharedArray(Int32Array, length),
  u16: (length) => sharedArray(Uint16Array, length),
  u8: (length) => sharedArray(Uint8Array, length),
};

export function sharedFloat32(length: number): Float32Array {
  return sharedArray(Float32Array, length);
}
