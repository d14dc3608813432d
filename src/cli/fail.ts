/** How the CLI turns errors into one line and an exit code. */
import { MnistTsError, OptionError } from '../engine/errors.js';

export const EXIT_USAGE = 2;
export const EXIT_ERROR = 1;
/** 128 + SIGINT, as shells report a Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/** Prints a user error as one line (no stack trace) and sets a non-zero exit code; rethrows bugs. */
export function reportError(e: unknown): void {
  if (e instanceof MnistTsError) {
    process.stderr.write(`mnist-ts: ${e.message}\n`);
    process.exitCode = e instanceof OptionError ? EXIT_USAGE : e.name === 'Interrupted' ? EXIT_INTERRUPTED : EXIT_ERROR;
    return;
  }
  throw e;
}
