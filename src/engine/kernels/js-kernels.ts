/**
 * The scalar TypeScript kernel set: the reference the SIMD kernels are tested against, and the
 * fallback where WebAssembly SIMD is missing. Its tensors live in SharedArrayBuffers, so the
 * training pool's workers see them.
 */
import { csrMatmul, csrTransposeMatmul } from './csr.js';
import { matmulRaw, transpose } from './matmul.js';
import { addBias, addInto, addRowSums, relu, reluBackward } from './elementwise-js.js';
import { adamUpdate, momentumUpdate, sgdUpdate } from './optimizer-js.js';
import { gatherCsrRows } from './gather-js.js';
import { convBackwardJs, convValidJs } from './conv-js.js';
import { maxPool2BackwardJs, maxPool2Js } from './maxpool-js.js';
import { bnAffine, bnBackward, bnMoments, bnNormalise } from './batchnorm-js.js';
import type { KernelSet } from './kernel-set.js';
import { softmaxCrossEntropy } from '../model/loss.js';
import { sharedAllocator } from '../shared-memory.js';

export const jsKernels: KernelSet = {
  path: 'js',
  allocator: sharedAllocator,
  memory: null,
  fused: false,
  csrMatmul,
  csrTransposeMatmul,
  matmul: matmulRaw,
  transpose,
  relu,
  reluBackward,
  addBias,
  addRowSums,
  addInto,
  gatherCsrRows,
  sgdUpdate,
  momentumUpdate,
  adamUpdate,
  convValid: convValidJs,
  convBackward: convBackwardJs,
  softmaxCrossEntropy,
  maxPool2: maxPool2Js,
  maxPool2Backward: maxPool2BackwardJs,
  bnMoments,
  bnNormalise,
  bnBackward,
  bnAffine,
};
