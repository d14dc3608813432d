/**
 * Everything `train` will do, worked out from its flags, the model's recipe and, on --resume, the
 * checkpoint, before any data is loaded: every flag is checked here, and a flag that would have
 * no effect is refused (exit 2) or named in a note, never dropped without a word.
 */
import { availableParallelism } from 'node:os';
import { OptionError } from '../../engine/errors.js';
import { INIT_NAMES } from '../../engine/model/init.js';
import { OPTIMIZER_NAMES } from '../../engine/optim/optimizers.js';
import { SCHEDULE_NAMES } from '../../engine/optim/schedule.js';
import { resolveKernelPath, type KernelPath } from '../../engine/kernels/kernel-select.js';
import { NO_TRAINING_RUN, type Checkpoint, type TrainingConfig } from '../../train/checkpoint.js';
import { defaultSavePath } from '../defaults.js';
import { defaultInit, MODEL_NAMES, recipeFor, SHARED_DEFAULTS, type ScheduleFlags } from '../../train/recipes.js';
import { choiceFlag, fractionFlag, intFlag, lastGiven, nonNegativeNumberFlag, plural, positiveNumberFlag, textFlag, unitIntervalFlag } from '../options.js';
import type { Print } from '../output.js';

/** The flags of `train`; a flag left out is undefined, so that "given" can be told from "default". */
export interface TrainArgs {
  model?: string;
  layers?: string;
  hidden?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: string;
  momentum?: number;
  weightDecay?: number;
  lrSchedule?: string;
  lrStepEpochs?: number;
  lrGamma?: number;
  lrFloor?: number;
  lrWarmup?: number;
  betas?: string;
  labelSmoothing?: number;
  ema?: number;
  augmentShift?: number;
  init?: string;
  initStd?: number;
  seed?: number;
  threads?: number;
  validationSize?: number;
  dataDir?: string;
  displayStep?: number;
  json?: boolean;
  /** Where to save the model; false (--no-save) saves nothing. */
  save?: string | false;
  /** Replace the --save file even when it holds another model. */
  force?: boolean;
  checkpointEvery?: number;
  resume?: string;
  /** Write `mnist-ts report` images and index.html here at the end. */
  report?: string;
  kernels?: string;
  /** For tests only (hidden flag): make a pool worker fail, as "thread:step:throw|exit". */
  injectFault?: string;
  /** For tests only (hidden flag): act as if Ctrl-C came after this many steps. */
  interruptAfter?: number;
}

export const DEFAULTS = { model: 'softmax', ...SHARED_DEFAULTS, lrStepEpochs: 10, lrGamma: 0.1, lrFloor: 0, lrWarmup: 0.3, seed: 0, validationSize: 5000, displayStep: 1 } as const;

/** The flags a checkpoint's own settings replace on --resume, as typed. */
const RESUME_FIXED: [keyof TrainArgs, string][] = [
  ['model', 'model'], ['layers', 'layers'], ['hidden', 'hidden'], ['init', 'init'], ['initStd', 'init-std'], ['seed', 'seed'],
  ['optimizer', 'optimizer'], ['lr', 'lr'], ['momentum', 'momentum'], ['weightDecay', 'weight-decay'], ['batchSize', 'batch-size'],
  ['lrSchedule', 'lr-schedule'], ['lrStepEpochs', 'lr-step-epochs'], ['lrGamma', 'lr-gamma'], ['lrFloor', 'lr-floor'], ['lrWarmup', 'lr-warmup'], ['betas', 'betas'], ['labelSmoothing', 'label-smoothing'], ['ema', 'ema'],
  ['augmentShift', 'augment-shift'], ['validationSize', 'validation-size'],
];


export interface TrainSettings {
  /** What the checkpoint records as the run's configuration. */
  config: TrainingConfig;
  schedule: ScheduleFlags;
  /** MLP hidden sizes as typed (--hidden). */
  hidden: string;
  epochs: number;
  seed: number;
  threads: number;
  displayStep: number;
  checkpointEvery: number;
  savePath?: string;
  /** The folder of --report, if given. */
  reportPath?: string;
  json: boolean;
  kernels: KernelPath;
}

const given = (v: unknown) => v !== undefined;

