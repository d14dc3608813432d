/**
 * The `mnist-ts` command: a thin yargs layer over the library. `main` runs one command line and
 * returns its exit code, without touching the process's own (main.ts, the bin, sets it), so that
 * tests can also run it in their own process.
 */
import yargs, { type Argv } from 'yargs';
import { inspect, inspectOptions, type InspectArgs } from './commands/inspect.js';
import { runTrain, trainOptions, type TrainArgs } from './commands/train.js';
import { tutorial, tutorialOptions } from './commands/tutorial.js';
import { evaluateOptions, runEvaluate, type EvaluateArgs } from './commands/evaluate.js';
import { predictOptions, runPredict, type PredictArgs } from './commands/predict.js';
import { reportOptions, runReport, type ReportArgs } from './commands/report.js';
import { runServe, serveOptions, type ServeArgs } from './commands/serve.js';
import { exportOptions, runExport, type ExportArgs } from './commands/export.js';
import { importOptions, runImport, type ImportArgs } from './commands/import.js';
import { OptionError } from '../engine/errors.js';
import { exitCodeOf } from './fail.js';
import { unknownFlagLine } from './unknown-flag.js';

const COMMANDS = ['tutorial', 'inspect', 'train', 'evaluate', 'predict', 'report', 'serve', 'export', 'import'];

/**
 * Runs one command line (without node and the script's name) and returns its exit code: a user's
 * error is one line on stderr and a non-zero code; a bug is thrown.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    await parse(argv);
    return 0;
  } catch (e) {
    return exitCodeOf(e);
  }
}

async function parse(argv: string[]): Promise<void> {
  /** Each command's flags (long names), recorded as yargs builds it, for "did you mean". */
  const flagsOf: Record<string, string[]> = {};
  const builder = <T>(name: string, options: (y: Argv<T>) => Argv<unknown>) => (y: Argv<T>) => {
    const built = options(y);
    const o = (built as unknown as { getOptions(): { key: Record<string, unknown>; hiddenOptions: string[] } }).getOptions();
    flagsOf[name] = Object.keys(o.key).filter((k) => !o.hiddenOptions.includes(k) && k.length > 1 && !/[A-Z]/.test(k));
    return built;
  };
  const command = argv.find((a) => !a.startsWith('-'));
  await yargs(argv)
    .scriptName('mnist-ts')
    .usage('$0 <command> [options]')
    .command('inspect', 'shapes, pixel range and digit counts of MNIST; render digits as PNG', builder('inspect', inspectOptions), (a) => inspect(a as unknown as InspectArgs))
    .command('train', 'train a model on MNIST (the tutorial: softmax regression, SGD 0.01, 25 epochs, batch 100)', builder('train', trainOptions), async (a) => {
      await runTrain(a as unknown as TrainArgs);
    })
    .command('tutorial', 'the whole tutorial in one command (what npm start runs): data, training, saving, restoring in a fresh process, predicting', builder('tutorial', tutorialOptions), async (a) => {
      await tutorial(a as unknown as TrainArgs);
    })
    .command('evaluate', 'accuracy, loss, per-digit accuracy and confusion matrix of a saved model', builder('evaluate', evaluateOptions), async (a) => {
      await runEvaluate(a as unknown as EvaluateArgs);
    })
    .command('predict [inputs..]', 'predict digits: image files and folders (prepared as MNIST was), or data-set images with --from', builder('predict', predictOptions), async (a) => {
      await runPredict(a as unknown as PredictArgs);
    })
    .command('report', 'what a model learned, as images: weight templates, confusion matrix, mistakes, training curves, index.html', builder('report', reportOptions), async (a) => {
      await runReport(a as unknown as ReportArgs);
    })
    .command('serve', 'the draw-a-digit page: draw or drop a digit and see what a model reads, or train one in the browser', builder('serve', serveOptions), async (a) => {
      await runServe(a as unknown as ServeArgs);
    })
    .command('export', 'a checkpoint as an ONNX file (ONNX Runtime, Netron) or as a PyTorch state_dict', builder('export', exportOptions), async (a) => {
      await runExport(a as unknown as ExportArgs);
    })
    .command('import', 'weights trained in PyTorch (a state_dict saved with safetensors) as an mnist-ts checkpoint', builder('import', importOptions), async (a) => {
      await runImport(a as unknown as ImportArgs);
    })
    .demandCommand(1, `name a command: ${COMMANDS.join(', ')}`)
    .strict()
    .recommendCommands()
    .fail((msg, err) => {
      if (err) throw err;
      const known = command !== undefined && COMMANDS.includes(command) ? command : undefined;
      // yargs' own messages start with a capital ("Did you mean evaluate?"); ours do not.
      const first = msg.split('\n')[0];
      const line = unknownFlagLine(msg, known, known ? (flagsOf[known] ?? []) : []) ?? `${first.charAt(0).toLowerCase()}${first.slice(1)} (see mnist-ts ${known ? `${known} ` : ''}--help)`;
      throw new OptionError(line);
    })
    .help()
    // --help and --version print and return, leaving the exit to the caller.
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .parseAsync();
}
