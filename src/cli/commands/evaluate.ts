/** `mnist-ts evaluate`: accuracy, loss, per-digit accuracy and the confusion matrix of a checkpoint. */
import type { Argv } from 'yargs';
import { describeArchitecture } from '../../engine/layers/layers-text.js';
import { confusionMatrix } from '../../engine/model/metrics.js';
import { loadMnist, loadMnistTest } from '../../node/mnist-files.js';
import { MNIST_CLASSES } from '../../data/dataset.js';
import { OptionError } from '../../engine/errors.js';
import { csrFromSplit } from '../../train/training-data.js';
import { evaluateViews } from '../../node/evaluate-model.js';
import { checkModelFits } from '../check-model-fits.js';
import { inferenceThreads, threadsOption, withInferencePool, type ThreadsArgs } from '../inference-threads.js';
import { checkpointOption, readCheckpoint, type CheckpointArgs } from '../checkpoint-flag.js';
import { trainingPhrase } from '../../train/checkpoint.js';
import { choiceFlag, intFlag, numeric } from '../options.js';
import { noteLine, printLine, type Print } from '../output.js';

export interface EvaluateArgs extends CheckpointArgs, ThreadsArgs {
  split?: string;
  dataDir?: string;
  validationSize?: number;
  json?: boolean;
  tta?: boolean;
}

export function evaluateOptions<T>(y: Argv<T>) {
  return checkpointOption(y)
    .option('split', { type: 'string', requiresArg: true, describe: 'test | validation (default: test)' })
    .option('data-dir', { type: 'string', requiresArg: true, describe: 'folder with the four MNIST IDX files (raw or .gz)' })
    .option('validation-size', numeric("validation images, with --split validation (default: the checkpoint's training setting)"))
    .option('json', { type: 'boolean', describe: 'one JSON object instead of text' })
    .option('tta', { type: 'boolean', describe: "test-time augmentation: average each image's probabilities with its four one-pixel shifts'" })
    .option('threads', threadsOption)
    .example('$0 evaluate', `the model npm start saved, on the 10000 test images`)
    .example('$0 evaluate --split validation', 'on the validation images (--checkpoint FILE for another model)')
    .example('$0 evaluate --json', 'accuracy, loss, per-digit accuracy and the confusion matrix as one JSON object');
}

function formatConfusion(matrix: number[][]): string[] {
  const k = matrix.length;
  const width = Math.max(5, ...matrix.flat().map((c) => String(c).length + 1));
  const lines = ['true\\pred'.padEnd(10) + Array.from({ length: k }, (_, d) => String(d).padStart(width)).join('')];
  matrix.forEach((row, t) => lines.push(String(t).padEnd(10) + row.map((c) => String(c).padStart(width)).join('')));
  return lines;
}

export async function runEvaluate(args: EvaluateArgs, print: Print = printLine, note: Print = noteLine): Promise<void> {
  const splitName = choiceFlag('split', args.split ?? 'test', ['test', 'validation'] as const);
  const validationSize = args.validationSize === undefined ? undefined : intFlag('validation-size', args.validationSize, 0);
  if (validationSize !== undefined && splitName === 'test') throw new OptionError('--validation-size: sizes the validation split, cut from the training set; this is --split test');
  const threads = inferenceThreads(args, note);
  const { path, ckpt, split, ev } = await withInferencePool(threads, async (pool) => {
    const { path, checkpoint: ckpt } = readCheckpoint(args, note);
    // The test set needs only its own files; the validation set is cut from the training set.
    const split = splitName === 'test'
      ? loadMnistTest({ dataDir: args.dataDir }).test
      : loadMnist({ dataDir: args.dataDir, validationSize: validationSize ?? ckpt.meta.training.validationSize }).validation;
    checkModelFits(ckpt.model, split.features, MNIST_CLASSES, path);
    // In shared memory (csrFromSplit's default), where the pool's workers read it too.
    const ev = args.tta ? await evaluateViews(pool, ckpt.model, split) : await pool.evaluate(ckpt.model, csrFromSplit(split, MNIST_CLASSES));
    return { path, ckpt, split, ev };
  });
  const matrix = confusionMatrix(ev.predictions, ev.labels, ckpt.model.outputSize);
  const perDigit = matrix.map((row, d) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[d] / total : 0;
  });
  if (args.json) {
    print(JSON.stringify({ checkpoint: path, split: splitName, examples: split.count, tta: args.tta === true, accuracy: ev.accuracy, loss: ev.loss, per_digit_accuracy: perDigit, confusion: matrix }));
    return;
  }
  print(`${path}: ${describeArchitecture(ckpt.meta.architecture)}, ${trainingPhrase(ckpt.meta)}; ${split.count} ${splitName} images${args.tta ? ', each read with its four one-pixel shifts (--tta)' : ''}`);
  print(`Accuracy: ${ev.accuracy.toFixed(4)}`);
  print(`Loss: ${ev.loss.toFixed(6)}`);
  print('');
  print('per-digit accuracy:');
  print(perDigit.map((a, d) => `${d}: ${a.toFixed(4)}`).join('  '));
  print('');
  print('confusion matrix (rows: true digit, columns: predicted):');
  for (const line of formatConfusion(matrix)) print(line);
}
