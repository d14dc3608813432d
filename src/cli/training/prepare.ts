/** The pieces of a training run, from its settings: model, optimiser, schedule, data, augmentation. */
import { OptionError } from '../../engine/errors.js';
import { kernelsFor } from '../../engine/kernels/kernel-select.js';
import { makeOptimizer, type Optimizer } from '../../engine/optim/optimizers.js';
import type { Sequential } from '../../engine/model/sequential.js';
import type { LoadedMnist } from '../../node/mnist-files.js';
import { checkAugmentation, type Augmentation } from '../../train/augment.js';
import type { Checkpoint, TrainingConfig } from '../../train/checkpoint.js';
import { csrFromSplit, type CsrBytesData } from '../../train/training-data.js';
import { stepsPerEpoch } from '../../train/trainer.js';
import { buildModel, scheduleInSteps } from '../../train/recipes.js';
import { splitAverageState, WeightAverage } from '../../train/weight-average.js';
import type { TrainSettings } from './settings.js';

export interface PreparedRun {
  model: Sequential;
  /** "softmax regression 784→10", "MLP 784-256-10", "CNN conv:8:5,...". */
  description: string;
  optimizer: Optimizer;
  /** The recorded configuration, with the schedule fixed in steps. */
  config: TrainingConfig;
  augment?: Augmentation;
  /** The average of the weights that is evaluated and saved, with --ema. */
  average?: WeightAverage;
  train: CsrBytesData;
  validation: CsrBytesData;
  stepsPerEpoch: number;
}

/**
 * A batch must fit in the training images. When more images are held out for validation than are
 * left to train on, and fewer held out would leave a batch, --validation-size is what to change.
 */
function checkOneBatch(batchSize: number, mnist: LoadedMnist): void {
  const { train, validation } = mnist;
  if (batchSize <= train.count) return;
  if (validation.count > train.count && train.count + validation.count >= batchSize) {
    const most = train.count + validation.count - batchSize;
    throw new OptionError(`--validation-size: ${validation.count} leaves ${train.count} training images, fewer than one batch of ${batchSize}; expected at most ${most}`, 'validation-size');
  }
  throw new OptionError(`--batch-size: ${batchSize}, expected at most the ${train.count} training images`, 'batch-size');
}

export function prepareRun(settings: TrainSettings, resumed: Checkpoint | undefined, resumePath: string | undefined, mnist: LoadedMnist): PreparedRun {
  const { batchSize } = settings.config;
  checkOneBatch(batchSize, mnist);
  const perEpoch = stepsPerEpoch(mnist.train.count, batchSize);
  // The schedule is fixed in steps when training starts, so that a resume (even with a new
  // --epochs) continues the same curve.
  const config: TrainingConfig = { ...settings.config, schedule: settings.config.schedule ?? scheduleInSteps(settings.schedule, settings.epochs, perEpoch) };
  const optimizer = makeOptimizer(config.optimizer, config.lr, config.momentum, { weightDecay: config.weightDecay, schedule: config.schedule, beta1: config.beta1, beta2: config.beta2, eps: config.eps });
  let model: Sequential;
  let description: string;
  let average: WeightAverage | undefined;
  const kernels = kernelsFor(settings.kernels);
  if (resumed) {
    model = resumed.model.withKernels(kernels);
    // With an average, the checkpoint's parameters are the average; the trained weights are kept beside it.
    const saved = splitAverageState(resumed.optimizerState);
    optimizer.loadState(saved.optimizer);
    if (config.ema) {
      if (!saved.trained || !saved.accumulator) throw new OptionError(`--resume ${resumePath}: trained with an average of the weights, but the checkpoint lacks optimizer.trained and optimizer.average`);
      model.params.set(saved.trained);
      average = new WeightAverage(config.ema, saved.accumulator.slice(), resumed.meta.epochsCompleted * perEpoch);
    }
    description = `${config.model} from ${resumePath} (epoch ${resumed.meta.epochsCompleted})`;
    if (model.inputSize !== mnist.train.features) {
      throw new OptionError(`--resume ${resumePath}: the model takes ${model.inputSize} inputs, but the images have ${mnist.train.features} pixels`);
    }
  } else {
    ({ model, description } = buildModel({ ...config, hidden: settings.hidden }, mnist.train.rows, mnist.train.cols, mnist.classes, kernels));
    model.initialize(settings.seed);
    if (config.ema) average = WeightAverage.of(model, config.ema);
  }
  const shift = config.augmentShift ?? 0;
  const augment = shift > 0 ? checkAugmentation({ shift, channels: 1, height: mnist.train.rows, width: mnist.train.cols }, mnist.train.features) : undefined;
  return {
    model,
    description,
    optimizer,
    config,
    augment,
    average,
    // On the SIMD kernels the data set's nonzeros live in the model's kernel memory, where the
    // SIMD gather reads them.
    train: csrFromSplit(mnist.train, mnist.classes, kernels.allocator),
    validation: csrFromSplit(mnist.validation, mnist.classes, kernels.allocator),
    stepsPerEpoch: perEpoch,
  };
}
