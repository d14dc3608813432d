/**
 * What the pool checks and makes before it starts its workers: that the buffers every thread
 * reads live in shared memory, and the main thread's model for its strategy's part.
 */
import { MnistTsError } from '../../engine/errors.js';
import type { Optimizer } from '../../engine/optim/optimizers.js';
import type { Sequential } from '../../engine/model/sequential.js';

/**
 * The optimiser's state for the model, checked (with the model's buffers) to live where every
 * thread sees it; and room in the model's batch statistics for a batch of `maxBatch`, which every
 * thread's model writes into.
 */
export function sharedState(model: Sequential, optimizer: Optimizer, maxBatch: number): Record<string, Float32Array> {
  if (!(model.params.buffer instanceof SharedArrayBuffer) || !(model.grads.buffer instanceof SharedArrayBuffer)) {
    throw new MnistTsError('PoolBackend: the model parameters must live in a SharedArrayBuffer');
  }
  model.batchStats.reserve(maxBatch);
  optimizer.useKernels(model.kernels);
  const state = optimizer.ensureState(model.paramCount);
  for (const [key, buf] of Object.entries(state)) {
    if (!(buf.buffer instanceof SharedArrayBuffer)) throw new MnistTsError(`PoolBackend: optimizer state '${key}' must live in a SharedArrayBuffer`);
  }
  return state;
}

/** The main thread's model is the model itself, over its own buffers: a strategy asking for others is a bug. */
export function mainModel(model: Sequential, params: Float32Array, grads?: Float32Array): Sequential {
  if (params !== model.params || (grads && grads !== model.grads)) throw new MnistTsError('PoolBackend: the main thread\'s part asked for buffers other than the model\'s');
  return model;
}
