/**
 * Where the engine's arrays come from. By default plain typed arrays on the JavaScript heap; a
 * model running the SIMD kernels hands out regions of its kernel memory instead (wasm/
 * kernel-memory.ts), so that the kernels read parameters, activations and batches where they are.
 */
export interface Allocator {
  f32(length: number): Float32Array;
  i32(length: number): Int32Array;
  u16(length: number): Uint16Array;
  u8(length: number): Uint8Array;
}

/** Plain typed arrays on the JavaScript heap. */
export const heapAllocator: Allocator = {
  f32: (length) => new Float32Array(length),
  i32: (length) => new Int32Array(length),
  u16: (length) => new Uint16Array(length),
  u8: (length) => new Uint8Array(length),
};
