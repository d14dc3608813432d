/** How the page names the kernels a model computes with. */
import type { KernelSet } from '../engine/kernels/kernel-set.js';

export function kernelsLabel(kernels: KernelSet): string {
  if (kernels.path === 'js') return 'JavaScript kernels';
  return kernels.fused ? 'WebAssembly SIMD kernels, fused multiply-add' : 'WebAssembly SIMD kernels';
}
