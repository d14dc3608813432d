/**
 * `mnist-ts tutorial` (what `npm start` runs): TensorFlow's MNIST tutorial in one command. Look at
 * the data, train softmax regression with the tutorial's settings, report test accuracy, save the
 * model, restore it in a fresh process and evaluate it again, then predict two training images
 * and show them beside their labels (with PNG previews).
 */
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import type { Argv } from 'yargs';
import { MnistTsError } from '../../engine/errors.js';
import { loadMnist } from '../../node/mnist-files.js';
import { printSummary } from './inspect.js';
import { DEFAULT_SAVE_PATH, runTrain, trainOptions, type TrainArgs } from './train.js';

export function tutorialOptions<T>(y: Argv<T>) {
  return trainOptions(y);
}

/**
 * Runs this same CLI in a new process, as a user would after training: nothing is shared but the
 * file. Resolves to its output lines, indented.
 */
function freshProcess(args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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

export async function tutorial(args: TrainArgs, print: (line: string) => void = console.log): Promise<void> {
  const t0 = performance.now();
  const mnist = loadMnist({ dataDir: args.dataDir, validationSize: args.validationSize });
  print('== 1. The data');
  printSummary(mnist, print);
  print('');
  print('== 2. Softmax regression, trained with plain SGD');
  const save = args.save === false ? DEFAULT_SAVE_PATH : (args.save ?? DEFAULT_SAVE_PATH);
  await runTrain({ ...args, save, json: false }, print, mnist);
  const data = args.dataDir ? ['--data-dir', args.dataDir] : [];
  const out = join(dirname(save), 'predictions');
  // Two fresh processes at once (one per core); their output is printed in order.
  const [evaluated, predicted] = await Promise.all([
    freshProcess(['evaluate', '--model', save, ...data]),
    freshProcess(['predict', '--model', save, '--from', 'train', '--index', '0,1', '--out', out, ...data]),
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
