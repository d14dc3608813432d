/** `mnist-ts report --model PATH --out DIR`: what the model learned, as images and a page. */
import type { Argv } from 'yargs';
import { loadCheckpointFile } from '../../node/checkpoint-file.js';
import { loadMnist } from '../../node/mnist-files.js';
import { writeReport } from '../../node/report-writer.js';
import { checkModelFits } from '../model-fit.js';
import { intFlag } from '../options.js';

export interface ReportArgs {
  model: string;
  out: string;
  max: number;
  dataDir?: string;
}

export function reportOptions<T>(y: Argv<T>) {
  return y
    .option('model', { type: 'string', demandOption: true, describe: 'checkpoint file written by train' })
    .option('out', { type: 'string', demandOption: true, describe: 'folder for the PNGs and index.html' })
    .option('max', { type: 'number', default: 50, describe: 'most mistakes shown in the gallery' })
    .option('data-dir', { type: 'string', describe: 'folder with the four MNIST IDX files (raw or .gz)' });
}

export async function runReport(args: ReportArgs, print: (line: string) => void = console.log): Promise<void> {
  const max = intFlag('max', args.max, 0);
  const ckpt = loadCheckpointFile(args.model);
  const mnist = loadMnist({ dataDir: args.dataDir, validationSize: ckpt.meta.training.validationSize });
  checkModelFits(ckpt.model, mnist.test.features, mnist.classes, args.model);
  const r = await writeReport(args.out, { model: ckpt.model, meta: ckpt.meta, test: mnist.test, classes: mnist.classes, maxMistakes: max, source: args.model });
  for (const note of r.notes) print(`note: ${note}`);
  print(`wrote ${r.files.join(', ')} in ${args.out} (test accuracy ${r.accuracy.toFixed(4)}, ${r.mistakes.length} mistakes, ${r.shownMistakes} shown)`);
}
