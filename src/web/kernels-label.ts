/** How the page names the kernels a model computes with. */
import { SimdKernels, type KernelSet } from '../engine/kernels/kernel-select.js';

export function kernelsLabel(kernels: KernelSet): string {
  if (kernels.path === 'js') return 'JavaScript kernels';
  return kernels instanceof SimdKernels && kernels.fused ? 'WebAssembly SIMD kernels, fused multiply-add' : 'WebAssembly SIMD kernels';
}
