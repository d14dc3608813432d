/**
 * The choice of kernel set: SIMD where the platform runs it, else the JS set. The only place that
 * knows the SIMD set's class; everything else works on a KernelSet.
 */
import { jsKernels } from './js-kernels.js';
import { SimdKernels } from './simd-kernels.js';
import type { KernelChoice, KernelPath, KernelSet } from './kernel-set.js';
import { OptionError } from '../errors.js';
import { simdSupported } from '../wasm/features.js';
import { KernelMemory } from '../wasm/kernel-memory.js';

export { SimdKernels } from './simd-kernels.js';
export type { KernelSet, KernelPath, KernelChoice } from './kernel-set.js';

export const KERNEL_CHOICES: readonly KernelChoice[] = ['auto', 'simd', 'js'];

/** Whether this platform can run the SIMD kernels: WebAssembly SIMD, and shared memory for the arena. */
export function simdAvailable(): boolean {
  return simdSupported() && typeof SharedArrayBuffer === 'function';
}

/** The path for a choice: `auto` is SIMD where it runs; `simd` where it does not is one clear error. */
export function resolveKernelPath(choice: string): KernelPath {
  if (!(KERNEL_CHOICES as readonly string[]).includes(choice)) throw new OptionError(`kernels: '${choice}', expected one of ${KERNEL_CHOICES.join(', ')}`, 'kernels');
  if (choice === 'js') return 'js';
  if (simdAvailable()) return 'simd';
  if (choice === 'simd') {
    const why = !simdSupported() ? "this platform's WebAssembly has no SIMD" : 'SharedArrayBuffer is missing (a page must be cross-origin isolated)';
    throw new OptionError(`kernels: 'simd', but ${why}; use auto or js`, 'kernels');
  }
  return 'js';
}

/**
 * The kernel set for a path; SIMD kernels get a new memory unless one is given. `fused: false`
 * keeps SIMD from fusing multiply-adds where the platform could (the bits of a platform that cannot).
 */
export function kernelsFor(path: KernelPath, memory?: KernelMemory, options: { fused?: boolean } = {}): KernelSet {
  return path === 'js' ? jsKernels : new SimdKernels(memory ?? new KernelMemory(), options);
}
