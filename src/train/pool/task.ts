/**
 * The one task each pool worker runs for a whole training run, and how the buffers the threads
 * share travel to it. A typed array in the kernel memory travels as its place there (the worker
 * views it in its own instance of that memory, where its SIMD kernels read it); any other travels
 * as itself, its SharedArrayBuffer shared by the structured clone.
 */
import type { LayerSpec } from '../../engine/layers/layer.js';
import type { WasmMemory } from '../../engine/wasm/runtime.js';
import type { KernelMemory } from '../../engine/wasm/kernel-memory.js';
import type { OptimizerConfig } from '../../engine/optim/optimizers.js';
import type { StepSettings } from '../batch-gradient.js';

/**
 * A fault to inject, for tests: throw, or end the thread, at a step (the failure path); or stall,
 * sleeping 50 ms before that step (a thread that falls behind).
 */
export interface InjectedFault {
  thread: number;
  step: number;
  mode: 'throw' | 'exit' | 'stall';
}

export interface WorkerTask {
  /** This worker's thread index, 1..threads-1 (the main thread is 0). */
  thread: number;
  threads: number;
  layers: LayerSpec[];
  /** With SIMD kernels: the model's kernel memory, where the worker instantiates the same kernels. */
  kernelMemory?: WasmMemory;
  /** Whether the main thread's SIMD kernels fuse multiply-adds: every thread computes alike. */
  fused: boolean;
  /** The strategy's name, and its buffers as `share` sent them. */
  strategy: string;
  buffers: Shared;
  /** The training data, and the sets the main thread may ask the pool to evaluate, by index. */
  data: Shared;
  evaluation: Shared[];
  /** Int32Array: the control words (control.ts). */
  control: SharedArrayBuffer;
  /** Int32Array: the batch's example indices. */
  indices: SharedArrayBuffer;
  /** Float64Array: each thread's [correct, summed loss] of an evaluation phase. */
  results: SharedArrayBuffer;
  optimizer: OptimizerConfig;
  /** The optimiser's state (momentum's velocity, Adam's moments), shared by all threads. */
  optimizerState: Shared;
  stepSettings: StepSettings;
  /** The model's running statistics, which the main thread moves after each step, and its batch statistics, which every thread writes. */
  statistics: Shared;
  fault?: InjectedFault;
}

export interface WorkerResult {
  steps: number;
}

const VIEWS = { Float32Array, Float64Array, Int32Array, Uint16Array, Uint8Array } as const;
type ViewName = keyof typeof VIEWS;

/** A typed array's place in the kernel memory. */
interface Region {
  view: ViewName;
  byteOffset: number;
  length: number;
}

/** A value as it travels to a worker: what `toTask` made of it, which `fromTask` turns back. */
export type Shared = unknown;

function viewName(a: ArrayBufferView): ViewName | undefined {
  return (Object.keys(VIEWS) as ViewName[]).find((name) => a instanceof VIEWS[name]);
}

/** A typed array as it travels: its region of `memory` when it lies there, else itself over shared memory. */
function typedArrayToTask(a: ArrayBufferView, memory: KernelMemory | undefined): Shared {
  const view = viewName(a);
  if (memory?.holds(a)) {
    if (!view) throw new Error(`pool task: a ${a.constructor.name} in the kernel memory, which a worker cannot view`);
    return { kernelRegion: { view, byteOffset: a.byteOffset, length: (a as unknown as { length: number }).length } };
  }
  // Posting copies an array over an ordinary buffer, and the threads would not see each other's writes.
  if (!(a.buffer instanceof SharedArrayBuffer)) throw new Error(`pool task: a ${a.constructor.name} outside shared memory`);
  return a;
}

/** `value` ready to post to a worker: typed arrays in `memory` become their regions, recursively. */
export function toTask(value: unknown, memory: KernelMemory | undefined): Shared {
  if (ArrayBuffer.isView(value)) return typedArrayToTask(value, memory);
  if (Array.isArray(value)) return value.map((v) => toTask(v, memory));
  if (value && typeof value === 'object' && !(value instanceof SharedArrayBuffer)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toTask(v, memory)]));
  }
  return value;
}

/** What `toTask` sent, in a worker: regions become views of this thread's instance of the memory. */
export function fromTask<T>(value: Shared, memory: KernelMemory | undefined): T {
  return fromTaskValue(value, memory) as T;
}

function fromTaskValue(value: unknown, memory: KernelMemory | undefined): unknown {
  if (ArrayBuffer.isView(value) || value instanceof SharedArrayBuffer || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => fromTaskValue(v, memory));
  const region = (value as { kernelRegion?: Region }).kernelRegion;
  if (region) {
    if (!memory) throw new Error('pool task: a region of the kernel memory, but no kernel memory');
    return memory.at(VIEWS[region.view] as unknown as new (b: ArrayBufferLike, o: number, l: number) => ArrayBufferView, region.byteOffset, region.length);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromTaskValue(v, memory)]));
}
