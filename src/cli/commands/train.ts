/** `mnist-ts train`: the tutorial's training chapter, on all cores, and every other model. */
import type { Argv } from 'yargs';
import { Interrupted, OptionError } from '../../engine/errors.js';
import { INIT_NAMES } from '../../engine/model/init.js';
import { CNN_LAYERS } from '../../engine/model/models.js';
import { OPTIMIZER_NAMES } from '../../engine/optim/optimizers.js';
import type { Sequential } from '../../engine/model/sequential.js';
import type { SamplerState } from '../../data/batches.js';
import { loadCheckpointFile, saveCheckpointFile } from '../../node/checkpoint-file.js';
import { createBackend, startGradientWorkers } from '../../node/create-backend.js';
import type { GradientWorkers } from '../../node/gradient-workers.js';
import { loadMnist, type LoadedMnist } from '../../node/mnist-files.js';
import { writeReport } from '../../node/report-writer.js';
import { CHECKPOINT_FORMAT, encodeCheckpoint, type Checkpoint, type CheckpointMeta, type EpochRecord } from '../../train/checkpoint.js';
import type { InjectedFault } from '../../train/pool/task.js';
import { csrFromSplit } from '../../train/training-data.js';
import { scoreOnBackend, train, type EpochInfo, type TrainResult, type TrainState } from '../../train/trainer.js';
import { DEFAULT_SAVE_PATH } from '../defaults.js';
import { checkSaveTarget } from '../training/save-guard.js';
import { checkFileOut, checkFolderOut } from '../out-paths.js';
import { MODEL_NAMES, presetLayers, recipeFor, type Recipe } from '../../train/recipes.js';
import { kernelsOption, numeric, textFlag } from '../options.js';
import { noteLine, printLine, type Print } from '../output.js';
import { ProgressBar } from '../progress.js';
import { watchInterrupt } from '../training/interrupt.js';
import { epochPrinter, headline } from '../training/lines.js';
import { prepareRun, type PreparedRun } from '../training/prepare.js';
import { DEFAULTS, resolveTrainSettings, type TrainArgs, type TrainSettings } from '../training/settings.js';

export type { TrainArgs } from '../training/settings.js';
export { DEFAULT_SAVE_PATH } from '../defaults.js';

/** A recipe setting for each kind of model: "default: 25; cnn and --layers: 16; fast: 2; best: 20". */
function byModel(setting: keyof Recipe, none: unknown = 'none'): string {
  const [tutorial, cnn, fast, best] = ['softmax', 'cnn', 'fast', 'best'].map((m) => recipeFor(m)[setting] ?? none);
  return `default: ${tutorial}; cnn and --layers: ${cnn}; fast: ${fast}; best: ${best}`;
}

