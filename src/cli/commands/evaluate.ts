/** `mnist-ts evaluate --model PATH`: accuracy, loss, per-digit accuracy and the confusion matrix. */
import type { Argv } from 'yargs';
import { OptionError } from '../../engine/errors.js';
import { confusionMatrix } from '../../engine/metrics.js';
import { loadCheckpointFile } from '../../node/checkpoint-file.js';
import { loadMnist } from '../../node/mnist-files.js';
import { csrFromSplit } from '../../train/data.js';
import { evaluateData } from '../../train/evaluate-data.js';
import { checkModelFits } from '../model-fit.js';

export interface EvaluateArgs {
  model: string;
  split: string;
  dataDir?: string;
  validationSize?: number;
  json: boolean;
}

export function evaluateOptions<T>(y: Argv<T>) {
  return y
    .option('model', { type: 'string', demandOption: true, describe: 'checkpoint file (safetensors) written by train' })
    .option('split', { type: 'string', default: 'test', describe: 'test | validation' })
    .option('data-dir', { type: 'string', describe: 'folder with the four MNIST IDX files (raw or .gz)' })
    .option('validation-size', { type: 'number', describe: "validation images (default: the checkpoint's training setting)" })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object instead of text' });
}

export function formatConfusion(matrix: number[][]): string[] {
  const k = matrix.length;
  const width = Math.max(5, ...matrix.flat().map((c) => String(c).length + 1));
  const lines = ['true\\pred'.padEnd(10) + Array.from({ length: k }, (_, d) => String(d).padStart(width)).join('')];
  matrix.forEach((row, t) => lines.push(String(t).padEnd(10) + row.map((c) => String(c).padStart(width)).join('')));
  return lines;
}

export async function runEvaluate(args: EvaluateArgs, print: (line: string) => void = console.log): Promise<void> {
  if (args.split !== 'test' && args.split !== 'validation') throw new OptionError(`--split: '${args.split}', expected test or validation`);
  const ckpt = loadCheckpointFile(args.model);
  const mnist = loadMnist({ dataDir: args.dataDir, validationSize: args.validationSize ?? ckpt.meta.training.validationSize });
  const split = args.split === 'test' ? mnist.test : mnist.validation;
  checkModelFits(ckpt.model, split.features, mnist.classes, args.model);
  const ev = evaluateData(ckpt.model, csrFromSplit(split, mnist.classes));
  const matrix = confusionMatrix(ev.predictions, ev.labels, mnist.classes);
  const perDigit = matrix.map((row, d) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[d] / total : 0;
  });
  if (args.json) {
    print(JSON.stringify({ model: args.model, split: args.split, examples: split.count, accuracy: ev.accuracy, loss: ev.loss, per_digit_accuracy: perDigit, confusion: matrix }));
    return;
  }
  print(`${args.model}: ${ckpt.meta.architecture.filter((l) => l.type === 'dense').length}-layer ${ckpt.meta.training.model}, ${ckpt.meta.epochsCompleted} epochs; ${split.count} ${args.split} images`);
  print(`Accuracy: ${ev.accuracy.toFixed(4)}`);
  print(`Loss: ${ev.loss.toFixed(6)}`);
  print('');
  print('per-digit accuracy:');
  print(perDigit.map((a, d) => `${d}: ${a.toFixed(4)}`).join('  '));
  print('');
  print('confusion matrix (rows: true digit, columns: predicted):');
  for (const line of formatConfusion(matrix)) print(line);
}
