/**
 * One gradient computation and one training step. The same gradient function runs in-process
 * and in pool workers, so the training loop never needs to know whether threads exist.
 */
import { softmaxCrossEntropy } from './loss.js';
import type { Optimizer } from '../optim/optimizers.js';
import type { Sequential } from './sequential.js';

/**
 * Forward and backward over `batch` examples; gradients are added (+=) to model.grads, each
 * example's weighted by `scale` (1/batch for the mean). Returns the summed loss.
 */
export function accumulateGradients(model: Sequential, x: Float32Array, labels: ArrayLike<number>, batch: number, scale = 1 / batch): number {
  const logits = model.forward(x, batch, true);
  const dlogits = new Float32Array(logits.length);
  const loss = softmaxCrossEntropy(logits, labels, batch, model.outputSize, dlogits, scale);
  model.backward(dlogits, batch);
  model.batchStats.fold(batch);
  return loss;
}

/** zero grads, forward, backward, update. Returns the batch's mean loss. */
export function trainStep(model: Sequential, optimizer: Optimizer, x: Float32Array, labels: ArrayLike<number>, batch: number): number {
  model.zeroGrad();
  const loss = accumulateGradients(model, x, labels, batch);
  optimizer.step(model.params, model.grads);
  return loss / batch;
}
