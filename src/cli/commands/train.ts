/** `mnist-ts train`: the tutorial's training chapter, on all cores. */
import type { Argv } from 'yargs';
import { MnistTsError, OptionError } from '../../engine/errors.js';
import { INIT_NAMES } from '../../engine/init.js';
import { makeOptimizer, OPTIMIZER_NAMES } from '../../engine/optim.js';
import { SCHEDULE_NAMES, type Schedule } from '../../engine/schedule.js';
import { buildModel, MODEL_NAMES, recipeFor } from '../model-recipes.js';
import { checkAugmentation, type Augmentation } from '../../train/augment.js';
import type { Sequential } from '../../engine/sequential.js';
import { loadMnist, type LoadedMnist } from '../../node/mnist-files.js';
import { createBackend, defaultThreads } from '../../node/backends.js';
import { csrFromSplit } from '../../train/data.js';
import { evaluateData } from '../../train/evaluate-data.js';
import { train, stepsPerEpoch, type EpochInfo } from '../../train/trainer.js';
import type { InjectedFault } from '../../train/protocol.js';
import { CHECKPOINT_FORMAT, encodeCheckpoint, type EpochRecord, type TrainingConfig } from '../../train/checkpoint.js';
import { writeReport } from '../../node/report-writer.js';
import type { SamplerState } from '../../data/batches.js';
import { loadCheckpointFile, saveCheckpointFile } from '../../node/checkpoint-file.js';
import { intFlag, nonNegativeNumberFlag, positiveNumberFlag } from '../options.js';
import { CNN_LAYERS } from '../../engine/models.js';
import { ProgressBar } from '../progress.js';


export interface TrainArgs {
  /** Left out: the model's recipe (model-recipes.ts). */
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: string;
  momentum: number;
  weightDecay?: number;
  lrSchedule?: string;
  lrStepEpochs: number;
  lrGamma: number;
  lrFloor: number;
  augmentShift?: number;
  layers?: string;
  init?: string;
  initStd: number;
  model: string;
  hidden: string;
  seed: number;
  threads?: number;
  validationSize: number;
  dataDir?: string;
  displayStep: number;
  json: boolean;
  /** Where to save the model; false (--no-save) saves nothing. */
  save?: string | false;
  checkpointEvery?: number;
  resume?: string;
  /** Write `mnist-ts report` images and index.html here at the end. */
  report?: string;
  /** Tests only (hidden flag): make a pool worker fail, as "shard:step:throw|exit". */
  injectFault?: string;
  /** Tests only (hidden flag): act as if Ctrl-C came after this many steps. */
  interruptAfter?: number;
}

export const DEFAULT_SAVE_PATH = 'log/model.safetensors';

