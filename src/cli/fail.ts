/** How the CLI turns errors into one line and an exit code. */
import { Interrupted, MnistTsError, OptionError } from '../engine/errors.js';

export const EXIT_USAGE = 2;
const EXIT_ERROR = 1;
/** 128 + SIGINT, as shells report a Ctrl-C. */
const EXIT_INTERRUPTED = 130;

/** The flag that sets each library parameter, so that an error names what the user typed. */
const FLAG_OF: Record<string, string> = {
  lr: 'lr',
  momentum: 'momentum',
  weightDecay: 'weight-decay',
  optimizer: 'optimizer',
  schedule: 'lr-schedule',
  layers: 'layers',
  hidden: 'hidden',
  init: 'init',
  batchSize: 'batch-size',
  epochs: 'epochs',
  'augment.shift': 'augment-shift',
  validationSize: 'validation-size',
  threads: 'threads',
  scale: 'scale',
  kernels: 'kernels',
};

/** The message as the CLI says it: a library parameter's name replaced by its flag. */
export function cliMessage(e: MnistTsError): string {
  if (e instanceof OptionError && e.option !== undefined && FLAG_OF[e.option] && e.message.startsWith(`${e.option}:`)) {
    return `--${FLAG_OF[e.option]}${e.message.slice(e.option.length)}`;
  }
  return e.message;
}

/** Prints a user error as one line (no stack trace) and returns its exit code; rethrows bugs. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof MnistTsError) {
    process.stderr.write(`mnist-ts: ${cliMessage(e)}\n`);
    return e instanceof OptionError ? EXIT_USAGE : e instanceof Interrupted ? EXIT_INTERRUPTED : EXIT_ERROR;
  }
  throw e;
}
