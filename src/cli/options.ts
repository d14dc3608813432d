/** Flag validation shared by the commands: each failure names the flag, the expectation and the value. */
import { OptionError } from '../engine/errors.js';

export function intFlag(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new OptionError(`--${name}: ${String(value)}, expected a whole number ${range}`);
  }
  return n;
}

export function positiveNumberFlag(name: string, value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new OptionError(`--${name}: ${String(value)}, expected a positive number`);
  return n;
}

export function nonNegativeNumberFlag(name: string, value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new OptionError(`--${name}: ${String(value)}, expected a number >= 0`);
  return n;
}
