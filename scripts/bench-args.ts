/** The benchmarks' command lines: a bad argument is one line and exit code 2, as the CLI answers a bad flag. */

export function refuse(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** Refuses anything in `given` that is not in `known`, naming `what` (a flag or an argument). */
export function checkChoices(what: string, given: string[], known: string[]): void {
  const unknown = given.filter((g) => !known.includes(g));
  if (unknown.length > 0) refuse(`${what}: ${unknown.join(', ')}, expected ${known.join(', ')}`);
}

/** The value after `flag`, or `fallback` without the flag; a flag with no value after it is refused. */
export function flagValue(flag: string, fallback: string): string {
  const at = process.argv.indexOf(flag);
  if (at < 0) return fallback;
  const value = process.argv[at + 1];
  return value === undefined || value.startsWith('--') ? refuse(`${flag}: expected a value after it`) : value;
}

/** A comma-separated list after `flag`. */
export function listFlag(flag: string, fallback: string[]): string[] {
  return flagValue(flag, fallback.join(',')).split(',');
}

/** A whole number from `least` to `most` after `flag`. */
export function wholeNumberFlag(flag: string, fallback: number, least: number, most = Infinity): number {
  const text = flagValue(flag, String(fallback));
  const n = Number(text);
  if (Number.isInteger(n) && n >= least && n <= most) return n;
  return refuse(`${flag}: ${text}, expected a whole number ${most === Infinity ? `>= ${least}` : `from ${least} to ${most}`}`);
}
