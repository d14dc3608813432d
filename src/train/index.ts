/**
 * mnist-ts/train: the training loop, training data, checkpoints and the models' recipes. Portable
 * (no Node-only imports); training on threads is mnist-ts/node's createBackend. The list is the
 * API: test/public-api.txt holds it, and a test compares the two.
 */
export { train, stepsPerEpoch, type TrainOptions, type TrainResult, type TrainState, type EpochInfo, type StepInfo } from './trainer.js';
export { csrFromSplit, denseData, asTrainingData, type TrainingData, type CsrBytesData, type DenseData } from './training-data.js';
export { BatchGradient, type StepSettings } from './batch-gradient.js';
export { InProcessBackend, type GradientBackend } from './gradient-backend.js';
export { evaluateData, logitsData, type DataEvaluation } from './evaluate-data.js';
export { encodeCheckpoint, decodeCheckpoint, CHECKPOINT_FORMAT, NO_TRAINING_RUN, WEIGHT_LAYOUT, type Checkpoint, type CheckpointMeta, type TrainingConfig, type EpochRecord } from './checkpoint.js';
export { type Augmentation } from './augment.js';
export { WeightAverage } from './weight-average.js';
export { buildModel, recipeFor, MODEL_NAMES, CNN_RECIPE, type Recipe, type ModelChoice, type BuiltModel } from './recipes.js';