/** The run asked for by a fresh `train` (no --resume). */
function freshConfig(args: TrainArgs): { config: TrainingConfig; schedule: ScheduleFlags } {
  if (given(args.layers) && given(args.model)) throw new OptionError(`--layers: replaces --model; give one of them (--model ${lastGiven(args.model)} was given too)`);
  const model = given(args.layers) ? 'layers' : choiceFlag('model', args.model ?? DEFAULTS.model, MODEL_NAMES);
  const recipe = recipeFor(model);
  const optimizer = choiceFlag('optimizer', args.optimizer ?? recipe.optimizer, OPTIMIZER_NAMES);
  const scheduleName = choiceFlag('lr-schedule', args.lrSchedule ?? recipe.schedule, SCHEDULE_NAMES);
  const dense = model === 'softmax' || model === 'mlp';
  const init = args.init === undefined ? defaultInit(model) : choiceFlag('init', args.init, INIT_NAMES);
  // Flags that only mean something with another setting: refused, so that nothing is ignored silently.
  const needs: [boolean, string, string][] = [
    [given(args.hidden) && model !== 'mlp', 'hidden', `sets the hidden layers of --model mlp; this is ${model === 'layers' ? '--layers' : `--model ${model}`}`],
    [given(args.init) && !dense, 'init', `'${args.init}' applies to softmax and mlp; convolutional and --layers models start He-normal (Glorot for the last layer)`],
    [given(args.initStd) && init !== 'normal', 'init-std', `sets the spread of --init normal; this run's initialiser is ${dense ? init : 'He-normal'}`],
    [given(args.momentum) && optimizer !== 'momentum', 'momentum', `applies to --optimizer momentum; this run's optimiser is ${optimizer}`],
    [(given(args.lrStepEpochs) || given(args.lrGamma)) && scheduleName !== 'step', given(args.lrStepEpochs) ? 'lr-step-epochs' : 'lr-gamma', `applies to --lr-schedule step; this run's schedule is ${scheduleName}`],
    [given(args.lrFloor) && scheduleName !== 'cosine', 'lr-floor', `applies to --lr-schedule cosine; this run's schedule is ${scheduleName}`],
    [given(args.lrWarmup) && scheduleName !== 'onecycle', 'lr-warmup', `applies to --lr-schedule onecycle; this run's schedule is ${scheduleName}`],
    [given(args.betas) && optimizer !== 'adam' && optimizer !== 'adamw', 'betas', `applies to --optimizer adam and adamw; this run's optimiser is ${optimizer}`],
  ];
  for (const [wrong, flag, why] of needs) if (wrong) throw new OptionError(`--${flag}: ${why}`);
  const config: TrainingConfig = {
    model,
    optimizer,
    lr: positiveNumberFlag('lr', args.lr ?? recipe.lr),
    momentum: nonNegativeNumberFlag('momentum', args.momentum ?? DEFAULTS.momentum),
    batchSize: intFlag('batch-size', args.batchSize ?? recipe.batchSize, 1),
    init,
    initStd: positiveNumberFlag('init-std', args.initStd ?? DEFAULTS.initStd),
    validationSize: intFlag('validation-size', args.validationSize ?? DEFAULTS.validationSize, 0),
    epochs: intFlag('epochs', args.epochs ?? recipe.epochs, 1),
    augmentShift: intFlag('augment-shift', args.augmentShift ?? recipe.augmentShift, 0),
  };
  if (given(args.layers)) config.layers = String(lastGiven(args.layers));
  if (given(args.weightDecay)) config.weightDecay = nonNegativeNumberFlag('weight-decay', args.weightDecay);
  const smoothing = unitIntervalFlag('label-smoothing', args.labelSmoothing ?? recipe.labelSmoothing ?? 0);
  if (smoothing > 0) config.labelSmoothing = smoothing;
  const ema = unitIntervalFlag('ema', args.ema ?? 0);
  if (ema > 0) config.ema = ema;
  const betas = given(args.betas) ? betasFlag(String(lastGiven(args.betas))) : optimizer === recipe.optimizer ? recipe.betas : undefined;
  if (betas) [config.beta1, config.beta2] = betas;
  const schedule: ScheduleFlags = { name: scheduleName };
  if (scheduleName === 'step') {
    schedule.stepEpochs = intFlag('lr-step-epochs', args.lrStepEpochs ?? DEFAULTS.lrStepEpochs, 1);
    schedule.gamma = positiveNumberFlag('lr-gamma', args.lrGamma ?? DEFAULTS.lrGamma);
  } else if (scheduleName === 'cosine') {
    schedule.floor = fractionFlag('lr-floor', args.lrFloor ?? DEFAULTS.lrFloor);
  } else if (scheduleName === 'onecycle') {
    schedule.warmup = unitIntervalFlag('lr-warmup', args.lrWarmup ?? recipe.warmup ?? DEFAULTS.lrWarmup, true);
  }
  return { config, schedule };
}

