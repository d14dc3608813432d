/**
 * What every SIMD kernel call goes through: the module cache (compiled once per thread and key,
 * instantiated once per memory) and the staging of operands that lie outside the kernel memory,
 * so any Float32Array works while the model's own tensors are read in place.
 */
import type { KernelMemory } from '../wasm/kernel-memory.js';
import { relaxedSimdSupported } from '../wasm/features.js';
import { wasmApi } from '../wasm/runtime.js';

/** An operand of a kernel: [array, first element, element count] (every element is 4 bytes). */
export type Span = readonly [Float32Array | Int32Array, number, number];
const NOTHING_TO_RESTORE = () => {};
/** The whole of a typed array's first `length` elements. */
export const first = (a: Float32Array | Int32Array, length: number): Span => [a, 0, length];

/** Compiled modules by key and width, shared by every memory in this thread. */
const modules = new Map<string, object>();

/** The module cache and operand staging of the SIMD kernels over `allocator`. */
export class SimdCore {
  /** Fused multiply-add (relaxed SIMD): on where the platform validates it, unless asked off. */
  readonly fused: boolean;
  /** The same memory as `allocator`, as KernelSet.memory: what the training pool shares with its workers. */
  readonly memory: KernelMemory;
  /** Each module's exports over this memory, by the module's key (kind and shape). */
  private readonly instances = new Map<string, Record<string, unknown>>();
  private staging: Float32Array = new Float32Array(0);
  private stagingInt: Int32Array = new Int32Array(0);

  constructor(readonly allocator: KernelMemory, options: { fused?: boolean } = {}) {
    this.fused = (options.fused ?? true) && relaxedSimdSupported();
    this.memory = allocator;
  }

  /**
   * The exports of the module named `key` (its kind and shape): compiled once per thread,
   * instantiated once over this memory, then looked up.
   */
  protected instantiate(key: string, emit: (fused: boolean) => Uint8Array<ArrayBuffer>): Record<string, unknown> {
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

  /**
   * Byte addresses of the spans, staging those that lie outside the memory. A span is
   * [array, first element, element count]: no subarray is made for spans already in the memory,
   * which is every span of a model's own training step (a subarray per operand per call adds up).
   */
  protected resident(spans: Span[]): { addresses: number[]; restore: () => void } {
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

  /** The byte addresses of elements [start, end) of arrays that must all live in the memory (optimiser state does). */
  protected ranges(arrays: Float32Array[], start: number, end: number): { addresses: number[]; restore: () => void } {
    return this.resident(arrays.map((a): Span => [a, start, end - start]));
  }
}
