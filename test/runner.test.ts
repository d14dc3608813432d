/**
 * The test runner (scripts/test-parallel.mjs) on the small files under test/runner-fixtures: it
 * must not pass when tests did not run. A `before` hook that throws, a suite never run, a failing
 * assertion and a file past the time limit each fail it with one line naming the file; skips and
 * `.only` pass, except under CI. Light files share a process; when such a group has a problem,
 * its files run again one a process, so each problem still names its file (the tests below).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { ROOT } from './helpers/cli.js';

/** Exit code and output of the runner over the fixtures whose names match `pattern`. */
function runner(pattern: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  // Without the outer run's coverage directory (the fixtures cover nothing), its CI, and its
  // per-test times (MNIST_TS_TEST_TIMES, whose lines would mix into the fixtures' output).
  const { NODE_V8_COVERAGE: _coverage, CI: _ci, MNIST_TS_TEST_TIMES: _times, ...outer } = process.env;
  const args = ['scripts/test-parallel.mjs', '--dir', 'test/runner-fixtures', pattern];
  return new Promise((resolve) =>
    execFile(process.execPath, args, { cwd: ROOT, env: { ...outer, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}

/** The runner's FAIL lines, each naming a file. */
const failLines = (out: string) => out.split('\n').filter((l) => l.startsWith('  FAIL ')).map((l) => l.trim());

/** The runner's combined block (the last), as numbers. */
function counts(out: string) {
  const n = (label: string) => Number([...out.matchAll(new RegExp(`^ {2}${label}: +(\\d+)$`, 'gm'))].at(-1)?.[1]);
  return { total: n('Total'), passed: n('Passed'), skipped: n('Skipped'), failed: n('Failed') };
}

test('light files share a process, and their counts add up', async () => {
  const { code, out } = await runner('^passes-(too|also)\\.');
  assert.is(code, 0, out);
  const pids = [...out.matchAll(/^process (\d+)$/gm)].map((m) => m[1]);
  assert.is(pids.length, 2, out);
  assert.is(pids[0], pids[1], 'one process ran both');
  assert.equal(counts(out), { total: 2, passed: 2, skipped: 0, failed: 0 });
});

test('light files that fail together but pass apart fail the run, naming them', async () => {
  const { code, out } = await runner('^order-[ab]\\.');
  assert.is(code, 1, out);
  assert.equal(failLines(out), ['FAIL order-a.test.ts, order-b.test.ts: 1 of 2 tests failed or never ran; yet each file passed in a process of its own (a one-off failure, or tests that depend on order or shared state)']);
  assert.equal(counts(out), { total: 3, passed: 2, skipped: 0, failed: 1 });
});

test('a before hook that throws, a suite never run and a failing test each fail the run, by name', async () => {
  const { code, out } = await runner('^(before-throws|never-run|fails)\\.');
  assert.is(code, 1);
  assert.equal(failLines(out).sort(), [
    'FAIL before-throws.test.ts: 2 of 2 tests failed or never ran, yet uvu exited 0 (a before hook threw?)',
    'FAIL fails.test.ts: 1 of 2 tests failed or never ran',
    'FAIL never-run.test.ts: 1 of 2 registered tests never ran (a suite whose .run() is never called?)',
  ]);
  assert.match(out, 'before hook threw: Error: the server did not start');
  assert.equal(counts(out), { total: 6, passed: 2, skipped: 0, failed: 4 });
});

test('a file past the per-file time limit is killed and fails the run', async () => {
  const { code, out } = await runner('^slow\\.', { MNIST_TS_TEST_FILE_SECONDS: '1' });
  assert.is(code, 1);
  assert.equal(failLines(out), ['FAIL slow.test.ts: killed after 1 s, the per-file time limit (MNIST_TS_TEST_FILE_SECONDS)']);
  assert.equal(counts(out), { total: 1, passed: 0, skipped: 0, failed: 1 });
});

test('passing files pass, with skips and .only counted as skipped outside CI', async () => {
  const { code, out } = await runner('^(passes|skips|only)\\.');
  assert.is(code, 0, out);
  assert.equal(failLines(out), []);
  assert.equal(counts(out), { total: 6, passed: 4, skipped: 2, failed: 0 });
});

test('under CI a skipped test or .only fails the run, by name', async () => {
  const { code, out } = await runner('^(passes|skips|only)\\.', { CI: '1' });
  assert.is(code, 1);
  assert.equal(failLines(out).sort(), ['FAIL only.test.ts: uses .only, which CI does not allow', 'FAIL skips.test.ts: skips a test, which CI does not allow']);
  assert.equal(counts(out), { total: 6, passed: 4, skipped: 0, failed: 2 });
});

test('with a fresh build, a source file a test imports loads from dist, as workers and the CLI load it', () => {
  const url = import.meta.resolve('../src/engine/errors.js');
  if (process.env.MNIST_TS_TEST_BUILT === '1') assert.ok(url.endsWith('/dist/src/engine/errors.js'), url);
  else assert.ok(url.endsWith('/src/engine/errors.ts') && !url.includes('/dist/'), url);
  // The page's sources have no build of their own in dist/src: they load as they are.
  assert.ok(import.meta.resolve('../src/web/views.js').endsWith('/src/web/views.ts'));
});

test('a pattern that matches no file fails the run', async () => {
  const { code } = await runner('^no-such-fixture\\.');
  assert.is(code, 1);
});

test.run();
