/**
 * evaluateModel and predictImages compute on the kernels their `kernels` option names ('auto' by
 * default: WebAssembly SIMD where it runs), whatever kernels a model was built with, as the CLI does.
 */
import { kernelsFor, resolveKernelPath } from '../engine/kernels/kernel-select.js';
import type { KernelChoice } from '../engine/kernels/kernel-set.js';
import type { Sequential } from '../engine/model/sequential.js';

/** `model` itself when it is on the chosen kernels already, else a copy of it on them. */
export function onKernels(model: Sequential, choice: KernelChoice = 'auto'): Sequential {
  const path = resolveKernelPath(choice);
  return model.kernels.path === path ? model : model.withKernels(kernelsFor(path));
}