/** `--betas B1,B2`: two numbers in [0, 1). */
function betasFlag(text: string): [number, number] {
  const parts = text.split(',').map((t) => Number(t.trim()));
  if (parts.length !== 2 || parts.some((b) => !(Number.isFinite(b) && b >= 0 && b < 1))) throw new OptionError(`--betas: '${text}', expected two numbers in [0, 1) separated by a comma, for example 0.9,0.999`);
  return [parts[0], parts[1]];
}

export function resolveTrainSettings(args: TrainArgs, resumed: Checkpoint | undefined, note: Print): TrainSettings {
  let config: TrainingConfig;
  let schedule: ScheduleFlags;
  let epochs: number;
  let seed: number;
  if (resumed) {
    if (resumed.meta.optimizer === NO_TRAINING_RUN) throw new OptionError(`--resume ${args.resume}: saved without its training run (saveModel with no fit result), so there is no run to continue`);
    if (resumed.meta.training.ownData) throw new OptionError(`--resume ${args.resume}: trained from code on data of its own, not on MNIST's training split, so train cannot continue it (fit can)`);
    config = { ...resumed.meta.training };
    schedule = { name: config.schedule?.kind ?? 'constant' };
    seed = resumed.meta.seed;
    const done = resumed.meta.epochsCompleted;
    epochs = args.epochs === undefined ? config.epochs : intFlag('epochs', args.epochs, 1);
    if (epochs <= done) {
      throw new OptionError(`--epochs: ${epochs}, but ${args.resume} has done ${plural(done, 'epoch')} already; give the new total, more than ${done}${args.epochs === undefined ? ` (it was trained for the ${plural(config.epochs, 'epoch')} it asked for)` : ''}`);
    }
    const kind = config.schedule?.kind;
    if (epochs > config.epochs && (kind === 'cosine' || kind === 'onecycle')) {
      note(`--epochs ${epochs}: ${args.resume}'s ${kind} schedule was fixed for ${plural(config.epochs, 'epoch')} when it started; the epochs after those train at its final rate`);
    }
    const ignored = RESUME_FIXED.filter(([key]) => given(args[key])).map(([key, flag]) => `--${flag} ${String(lastGiven(args[key] as unknown))}`);
    if (ignored.length > 0) note(`--resume continues with the checkpoint's own settings; ignored: ${ignored.join(', ')}`);
  } else {
    ({ config, schedule } = freshConfig(args));
    epochs = config.epochs;
    seed = intFlag('seed', args.seed ?? DEFAULTS.seed, 0, 0xffffffff);
  }
  const kernels = resolveKernelPath(String(lastGiven(args.kernels ?? 'auto')));
  if (resumed?.meta.training.kernels && resumed.meta.training.kernels !== kernels) {
    note(`${args.resume} was trained on the ${resumed.meta.training.kernels} kernels and continues on the ${kernels} ones: the result agrees with an uninterrupted run within rounding, not bit for bit`);
  }
  const threads = intFlag('threads', args.threads ?? availableParallelism(), 1, 256);
  if (threads > availableParallelism()) note(`--threads ${threads} on a machine with ${plural(availableParallelism(), 'core')}: the extra threads take turns on the cores (slower; the same results as ${threads} threads anywhere)`);
  const save = lastGiven(args.save);
  return {
    config: { ...config, epochs, kernels },
    schedule,
    hidden: String(lastGiven(args.hidden ?? DEFAULTS.hidden)),
    epochs,
    seed,
    threads,
    displayStep: intFlag('display-step', args.displayStep ?? DEFAULTS.displayStep, 1),
    checkpointEvery: intFlag('checkpoint-every', args.checkpointEvery ?? 0, 0),
    savePath: save === false || save === '' ? undefined : (save ?? (args.resume !== undefined ? String(lastGiven(args.resume)) : defaultSavePath(config.model))),
    reportPath: textFlag(args.report),
    json: args.json === true,
    kernels,
  };
}
