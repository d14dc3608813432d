/**
 * `mnist-ts tutorial` (what `npm start` runs): TensorFlow's MNIST tutorial in one command. Look at
 * the data, train softmax regression with the tutorial's settings, report test accuracy, save the
 * model, restore it in a fresh process and evaluate it again, then predict two training images
 * and show them beside their labels (with PNG previews).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import type { Argv } from 'yargs';
import { MnistTsError, OptionError } from '../../engine/errors.js';
import { loadMnist } from '../../node/mnist-files.js';
import { DEFAULT_SAVE_PATH, defaultSavePath } from '../defaults.js';
import { recipeFor } from '../../train/recipes.js';
import { intFlag, lastGiven } from '../options.js';
import { printLine, type Print } from '../output.js';
import { printSummary } from './inspect.js';
import { runTrain, trainingFlags, type TrainArgs } from './train.js';
import { checkFileOut } from '../out-paths.js';

/** train's options, less those the tutorial refuses (it prints text, starts afresh and always saves). */
export function tutorialOptions<T>(y: Argv<T>) {
  return trainingFlags(y)
    .hide('json')
    .hide('resume')
    .option('save', { type: 'string', describe: `checkpoint file the tutorial writes, then restores in a fresh process (default: ${DEFAULT_SAVE_PATH} for softmax, log/MODEL.safetensors for the others)` })
    .example('$0 tutorial', 'what npm start runs')
    .example('$0 tutorial --model mlp --epochs 5', 'the same chapters with an MLP');
}

const OPTIMIZER_TITLES: Record<string, string> = { sgd: 'plain SGD', momentum: 'momentum SGD', adam: 'Adam', adamw: 'AdamW' };

/** The kind of model asked for: a preset's name, or layers. */
function modelKind(args: TrainArgs): string {
  return args.layers !== undefined ? 'layers' : String(lastGiven(args.model ?? 'softmax'));
}

/** The training chapter's title, for the model and optimiser asked for. */
function chapterTitle(args: TrainArgs): string {
  const model = modelKind(args);
  const what = { softmax: 'Softmax regression', mlp: 'A multi-layer perceptron', cnn: 'The CNN preset', fast: 'The fast preset', best: 'The best preset', layers: 'Your --layers network' }[model] ?? `--model ${model}`;
  const optimizer = String(lastGiven(args.optimizer ?? recipeFor(model).optimizer));
  return `${what}, trained with ${OPTIMIZER_TITLES[optimizer] ?? optimizer}`;
}

/** The tutorial needs its file (it restores the model in a fresh process) and prints chapters of text. */
function checkTutorialFlags(args: TrainArgs): string {
  if (args.json) throw new OptionError('--json: the tutorial prints its chapters as text; for JSON lines use mnist-ts train --json');
  if (args.resume !== undefined) throw new OptionError('--resume: the tutorial trains from the start; to continue a run use mnist-ts train --resume');
  const save = lastGiven(args.save);
  if (save === false || save === '') throw new OptionError(`--no-save: the tutorial restores the model from its file in a fresh process; give --save PATH to choose where it goes (default ${DEFAULT_SAVE_PATH})`);
  const path = save ?? defaultSavePath(modelKind(args));
  // Before chapter 1: a path that cannot be written is the flag's line, not an error after training.
  checkFileOut(String(path), 'save');
  return path;
}

/** The bin beside this module (src/cli/main.ts, or dist's main.js): whoever called main, a script of theirs or a test. */
const BIN = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../main.ts' : '../main.js', import.meta.url));

/**
 * Runs this same CLI in a new process, as a user would after training: nothing is shared but the
 * file. Resolves to its output lines, indented.
 */
function freshProcess(args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new MnistTsError(`fresh process 'mnist-ts ${args.join(' ')}' failed: ${err.trim().split('\n')[0]}`));
      else resolve(out.trimEnd().split('\n').filter(Boolean).map((l) => `  ${l}`));
    });
  });
}

export async function tutorial(args: TrainArgs, print: Print = printLine): Promise<void> {
  const t0 = performance.now();
  const save = checkTutorialFlags(args);
  const validationSize = args.validationSize === undefined ? undefined : intFlag('validation-size', args.validationSize, 0);
  const mnist = loadMnist({ dataDir: args.dataDir, validationSize });
  print('== 1. The data');
  printSummary(mnist, print);
  print('');
  print(`== 2. ${chapterTitle(args)}`);
  await runTrain({ ...args, save }, print, mnist);
  const data = args.dataDir ? ['--data-dir', args.dataDir] : [];
  const out = join(dirname(save), 'predictions');
  // Two fresh processes at once (one per core); their output is printed in order.
  const [evaluated, predicted] = await Promise.all([
    freshProcess(['evaluate', '--checkpoint', save, ...data]),
    freshProcess(['predict', '--checkpoint', save, '--from', 'train', '--index', '0,1', '--out', out, ...data]),
  ]);
  print('');
  print(`== 3. Restored from ${save} in a fresh process, evaluated again`);
  evaluated.forEach((l) => print(l));
  print('');
  print('== 4. Two training images, predicted beside their labels');
  predicted.forEach((l) => print(l));
  print('');
  print(`Done in ${((performance.now() - t0) / 1000).toFixed(1)} s. Previews: ${join(out, 'previews')}, sheet: ${join(out, 'contact-sheet.png')}`);
}
