/** The engine: portable (no node:*, sharp, yargs or piscina), Float32Array in and out. */
export * from './errors.js';
export * from './rng.js';
export * from './tensor.js';
export { matmulRaw, density, SPARSE_DENSITY, type MatmulOptions } from './matmul.js';
export { matmulNaive } from './matmul-naive.js';
export * from './csr.js';
export * from './init.js';
export type { Layer, LayerSpec, ParamSpec } from './layer.js';
export * from './dense.js';
export * from './relu.js';
export * from './sequential.js';
export * from './models.js';
export * from './loss.js';
export * from './metrics.js';
export * from './optim.js';
export * from './train-step.js';
export * from './evaluate.js';
export * from './safetensors.js';