/** What training takes, shared by `train` and `tutorial`. */
export function trainingFlags<T>(y: Argv<T>) {
  return y
    .option('model', { type: 'string', requiresArg: true, describe: `architecture: ${MODEL_NAMES.join(' | ')} (default: ${DEFAULTS.model}; cnn: ${CNN_LAYERS}; fast: ${presetLayers('fast')}; best: ${presetLayers('best')})` })
    .option('layers', { type: 'string', requiresArg: true, describe: 'an architecture of your own instead of --model, e.g. "conv:8:5,relu,pool:2,flatten,dense:128,relu,dense:10" (items: conv:F:K[:same], pool:S, gap, bn, relu, flatten, dense:N, dropout:R)' })
    .option('hidden', { type: 'string', requiresArg: true, describe: `MLP hidden layer sizes, comma-separated, with --model mlp (default: ${DEFAULTS.hidden}; or 256,128)` })
    .option('epochs', numeric(`passes over the training set (${byModel('epochs')})`))
    .option('batch-size', numeric(`examples per step (${byModel('batchSize')}); an epoch is floor(55000 / batch) steps and a batch that runs past the end of the data is completed from the next epoch (next_batch)`))
    .option('lr', numeric(`learning rate (${byModel('lr')})`))
    .option('optimizer', { type: 'string', requiresArg: true, describe: `${OPTIMIZER_NAMES.join(' | ')} (${byModel('optimizer')})` })
    .option('momentum', numeric(`momentum coefficient, with --optimizer momentum (default: ${DEFAULTS.momentum})`))
    .option('weight-decay', numeric('weight decay λ: an L2 term λ·p in the gradient (sgd, momentum, adam), or decoupled (adamw, default 0.01); default 0'))
    .option('lr-schedule', { type: 'string', requiresArg: true, describe: `constant | step | cosine | onecycle (${byModel('schedule')})` })
    .option('lr-step-epochs', numeric(`with --lr-schedule step: multiply the rate by --lr-gamma every N epochs (default: ${DEFAULTS.lrStepEpochs})`))
    .option('lr-gamma', numeric(`with --lr-schedule step: the factor (default: ${DEFAULTS.lrGamma})`))
    .option('lr-floor', numeric(`with --lr-schedule cosine: the final rate, as a fraction of --lr (default: ${DEFAULTS.lrFloor})`))
    .option('lr-warmup', numeric(`with --lr-schedule onecycle: the fraction of the steps spent rising from lr/25 to lr, before falling to lr/25/1e4 (default: ${DEFAULTS.lrWarmup})`))
    .option('betas', { type: 'string', requiresArg: true, describe: "Adam's and AdamW's moment decays β1,β2 (default: 0.9,0.999)" })
    .option('label-smoothing', numeric(`ε: train towards (1 − ε)·one-hot + ε/10 instead of one-hot (${byModel('labelSmoothing', 0)})`))
    .option('ema', numeric('evaluate and save an exponential moving average of the weights with this decay, e.g. 0.999 (default: none)'))
    .option('augment-shift', numeric(`shift each training image by a seeded random -N..+N pixels along each axis (${byModel('augmentShift')})`))
    .option('init', { type: 'string', requiresArg: true, describe: `weight initialiser for softmax and mlp: ${INIT_NAMES.join(' | ')} (default: normal for softmax, he for mlp)` })
    .option('init-std', numeric(`standard deviation for --init normal (default: ${DEFAULTS.initStd})`))
    .option('seed', numeric(`seed for weights, batch order, dropout masks and shifts (default: ${DEFAULTS.seed})`))
    .option('threads', numeric('threads computing gradients (default: the cores available; 1 = in-process, no pool)'))
    .option('validation-size', numeric(`first N training images held out for validation (default: ${DEFAULTS.validationSize})`))
    .option('kernels', kernelsOption())
    .option('data-dir', { type: 'string', requiresArg: true, describe: 'folder with the four MNIST IDX files (raw or .gz)' })
    .option('display-step', numeric(`print the cost every N epochs (default: ${DEFAULTS.displayStep})`))
    .option('json', { type: 'boolean', describe: 'one JSON object per epoch and a final one, instead of text' })
    .option('save', { type: 'string', describe: `checkpoint file to write at the end (safetensors; default: ${DEFAULT_SAVE_PATH} for softmax, log/MODEL.safetensors for the others, the --resume file when resuming; --no-save for none); a file holding another model is refused` })
    .option('force', { type: 'boolean', describe: 'let --save replace a checkpoint of another model' })
    .option('checkpoint-every', numeric('also save every N epochs (default: 0, only at the end)'))
    .option('resume', { type: 'string', requiresArg: true, describe: 'continue training from a checkpoint, with its model, optimiser state, settings and batch order; --epochs is the new total' })
    .option('report', { type: 'string', requiresArg: true, describe: 'at the end, write the report (weights, confusion matrix, mistakes, curves, index.html) to this folder' })
    .option('inject-fault', { type: 'string', hidden: true })
    .option('interrupt-after', numeric('for tests', { hidden: true }));
}

export function trainOptions<T>(y: Argv<T>) {
  return trainingFlags(y)
    .example('$0 train', 'the tutorial: softmax regression, SGD 0.01, 25 epochs, batch 100')
    .example('$0 train --model mlp --epochs 10', 'the MLP 784-256-10, saved in log/mlp.safetensors')
    .example('$0 train --model cnn --report log/report', 'the CNN preset with its recipe, then the report')
    .example('$0 train --model fast', 'the fast preset: a small CNN, two epochs, the soonest to 99%')
    .example('$0 train --model best', 'the best preset: a batch-normalised CNN trained twenty epochs, the most accurate')
    .example('$0 train --resume FILE --epochs 30', "FILE's run continued to 30 epochs in all, saved back into FILE");
}

/** Test hooks, from hidden flags: a worker fault to inject, and a simulated Ctrl-C. */
function testHooks(args: TrainArgs): { fault?: InjectedFault; interruptAfter?: number } {
  let fault: InjectedFault | undefined;
  if (args.injectFault) {
    const [thread, step, mode] = String(args.injectFault).split(':');
    if (mode !== 'throw' && mode !== 'exit') throw new OptionError(`--inject-fault: '${args.injectFault}', expected thread:step:throw|exit`);
    fault = { thread: Number(thread), step: Number(step), mode };
  }
  return { fault, interruptAfter: args.interruptAfter === undefined ? undefined : Number(args.interruptAfter) };
}

export interface TrainOutcome {
  model: Sequential;
  history: EpochInfo[];
  testAccuracy: number;
  testLoss: number;
  savePath?: string;
  description: string;
}

