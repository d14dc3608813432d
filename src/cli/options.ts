/**
 * Flags shared by the commands: how numeric flags are declared, and how every flag value is
 * checked. Each failure names the flag, what was expected and what was typed.
 */
import { OptionError } from '../engine/errors.js';

/**
 * A flag that takes a number. Declared without a yargs type on purpose: `type: 'number'` turns
 * `--epochs abc` into NaN before we see it, and the error could not show what was typed. yargs
 * still turns numeric text into numbers; the checks below turn the rest into one clear line.
 */
export function numeric(describe: string, extra: { default?: number; hidden?: boolean } = {}) {
  return { requiresArg: true, describe, ...extra } as const;
}

function asNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return NaN;
  return Number(value);
}

/** `--epochs 3 --epochs 4` arrives as an array: the last one given wins, as for every other flag. */
export function lastGiven<T>(value: T | T[]): T {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** A text flag's value (the last one given, when given more than once), or undefined when not given. */
export function textFlag(value: unknown): string | undefined {
  return value === undefined ? undefined : String(lastGiven(value));
}

export function intFlag(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = lastGiven(value);
  const n = asNumber(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new OptionError(`--${name}: ${String(v)}, expected a whole number ${range}`);
  }
  return n;
}

export function positiveNumberFlag(name: string, value: unknown): number {
  const v = lastGiven(value);
  const n = asNumber(v);
  if (!Number.isFinite(n) || n <= 0) throw new OptionError(`--${name}: ${String(v)}, expected a positive number`);
  return n;
}

export function nonNegativeNumberFlag(name: string, value: unknown): number {
  const v = lastGiven(value);
  const n = asNumber(v);
  if (!Number.isFinite(n) || n < 0) throw new OptionError(`--${name}: ${String(v)}, expected a number >= 0`);
  return n;
}

export function fractionFlag(name: string, value: unknown): number {
  const v = lastGiven(value);
  const n = asNumber(v);
  if (!(n >= 0 && n <= 1)) throw new OptionError(`--${name}: ${String(v)}, expected a number from 0 to 1`);
  return n;
}

/** A number in [0, 1), or strictly between 0 and 1 with `open`. */
export function unitIntervalFlag(name: string, value: unknown, open = false): number {
  const v = lastGiven(value);
  const n = asNumber(v);
  if (!(n >= 0 && n < 1) || (open && n === 0)) throw new OptionError(`--${name}: ${String(v)}, expected a number ${open ? 'in (0, 1): above 0 and below 1' : 'in [0, 1)'}`);
  return n;
}

/** One of `choices`, named as typed. */
export function choiceFlag<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  const v = String(lastGiven(value));
  if (!(choices as readonly string[]).includes(v)) throw new OptionError(`--${name}: '${v}', expected one of ${choices.join(', ')}`);
  return v as T;
}

/** `--kernels auto|simd|js`, the same on every command that runs a model. */
export function kernelsOption(describe = 'kernels to run on: auto (WebAssembly SIMD where the platform has it, else js) | simd | js (the scalar TypeScript reference); default auto') {
  return { type: 'string', requiresArg: true, describe } as const;
}

/** "1 epoch", "3 epochs". */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}
