/**
 * What to say about a flag yargs does not know: the nearest flag the command has (`--epoch`:
 * did you mean --epochs?) and where to read the rest.
 */

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two neighbouring
 * letters (optimal string alignment): `--modle` is one slip from `--model`, not two.
 */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], before[j - 2] + 1);
    }
    [before, prev] = [prev, row];
  }
  return prev[b.length];
}

/** The flag closest to `typed`, if it is close enough to be a slip (at most a third of it differs). */
function nearestFlag(typed: string, flags: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const f of flags) {
    const d = editDistance(typed, f);
    if (d < bestDistance) [best, bestDistance] = [f, d];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * The one line for yargs' "Unknown argument(s): a, b" message, or undefined for other messages.
 * `flags` are the command's own (long names, without dashes); `command` names it for the help hint.
 */
export function unknownFlagLine(message: string, command: string | undefined, flags: readonly string[]): string | undefined {
  const m = /^Unknown arguments?: (.+)$/.exec(message);
  if (!m) return undefined;
  const help = command ? `mnist-ts ${command} --help` : 'mnist-ts --help';
  // yargs names an unknown --kebab-case flag twice, the second time camelCased: name it once.
  const given = m[1].split(', ');
  const kebab = new Set(given.filter((n) => n.includes('-')).map((n) => n.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())));
  const names = given.filter((n) => !kebab.has(n));
  const parts = names.map((name) => {
    const near = command ? nearestFlag(name, flags) : undefined;
    const shown = command ? `--${name}` : `'${name}'`;
    return near ? `${shown} (did you mean --${near}?)` : shown;
  });
  const what = command ? `unknown flag${names.length > 1 ? 's' : ''}` : 'unknown command';
  return `${what} ${parts.join(', ')}; see ${help}`;
}
