/**
 * A pool worker for inference (src/node/inference-pool.ts): the logits of one contiguous share of
 * a data set, on a copy of the model built on the same kernel path, written into the shared output.
 */
import { Sequential } from '../src/engine/model/sequential.js';
import { kernelsFor } from '../src/engine/kernels/kernel-select.js';
import { logitsRange } from '../src/train/evaluate-data.js';
import type { InferenceTask } from '../src/node/inference-pool.js';

export default function inferenceWorker(task: InferenceTask | null): void {
  // The no-op task: the pool only asks whether this module has loaded (src/node/worker-loaded.ts).
  if (task === null) return;
  const model = Sequential.fromSpec(task.layers, { kernels: kernelsFor(task.kernels) });
  model.assign(task);
  model.sparseInput = task.sparseInput;
  logitsRange(model, task.data, task.start, task.end, task.out, task.chunk);
}