export function trainOptions<T>(y: Argv<T>) {
  return y
    .option('model', { type: 'string', default: 'softmax', describe: `architecture: ${MODEL_NAMES.join(' | ')} (cnn: ${CNN_LAYERS})` })
    .option('layers', { type: 'string', describe: 'an architecture of your own instead of --model, e.g. "conv:8:5,relu,pool:2,flatten,dense:128,relu,dense:10" (items: conv:F:K[:same], pool:S, relu, flatten, dense:N, dropout:R)' })
    .option('hidden', { type: 'string', default: '256', describe: 'MLP hidden layer sizes, comma-separated (256 or 256,128)' })
    .option('epochs', { type: 'number', describe: `passes over the training set (default: ${recipeFor('softmax').epochs}; cnn and --layers: ${recipeFor('cnn').epochs})` })
    .option('batch-size', { type: 'number', describe: `examples per step (default: ${recipeFor('softmax').batchSize}; cnn and --layers: ${recipeFor('cnn').batchSize}); an epoch is floor(55000 / batch) steps and a batch that runs past the end of the data is completed from the next epoch (next_batch)` })
    .option('lr', { type: 'number', describe: `learning rate (default: ${recipeFor('softmax').lr}; cnn and --layers: ${recipeFor('cnn').lr})` })
    .option('optimizer', { type: 'string', describe: `${OPTIMIZER_NAMES.join(' | ')} (default: ${recipeFor('softmax').optimizer}; cnn and --layers: ${recipeFor('cnn').optimizer})` })
    .option('momentum', { type: 'number', default: 0.9, describe: 'momentum coefficient (with --optimizer momentum)' })
    .option('weight-decay', { type: 'number', describe: 'weight decay λ: an L2 term λ·p in the gradient (sgd, momentum, adam), or decoupled (adamw, default 0.01); default 0' })
    .option('lr-schedule', { type: 'string', describe: `constant | step | cosine (default: ${recipeFor('softmax').schedule}; cnn and --layers: ${recipeFor('cnn').schedule})` })
    .option('lr-step-epochs', { type: 'number', default: 10, describe: 'with --lr-schedule step: multiply the rate by --lr-gamma every N epochs' })
    .option('lr-gamma', { type: 'number', default: 0.1, describe: 'with --lr-schedule step: the factor' })
    .option('lr-floor', { type: 'number', default: 0, describe: 'with --lr-schedule cosine: the final rate, as a fraction of --lr' })
    .option('augment-shift', { type: 'number', describe: `shift each training image by a random 0..N pixels along each axis, seeded (default: ${recipeFor('softmax').augmentShift}; cnn and --layers: ${recipeFor('cnn').augmentShift})` })
    .option('init', { type: 'string', describe: `weight initialiser: ${INIT_NAMES.join(' | ')} (default: normal for softmax, he for mlp)` })
    .option('init-std', { type: 'number', default: 1, describe: 'standard deviation for --init normal' })
    .option('seed', { type: 'number', default: 0, describe: 'seed for weights, batch order, dropout masks and shifts' })
    .option('threads', { type: 'number', describe: 'threads for gradients (default: available parallelism; 1 = in-process, no pool)' })
    .option('validation-size', { type: 'number', default: 5000, describe: 'first N training images held out for validation' })
    .option('data-dir', { type: 'string', describe: 'folder with the four MNIST IDX files (raw or .gz)' })
    .option('display-step', { type: 'number', default: 1, describe: 'print the cost every N epochs' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object per epoch and a final one, instead of text' })
    .option('save', { type: 'string', default: DEFAULT_SAVE_PATH, describe: 'checkpoint file to write at the end (safetensors; --no-save for none)' })
    .option('checkpoint-every', { type: 'number', default: 0, describe: 'also save every N epochs (0: only at the end)' })
    .option('resume', { type: 'string', describe: 'continue training from a checkpoint, with its model, optimiser state, settings and batch order; --epochs is the new total' })
    .option('report', { type: 'string', describe: 'at the end, write the report (weights, confusion matrix, mistakes, curves, index.html) to this folder' })
    .option('inject-fault', { type: 'string', hidden: true })
    .option('interrupt-after', { type: 'number', hidden: true });
}

/** The schedule named by --lr-schedule, in steps, for `epochs` epochs of `perEpoch` steps. */
function scheduleFor(name: string, args: Pick<TrainArgs, 'lrStepEpochs' | 'lrGamma' | 'lrFloor'>, epochs: number, perEpoch: number): Schedule {
  switch (name) {
    case 'constant': return { kind: 'constant' };
    case 'cosine': {
      const floor = Number(args.lrFloor ?? 0);
      if (!(floor >= 0 && floor <= 1)) throw new OptionError(`--lr-floor: ${args.lrFloor}, expected a fraction of --lr in [0, 1]`);
      return { kind: 'cosine', total: Math.max(1, epochs * perEpoch), floor };
    }
    case 'step': return { kind: 'step', every: intFlag('lr-step-epochs', args.lrStepEpochs ?? 10, 1) * perEpoch, gamma: positiveNumberFlag('lr-gamma', args.lrGamma ?? 0.1) };
    default: throw new OptionError(`--lr-schedule: '${name}', expected one of ${SCHEDULE_NAMES.join(', ')}`);
  }
}

function parseFault(text: string | undefined): InjectedFault | undefined {
  if (!text) return undefined;
  const [shard, step, mode] = text.split(':');
  if (mode !== 'throw' && mode !== 'exit') throw new OptionError(`--inject-fault: '${text}', expected shard:step:throw|exit`);
  return { shard: Number(shard), step: Number(step), mode };
}

export interface TrainOutcome {
  model: Sequential;
  history: EpochInfo[];
  testAccuracy: number;
  testLoss: number;
  savePath?: string;
}

/** Ctrl-C during training: stop at the next step, keep the last complete epoch's checkpoint. */
function watchInterrupt(afterSteps?: number): { stop: () => boolean; step: () => void; dispose: () => void } {
  let interrupted = false;
  let steps = 0;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  return {
    stop: () => interrupted,
    step: () => {
      if (afterSteps !== undefined && ++steps >= afterSteps) interrupted = true;
    },
    dispose: () => process.removeListener('SIGINT', onSignal),
  };
}

export class Interrupted extends MnistTsError {
  override name = 'Interrupted';
}

export async function runTrain(args: TrainArgs, print: (line: string) => void = console.log, preloaded?: LoadedMnist): Promise<TrainOutcome> {
  const resumed = args.resume ? loadCheckpointFile(args.resume) : undefined;
  const recipe = recipeFor(args.model, args.layers);
  const config: TrainingConfig = resumed
    ? resumed.meta.training
    : {
        model: args.layers !== undefined ? 'layers' : args.model,
        optimizer: args.optimizer ?? recipe.optimizer,
        lr: positiveNumberFlag('lr', args.lr ?? recipe.lr),
        momentum: nonNegativeNumberFlag('momentum', args.momentum),
        batchSize: intFlag('batch-size', args.batchSize ?? recipe.batchSize, 1),
        init: args.init ?? (args.model === 'softmax' && args.layers === undefined ? 'normal' : 'he'),
        initStd: args.initStd,
        validationSize: intFlag('validation-size', args.validationSize, 0),
        epochs: intFlag('epochs', args.epochs ?? recipe.epochs, 0),
        ...(args.layers !== undefined ? { layers: args.layers } : {}),
        ...(args.weightDecay !== undefined ? { weightDecay: nonNegativeNumberFlag('weight-decay', args.weightDecay) } : {}),
        augmentShift: intFlag('augment-shift', args.augmentShift ?? recipe.augmentShift, 0),
      };
  const epochs = intFlag('epochs', args.epochs ?? config.epochs, 0);
  const seed = resumed ? resumed.meta.seed : intFlag('seed', args.seed, 0, 0xffffffff);
  const threads = intFlag('threads', args.threads ?? defaultThreads(), 1, 256);
  const displayStep = intFlag('display-step', args.displayStep, 1);
  const checkpointEvery = intFlag('checkpoint-every', args.checkpointEvery ?? 0, 0);
  // `--save a --no-save` arrives as an array: the last one given wins.
  const save = Array.isArray(args.save) ? args.save.at(-1) : args.save;
  const savePath = save === false || save === '' ? undefined : (save ?? DEFAULT_SAVE_PATH);
  const { batchSize, lr, momentum, validationSize } = config;
  const fault = parseFault(args.injectFault);

  const mnist = preloaded ?? loadMnist({ dataDir: args.dataDir, validationSize });
  // The schedule is fixed in steps when training starts, so that a resume (even with a new
  // --epochs) continues the same curve.
  config.schedule ??= scheduleFor(args.lrSchedule ?? recipe.schedule, args, config.epochs, stepsPerEpoch(mnist.train.count, batchSize));
  const optimizer = makeOptimizer(config.optimizer, lr, momentum, { weightDecay: config.weightDecay, schedule: config.schedule });
  let model: Sequential;
  let description: string;
  if (resumed) {
    model = resumed.model;
    optimizer.loadState(resumed.optimizerState);
    description = `${config.model} from ${args.resume} (epoch ${resumed.meta.epochsCompleted})`;
    if (model.inputSize !== mnist.train.features) {
      throw new OptionError(`--resume ${args.resume}: the model takes ${model.inputSize} inputs, but the images have ${mnist.train.features} pixels`);
    }
  } else {
    ({ model, description } = buildModel(args, mnist.train.rows, mnist.train.cols, mnist.classes));
    model.initialize(seed);
  }
  const augmentShift = config.augmentShift ?? 0;
  const augment: Augmentation | undefined = augmentShift > 0
    ? checkAugmentation({ shift: augmentShift, channels: 1, height: mnist.train.rows, width: mnist.train.cols }, mnist.train.features)
    : undefined;
  if (batchSize > mnist.train.count) throw new OptionError(`--batch-size: ${batchSize}, expected at most the ${mnist.train.count} training images`);
  const trainData = csrFromSplit(mnist.train, mnist.classes);
  const validation = csrFromSplit(mnist.validation, mnist.classes);
  const steps = stepsPerEpoch(trainData.count, batchSize);
  const emit = (o: object) => print(JSON.stringify(o));
  const history: EpochRecord[] = resumed ? [...resumed.meta.metrics.epochs] : [];
  const metaAt = (epochsCompleted: number, sampler: SamplerState, testAccuracy: number | null) => ({
    training: { ...config, epochs },
    epochsCompleted,
    seed,
    sampler,
    metrics: { epochs: history, testAccuracy },
    optimizer: optimizer.name,
  });
  const checkpointAt = (epochsCompleted: number, sampler: SamplerState, testAccuracy: number | null) =>
    encodeCheckpoint(model, optimizer.state(), metaAt(epochsCompleted, sampler, testAccuracy));
  if (!args.json) {
    const from = resumed ? `, resuming after epoch ${resumed.meta.epochsCompleted}` : '';
    const extras = [
      config.schedule && config.schedule.kind !== 'constant' ? `${config.schedule.kind} schedule` : '',
      config.weightDecay ? `weight decay ${config.weightDecay}` : '',
      augment ? `shifts up to ${augment.shift} px` : '',
    ].filter(Boolean);
    print(`Training ${description} (${model.paramCount} parameters) on ${trainData.count} images: ${optimizer.name} lr ${lr}${extras.map((e) => `, ${e}`).join('')}, batch ${batchSize}, ${epochs} epochs of ${steps} steps, ${threads} thread${threads > 1 ? 's' : ''}, seed ${seed}${from}`);
  }
  const bar = new ProgressBar(process.stderr, !args.json && process.stderr.isTTY === true);
  const interrupt = watchInterrupt(args.interruptAfter);
  // The last complete epoch, encoded, so that Ctrl-C can save it even though the weights have moved on.
  let lastComplete: { epoch: number; bytes: Uint8Array } | undefined;
  const backend = createBackend(model, trainData, optimizer, threads, batchSize, fault, { seed, augment });
  let result;
  try {
    result = await train(model, trainData, {
      epochs,
      batchSize,
      seed,
      optimizer,
      backend,
      validation,
      resume: resumed ? { epochsDone: resumed.meta.epochsCompleted, sampler: resumed.meta.sampler } : undefined,
      shouldStop: interrupt.stop,
      onStep: (s) => {
        interrupt.step();
        if (s.step === 1) bar.begin();
        bar.update(s.step, s.stepsPerEpoch, `Epoch ${s.epoch}/${epochs}`);
      },
      onEpoch: (e, state) => {
        bar.clear();
        history.push({ epoch: e.epoch, cost: e.cost, validationAccuracy: e.validationAccuracy ?? null });
        if (savePath) {
          lastComplete = { epoch: e.epoch, bytes: checkpointAt(state.epochsDone, state.sampler, null) };
          if (checkpointEvery > 0 && e.epoch % checkpointEvery === 0) saveCheckpointFile(savePath, lastComplete.bytes);
        }
        if (args.json) {
          emit({ epoch: e.epoch, cost: e.cost, validation_accuracy: e.validationAccuracy ?? null, seconds: e.seconds, samples_per_s: e.samplesPerSecond });
        } else if (e.epoch % displayStep === 0) {
          const val = e.validationAccuracy === undefined ? '' : `  validation accuracy: ${e.validationAccuracy.toFixed(4)}`;
          print(`Epoch: ${String(e.epoch).padStart(4, '0')} cost= ${e.cost.toFixed(9)}${val}  (${Math.round(e.samplesPerSecond)} samples/s, ${e.seconds.toFixed(2)} s)`);
        }
      },
    });
  } finally {
    bar.clear();
    interrupt.dispose();
    await backend.close();
  }
  if (result.stopped) {
    if (savePath && lastComplete) {
      saveCheckpointFile(savePath, lastComplete.bytes);
      throw new Interrupted(`interrupted: saved the checkpoint of epoch ${lastComplete.epoch} in ${savePath}`);
    }
    throw new Interrupted(savePath ? 'interrupted before the first epoch finished: nothing saved' : 'interrupted (--no-save: nothing saved)');
  }
  const test = evaluateData(model, csrFromSplit(mnist.test, mnist.classes));
  const totalSeconds = result.history.reduce((s, e) => s + e.seconds, 0);
  if (args.json) {
    emit({ finished: true, epochs: result.state.epochsDone, test_accuracy: test.accuracy, test_loss: test.loss, final_cost: history.at(-1)?.cost ?? null, train_seconds: totalSeconds, threads, saved: savePath ?? null });
  } else {
    print('Finished!');
    print(`Accuracy: ${test.accuracy.toFixed(4)}`);
  }
  if (savePath) {
    saveCheckpointFile(savePath, checkpointAt(result.state.epochsDone, result.state.sampler, test.accuracy));
    if (!args.json) print(`Model saved in file: ${savePath}`);
  }
  if (args.report) {
    const meta = { format: CHECKPOINT_FORMAT, architecture: model.spec(), ...metaAt(result.state.epochsDone, result.state.sampler, test.accuracy) };
    const r = await writeReport(args.report, { model, meta, test: mnist.test, classes: mnist.classes, maxMistakes: 50, source: savePath ?? 'this run' });
    if (!args.json) print(`Report written to ${args.report}/index.html (${r.files.join(', ')})`);
  }
  return { model, history: result.history, testAccuracy: test.accuracy, testLoss: test.loss, savePath };
}
