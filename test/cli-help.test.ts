/** Each command's help: only the flags the command takes, and examples that each fit on their line. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runMain, type CliResult } from './helpers/cli.js';

const COMMANDS = ['tutorial', 'inspect', 'train', 'evaluate', 'predict', 'report', 'serve'];
const help: Record<string, CliResult> = {};
for (const c of COMMANDS) help[c] = await runMain([c, '--help']);

test('every command has help, with examples', () => {
  for (const c of COMMANDS) {
    assert.is(help[c].code, 0, c);
    assert.match(help[c].stdout, /\nExamples:\n {2}mnist-ts /, c);
  }
});

test('no example wraps onto a line of its own: each example line starts with the command', () => {
  for (const c of COMMANDS) {
    const examples = help[c].stdout.split('\nExamples:\n')[1] ?? '';
    // A line that starts two spaces in starts an example; a description's continuation is indented further.
    const starts = examples.split('\n').filter((l) => /^ {2}\S/.test(l));
    assert.ok(starts.length > 0, c);
    for (const line of starts) assert.match(line, /^ {2}mnist-ts /, `${c}: '${line}'`);
  }
});

test('the tutorial\'s help lists no flag it refuses, and no other command\'s examples', () => {
  const text = help.tutorial.stdout;
  assert.not.match(text, /--json/);
  assert.not.match(text, /--resume/);
  assert.not.match(text, /--no-save/);
  assert.not.match(text, /mnist-ts train/);
  assert.match(text, /--save/);
  // train still lists them.
  assert.match(help.train.stdout, /--json/);
  assert.match(help.train.stdout, /--resume/);
});

test.run();
