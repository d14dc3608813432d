/** How many threads the pools run: the default, and the one check every `threads` option gets. */
import { availableParallelism } from 'node:os';
import { optionError } from '../engine/errors.js';

/** The cores this process may use. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** `threads` (default: the cores), refused in one line unless a whole number from 1 to 256. */
export function checkThreads(threads: number = defaultThreads()): number {
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) throw optionError('threads', `${threads}, expected a whole number from 1 to 256`);
  return threads;
}