/** The checkpoint's metadata at a point of the run; `history` is the run's (and any resumed run's) epochs. */
function metadataAt(run: PreparedRun, settings: TrainSettings, history: EpochRecord[], epochsCompleted: number, sampler: SamplerState, testAccuracy: number | null): Omit<CheckpointMeta, 'format' | 'architecture'> {
  return { training: run.config, epochsCompleted, seed: settings.seed, sampler, metrics: { epochs: history, testAccuracy }, optimizer: run.optimizer.name };
}

export async function runTrain(args: TrainArgs, print: Print = printLine, preloaded?: LoadedMnist, note: Print = noteLine): Promise<TrainOutcome> {
  const resumePath = textFlag(args.resume);
  const resumed: Checkpoint | undefined = resumePath ? loadCheckpointFile(resumePath) : undefined;
  const settings = resolveTrainSettings(args, resumed, note);
  if (settings.savePath) checkFileOut(settings.savePath, 'save');
  if (settings.reportPath) checkFolderOut(settings.reportPath, 'report');
  const hooks = testHooks(args);
  // The pool's workers start now and load the engine while the data is read.
  const workers = startGradientWorkers(settings.threads);
  try {
    return await trainWith(args, settings, hooks, resumed, resumePath, workers, print, preloaded);
  } finally {
    await workers?.releaseUnused();
  }
}

/** What a run needs once its data is read and its model made. */
interface RunContext {
  args: TrainArgs;
  settings: TrainSettings;
  run: PreparedRun;
  mnist: LoadedMnist;
  resumed: Checkpoint | undefined;
  /** The run's (and any resumed run's) epochs, as saved in the checkpoint. */
  history: EpochRecord[];
  print: Print;
}

/** The last complete epoch, encoded, so that Ctrl-C can save it even though the weights have moved on. */
interface CompleteEpoch {
  epoch: number;
  bytes: Uint8Array;
}

interface Score {
  accuracy: number;
  loss: number;
}

async function trainWith(args: TrainArgs, settings: TrainSettings, hooks: ReturnType<typeof testHooks>, resumed: Checkpoint | undefined, resumePath: string | undefined, workers: GradientWorkers | undefined, print: Print, preloaded?: LoadedMnist): Promise<TrainOutcome> {
  const mnist = preloaded ?? loadMnist({ dataDir: args.dataDir, validationSize: settings.config.validationSize });
  const run = prepareRun(settings, resumed, resumePath, mnist);
  checkSaveTarget(settings.savePath, run.model, resumePath, args.force === true);
  if (!settings.json) print(headline(run, settings, resumed?.meta.epochsCompleted));
  const history: EpochRecord[] = resumed ? [...resumed.meta.metrics.epochs] : [];
  const ctx: RunContext = { args, settings, run, mnist, resumed, history, print };
  const { result, test, lastComplete } = await runEpochs(ctx, hooks, workers);
  if (result.stopped) saveInterrupted(settings.savePath, lastComplete, resumed ? resumePath : undefined);
  return finish(ctx, result, test);
}

/** The checkpoint of the model as it is now, after `epochs` epochs. */
function checkpointAt(ctx: RunContext, epochs: number, sampler: SamplerState, testAccuracy: number | null): Promise<Uint8Array> {
  const { model, optimizer, average } = ctx.run;
  const meta = metadataAt(ctx.run, ctx.settings, ctx.history, epochs, sampler, testAccuracy);
  if (!average) return Promise.resolve(encodeCheckpoint(model, optimizer.state(), meta));
  return average.withAverage(model, async (trained) => encodeCheckpoint(model, { ...optimizer.state(), ...average.checkpointState(trained) }, meta));
}

