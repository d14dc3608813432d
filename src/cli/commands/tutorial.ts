/**
 * `mnist-ts tutorial` (what `npm start` runs): TensorFlow's MNIST tutorial in one command. Look at
 * the data, train softmax regression with the tutorial's settings, report test accuracy.
 */
import type { Argv } from 'yargs';
import { loadMnist } from '../../node/mnist-files.js';
import { printSummary } from './inspect.js';
import { runTrain, trainOptions, type TrainArgs } from './train.js';

export function tutorialOptions<T>(y: Argv<T>) {
  return trainOptions(y);
}

export async function tutorial(args: TrainArgs, print: (line: string) => void = console.log): Promise<void> {
  const t0 = performance.now();
  const mnist = loadMnist({ dataDir: args.dataDir, validationSize: args.validationSize });
  print('== 1. The data');
  printSummary(mnist, print);
  print('');
  print('== 2. Softmax regression, trained with plain SGD');
  await runTrain({ ...args, json: false }, print, mnist);
  print('');
  print(`Done in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
}
