/**
 * What an exported file says of the model it holds, from its checkpoint: the architecture, the
 * test accuracy and the training settings, as ONNX metadata_props (strings by key).
 */
import { formatLayers } from '../engine/layers/layers-text.js';
import { describeCheckpoint, type CheckpointMeta } from '../train/checkpoint.js';

export function checkpointMetadata(meta: CheckpointMeta): Record<string, string> {
  const out: Record<string, string> = {
    description: describeCheckpoint(meta),
    architecture: formatLayers(meta.architecture),
    epochs_completed: String(meta.epochsCompleted),
    optimizer: meta.optimizer,
    seed: String(meta.seed),
    training: JSON.stringify(meta.training),
  };
  if (meta.metrics.testAccuracy !== null) out.test_accuracy = String(meta.metrics.testAccuracy);
  const validation = meta.metrics.epochs.at(-1)?.validationAccuracy;
  if (validation !== undefined && validation !== null) out.validation_accuracy = String(validation);
  return out;
}
