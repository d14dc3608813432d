/**
 * The engine: portable (no node:*, sharp, yargs or piscina), Float32Array in and out. What it
 * exports is the API of `mnist-ts`, listed in test/public-api.txt; kernel thresholds, evaluation
 * chunking and file-format constants stay inside.
 */
export * from './errors.js';
export * from './rng.js';
export * from './tensor.js';
export { matmulRaw, density, type MatmulOptions } from './kernels/matmul.js';
export { matmulNaive } from './kernels/matmul-naive.js';
export { CsrMatrix, denseToCsr, csrMatmul, csrTransposeMatmul } from './kernels/csr.js';
export * from './model/init.js';
export type { Layer, LayerSpec, ParamSpec, RunningStatSpec, ForwardContext, Padding } from './layers/layer.js';
export * from './layers/dense.js';
export * from './layers/relu.js';
export { Conv2D, type Conv2DOptions } from './layers/conv2d.js';
export * from './layers/maxpool2d.js';
export * from './layers/flatten.js';
export * from './layers/global-avg-pool.js';
export * from './layers/dropout.js';
export * from './layers/batch-norm.js';
export * from './layers/layers-text.js';
export * from './model/sequential.js';
export * from './shared-memory.js';
export * from './model/models.js';
export * from './model/loss.js';
export * from './model/metrics.js';
export * from './optim/optimizers.js';
export * from './model/train-step.js';
export { evaluate, predictProbabilities, predictClasses, type Evaluation } from './model/evaluate.js';
export { encodeSafetensors, decodeSafetensors, type NamedTensor, type Int64Tensor, type DecodedSafetensors } from './io/safetensors.js';
export * from './optim/schedule.js';
export * from './allocator.js';
export type { KernelSet, KernelPath, KernelChoice, ConvShape } from './kernels/kernel-set.js';
export { kernelsFor, resolveKernelPath, simdAvailable, SimdKernels, KERNEL_CHOICES } from './kernels/kernel-select.js';
export { jsKernels } from './kernels/js-kernels.js';
export { KernelMemory } from './wasm/kernel-memory.js';
