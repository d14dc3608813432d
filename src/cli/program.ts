/**
 * The `mnist-ts` command: a thin yargs layer over the library. `main` runs one command line and
 * returns its exit code, without touching the process's own (main.ts, the bin, sets it), so that
 * tests can also run it in their own process.
 */
import yargs, { type Argv } from 'yargs';
import { inspect, inspectOptions } from './commands/inspect.js';
import { runTrain, trainOptions } from './commands/train.js';
import { tutorial, tutorialOptions } from './commands/tutorial.js';
import { evaluateOptions, runEvaluate } from './commands/evaluate.js';
import { predictOptions, runPredict } from './commands/predict.js';
import { reportOptions, runReport } from './commands/report.js';
import { runServe, serveOptions } from './commands/serve.js';
import { exportOptions, runExport } from './commands/export.js';
import { importOptions, runImport } from './commands/import.js';
import { OptionError } from '../engine/errors.js';
import { exitCodeOf } from './fail.js';
import { unknownFlagLine } from './unknown-flag.js';

/** A command: its yargs spec (its name first), what --help says of it, its flags, and what runs it with the parsed flags. */
interface Command {
  spec: string;
  describe: string;
  options: (y: Argv) => Argv<unknown>;
  run: (args: never) => Promise<unknown>;
}

const TABLE: Command[] = [
  { spec: 'inspect', describe: 'shapes, pixel range and digit counts of MNIST; render digits as PNG', options: inspectOptions, run: inspect },
  { spec: 'train', describe: 'train a model on MNIST (the tutorial: softmax regression, SGD 0.01, 25 epochs, batch 100)', options: trainOptions, run: runTrain },
  { spec: 'tutorial', describe: 'the whole tutorial in one command (what npm start runs): data, training, saving, restoring in a fresh process, predicting', options: tutorialOptions, run: tutorial },
  { spec: 'evaluate', describe: 'accuracy, loss, per-digit accuracy and confusion matrix of a saved model', options: evaluateOptions, run: runEvaluate },
  { spec: 'predict [inputs..]', describe: 'predict digits: image files and folders (prepared as MNIST was), or data-set images with --from', options: predictOptions, run: runPredict },
  { spec: 'report', describe: 'what a model learned, as images: weight templates, confusion matrix, mistakes, training curves, index.html', options: reportOptions, run: runReport },
  { spec: 'serve', describe: 'the draw-a-digit page: draw or drop a digit and see what a model reads, or train one in the browser', options: serveOptions, run: runServe },
  { spec: 'export', describe: 'a checkpoint as an ONNX file (ONNX Runtime, Netron) or as a PyTorch state_dict', options: exportOptions, run: runExport },
  { spec: 'import', describe: 'weights trained in PyTorch (a state_dict saved with safetensors) as an mnist-ts checkpoint', options: importOptions, run: runImport },
];

const COMMANDS = TABLE.map((c) => c.spec.split(' ')[0]);

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
  const builder = (name: string, options: Command['options']) => (y: Argv) => {
    const built = options(y);
    const o = (built as unknown as { getOptions(): { key: Record<string, unknown>; hiddenOptions: string[] } }).getOptions();
    flagsOf[name] = Object.keys(o.key).filter((k) => !o.hiddenOptions.includes(k) && k.length > 1 && !/[A-Z]/.test(k));
    return built;
  };
  const command = argv.find((a) => !a.startsWith('-'));
  let cli: Argv<unknown> = yargs(argv).scriptName('mnist-ts').usage('$0 <command> [options]');
  for (const { spec, describe, options, run } of TABLE) {
    const name = spec.split(' ')[0];
    cli = cli.command(spec, describe, builder(name, options), async (a) => {
      await run(a as never);
    });
  }
  await cli
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
