/** `mnist-ts report --out DIR`: what a checkpoint's model learned, as images and a page. */
import type { Argv } from 'yargs';
import { loadMnistTest } from '../../node/mnist-files.js';
import { writeReport } from '../../node/report-writer.js';
import { checkModelFits } from '../check-model-fits.js';
import { inferenceThreads, threadsOption, withInferencePool, type ThreadsArgs } from '../inference-threads.js';
import { checkpointOption, readCheckpoint, type CheckpointArgs } from '../checkpoint-flag.js';
import { intFlag, lastGiven, numeric, plural } from '../options.js';
import { noteLine, printLine, type Print } from '../output.js';
import { checkFolderOut } from '../out-paths.js';

export interface ReportArgs extends CheckpointArgs, ThreadsArgs {
  out: string;
  max?: number;
  dataDir?: string;
}

export function reportOptions<T>(y: Argv<T>) {
  return checkpointOption(y)
    .option('out', { type: 'string', requiresArg: true, demandOption: true, describe: 'folder for the PNGs and index.html' })
    .option('max', numeric('most mistakes shown in the gallery (default: 50; 0 for no gallery)'))
    .option('data-dir', { type: 'string', requiresArg: true, describe: 'folder with the four MNIST IDX files (raw or .gz)' })
    .option('threads', threadsOption)
    .example('$0 report --out log/report', 'the report of the model npm start saved; open log/report/index.html')
    .example('$0 report --out out/ --max 100', 'a gallery of up to 100 mistakes (--checkpoint FILE for another model)');
}

export async function runReport(args: ReportArgs, print: Print = printLine, note: Print = noteLine): Promise<void> {
  const max = intFlag('max', args.max ?? 50, 0);
  const out = String(lastGiven(args.out));
  checkFolderOut(out, 'out');
  const r = await withInferencePool(inferenceThreads(args, note), async (pool) => {
    const { path, checkpoint: ckpt } = readCheckpoint(args, note);
    const mnist = loadMnistTest({ dataDir: args.dataDir });
    checkModelFits(ckpt.model, mnist.test.features, mnist.classes, path);
    return writeReport(out, { model: ckpt.model, meta: ckpt.meta, test: mnist.test, classes: mnist.classes, maxMistakes: max, source: path, pool });
  });
  for (const n of r.notes) print(`note: ${n}`);
  print(`wrote ${r.files.join(', ')} in ${out} (test accuracy ${r.accuracy.toFixed(4)}, ${plural(r.mistakes.length, 'mistake')}, ${r.shownMistakes} shown)`);
}
