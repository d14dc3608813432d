/**
 * `mnist-ts tutorial` (what `npm start` runs): TensorFlow's MNIST tutorial in one command. Look at
 * the data, train softmax regression with the tutorial's settings, report test accuracy, save the
 * model, restore it in a fresh process and evaluate it again, then predict two training images
 * and show them beside their labels (with PNG previews).
 */
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import type { Argv } from 'yargs';
import { MnistTsError } from '../../engine/errors.js';
import { loadMnist } from '../../node/mnist-files.js';
import { printSummary } from './inspect.js';
import { DEFAULT_SAVE_PATH, runTrain, trainOptions, type TrainArgs } from './train.js';

export function tutorialOptions<T>(y: Argv<T>) {
  return trainOptions(y);
}

/** Runs this same CLI in a new process, as a user would after training: nothing shared but the file. */
function freshProcess(args: string[], print: (line: string) => void): void {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], ...args], { encoding: 'utf8' });
  for (const line of r.stdout.trimEnd().split('\n')) if (line) print(`  ${line}`);
  if (r.status !== 0) throw new MnistTsError(`fresh process 'mnist-ts ${args.join(' ')}' failed: ${r.stderr.trim().split('\n')[0]}`);
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
  print('');
  print(`== 3. Restored from ${save} in a fresh process, evaluated again`);
  freshProcess(['evaluate', '--model', save, ...data], print);
  print('');
  const out = join(dirname(save), 'predictions');
  print('== 4. Two training images, predicted beside their labels');
  freshProcess(['predict', '--model', save, '--from', 'train', '--index', '0,1', '--out', out, ...data], print);
  print('');
  print(`Done in ${((performance.now() - t0) / 1000).toFixed(1)} s. Previews: ${join(out, 'previews')}, sheet: ${join(out, 'contact-sheet.png')}`);
}