/** Trains for the run's epochs on a new backend, then scores the test set unless interrupted. */
async function runEpochs(ctx: RunContext, hooks: ReturnType<typeof testHooks>, workers: GradientWorkers | undefined): Promise<{ result: TrainResult; test: Score; lastComplete?: CompleteEpoch }> {
  const { settings, run, mnist, resumed } = ctx;
  const { savePath } = settings;
  const printEpoch = epochPrinter(settings, ctx.print);
  const bar = new ProgressBar(process.stderr, !settings.json && process.stderr.isTTY === true);
  let lastComplete: CompleteEpoch | undefined;
  // The test set is made before the backend, so that a pool is given it and splits its evaluation too.
  const testData = csrFromSplit(mnist.test, mnist.classes, run.model.kernels.allocator);
  const evaluation = run.validation.count > 0 ? [run.validation, testData] : [testData];
  const backend = createBackend(run.model, run.train, run.optimizer, settings.threads, settings.config.batchSize, { seed: settings.seed, augment: run.augment, labelSmoothing: settings.config.labelSmoothing, testFault: hooks.fault, evaluation, workers });
  // Heard from here on: the finally below stops listening.
  const interrupt = watchInterrupt(hooks.interruptAfter);
  let test: Score = { accuracy: 0, loss: 0 };
  try {
    const result = await train(run.model, run.train, {
      epochs: settings.epochs,
      batchSize: settings.config.batchSize,
      seed: settings.seed,
      optimizer: run.optimizer,
      backend,
      validation: run.validation,
      average: run.average,
      resume: resumed ? { epochsDone: resumed.meta.epochsCompleted, sampler: resumed.meta.sampler } : undefined,
      shouldStop: interrupt.stop,
      onStep: (s) => {
        interrupt.step();
        if (s.step === 1) bar.begin();
        bar.update(s.step, s.stepsPerEpoch, `Epoch ${s.epoch}/${settings.epochs}`);
      },
      onEpoch: async (e, state) => {
        bar.clear();
        ctx.history.push({ epoch: e.epoch, cost: e.cost, validationAccuracy: e.validationAccuracy ?? null });
        if (savePath) lastComplete = await keepEpoch(ctx, savePath, e.epoch, state);
        printEpoch(e);
      },
    });
    if (!result.stopped) test = await scoreOnBackend(run.model, backend, testData, run.average);
    return { result, test, lastComplete };
  } finally {
    bar.clear();
    interrupt.dispose();
    await backend.close();
  }
}

/** Encodes a finished epoch's checkpoint, and writes it too every --checkpoint-every epochs. */
async function keepEpoch(ctx: RunContext, savePath: string, epoch: number, state: TrainState): Promise<CompleteEpoch> {
  const kept = { epoch, bytes: await checkpointAt(ctx, state.epochsDone, state.sampler, null) };
  if (ctx.settings.checkpointEvery > 0 && epoch % ctx.settings.checkpointEvery === 0) saveCheckpointFile(savePath, kept.bytes);
  return kept;
}

/**
 * After Ctrl-C: saves the last complete epoch and says so. Only a complete epoch is ever saved: a
 * model interrupted in its first epoch is not written over whatever the file held.
 */
function saveInterrupted(savePath: string | undefined, lastComplete: CompleteEpoch | undefined, resumePath: string | undefined): never {
  if (savePath && lastComplete) {
    saveCheckpointFile(savePath, lastComplete.bytes);
    throw new Interrupted(`interrupted: saved the checkpoint of epoch ${lastComplete.epoch} in ${savePath}`);
  }
  throw new Interrupted(savePath ? `interrupted before the first epoch finished: nothing saved${resumePath ? `; ${resumePath} is as it was` : ''}` : 'interrupted (--no-save: nothing saved)');
}

/** The end of a finished run: the test score printed, the checkpoint saved and the report written. */
async function finish(ctx: RunContext, result: TrainResult, test: Score): Promise<TrainOutcome> {
  const { settings, run, print } = ctx;
  const { savePath } = settings;
  const totalSeconds = result.history.reduce((s, e) => s + e.seconds, 0);
  if (settings.json) {
    print(JSON.stringify({ finished: true, epochs: result.state.epochsDone, test_accuracy: test.accuracy, test_loss: test.loss, final_cost: ctx.history.at(-1)?.cost ?? null, train_seconds: totalSeconds, threads: settings.threads, saved: savePath ?? null }));
  } else {
    print('Finished!');
    print(`Accuracy: ${test.accuracy.toFixed(4)}`);
  }
  if (savePath) {
    saveCheckpointFile(savePath, await checkpointAt(ctx, result.state.epochsDone, result.state.sampler, test.accuracy));
    if (!settings.json) print(`Model saved in file: ${savePath}`);
  }
  // From here on the model is the one that was scored and saved.
  run.average?.averageInto(run.model.params);
  if (settings.reportPath) await writeRunReport(ctx, settings.reportPath, result.state, test.accuracy);
  return { model: run.model, history: result.history, testAccuracy: test.accuracy, testLoss: test.loss, savePath, description: run.description };
}

async function writeRunReport(ctx: RunContext, folder: string, state: TrainState, testAccuracy: number): Promise<void> {
  const { settings, run, mnist } = ctx;
  const meta: CheckpointMeta = { format: CHECKPOINT_FORMAT, architecture: run.model.spec(), ...metadataAt(run, settings, ctx.history, state.epochsDone, state.sampler, testAccuracy) };
  const r = await writeReport(folder, { model: run.model, meta, test: mnist.test, classes: mnist.classes, maxMistakes: 50, source: settings.savePath ?? 'this run' });
  if (!settings.json) ctx.print(`Report written to ${folder}/index.html (${r.files.join(', ')})`);
}
