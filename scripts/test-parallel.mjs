#!/usr/bin/env node
// Runs the uvu test files two at a time or more (one a core, up to four; most of the suite's time
// is spent in a few files that train models), one process per file, each slot taking the next
// file from a queue as soon as it is free, then prints the combined Total/Passed/Skipped/Failed.
// Light files share a process, a few at a time: a file that took under LIGHT_SECONDS last time,
// or, never timed, one whose source starts no process, browser, pool, install or training run.
// Starting a process, tsx and c8's coverage for each cost several times what such a file runs. A
// group with a problem runs again, a file a process, and the problems are those runs'.
// The queue starts with the files that took longest last time (timings kept in
// node_modules/.cache/mnist-ts/test-seconds.json, outside git); a file never timed is estimated
// from how many training runs and CLI runs its source starts. No table is kept by hand.
// When the build is newer than every source file (`npm test` builds first), the test processes
// run it: a source file a test imports loads from dist (scripts/test-process/hooks.mjs), and pool
// workers start from dist without tsx, far faster (src/node/worker-files.ts). So one compilation
// of each file runs, in tests, workers and CLI runs alike, and coverage counts each function once.
// Run alone after an edit, the tests load the sources through tsx, while CLI processes and
// installs use the old build.
// It exits non-zero, with one line per problem naming the file, when a file exits non-zero, is
// killed at the per-file time limit, prints no uvu summary, runs fewer tests than it registered
// (uvu swallows an error thrown in `before` and exits 0), or, under CI, skips a test or uses .only.
//   node scripts/test-parallel.mjs [--dir folder] [regex over file names]
//   MNIST_TS_TEST_FILE_SECONDS: the per-file time limit (300 unless set: a guard against hangs, not a speed check)
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const dirAt = args.indexOf('--dir');
const DIR = dirAt >= 0 ? args.splice(dirAt, 2)[1] : 'test';
const SLOTS = Math.max(2, Math.min(availableParallelism(), 4));
const LIMIT_SECONDS = Number(process.env.MNIST_TS_TEST_FILE_SECONDS || 300);
const CI = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);
// Timings are kept for the real suite only: another folder (the runner's own fixtures) would mix in.
const CACHE = DIR === 'test' ? join('node_modules', '.cache', 'mnist-ts', 'test-seconds.json') : undefined;
const filter = new RegExp(args[0] ?? '');
const files = readdirSync(DIR).filter((f) => f.endsWith('.test.ts') && filter.test(f));

// Each test process counts the tests it registers (scripts/test-process/): uvu's own Total cannot
// see the tests of a suite never run, and its exit code hides a throwing `before`.
const PRELOAD = new URL('./test-process/register.mjs', import.meta.url).href;
// tsx by absolute URL: worker threads inherit the flag and resolve it from the working directory,
// which a test may have changed (test/helpers/cli.ts, runMain).
const TSX = import.meta.resolve('tsx');

function readTimings() {
  try {
    return CACHE ? JSON.parse(readFileSync(CACHE, 'utf8')) : {};
  } catch {
    return {};
  }
}

/**
 * What a never-timed file's source starts, and about how many seconds each costs: a training or
 * CLI run a second; an installed package, a browser or the README's commands far more. Only the
 * order of the first run depends on it: the longest files should start first.
 */
const COSTS = [
  [/runCli\(|runTrain\(|\btrain\(|\bfit\(|spawnSync\(|execFile\(|writeReport\(|trainedModel\(|smallCheckpoints\(/g, 1],
  [/launchChromium\(/g, 8],
  [/installedApp\(/g, 10],
  [/readmeCommands\(/g, 25],
];

/** Seconds a file took last time, or a guess from its source (COSTS). */
function estimate(file, timings) {
  if (typeof timings[file] === 'number') return timings[file];
  const source = readFileSync(join(DIR, file), 'utf8');
  return COSTS.reduce((sum, [pattern, seconds]) => sum + seconds * (source.match(pattern) ?? []).length, 1);
}

/** Whether dist was built after the last change to any source file. */
function builtFresh() {
  try {
    const built = Math.min(...['gradient-worker', 'inference-worker'].map((w) => statSync(join('dist', 'workers', `${w}.js`)).mtimeMs));
    const sources = ['src', 'workers'].flatMap((dir) => readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)));
    return sources.every((f) => statSync(f).mtimeMs <= built);
  } catch {
    return false;
  }
}
const env = builtFresh() ? { ...process.env, MNIST_TS_TEST_BUILT: '1' } : process.env;
if (env === process.env) process.stderr.write('test-parallel: dist is older than the sources: tests and pool workers load the sources through tsx (slower), CLI processes run the old build; `npm test` builds first\n');

/** A file that may share its process: it took under this many seconds last time. */
const LIGHT_SECONDS = 2.5;
/** The estimated seconds of light files one process runs. */
const GROUP_SECONDS = 6;
/** What a source does that needs a process of its own, or takes time: processes, browsers, pools, installs, training. */
const HEAVY_SOURCE = /child_process|helpers\/cli|page-session|installed-app|createBackend|startGradientWorkers|InferencePool|Piscina|\bfit\(|\btrain\(/;

function isLight(file, timings) {
  if (typeof timings[file] === 'number') return timings[file] < LIGHT_SECONDS;
  return !HEAVY_SOURCE.test(readFileSync(join(DIR, file), 'utf8'));
}

/** What each process runs: the light files in groups of about GROUP_SECONDS, every other file alone (a group of one). */
function groups(timings) {
  const light = files.filter((f) => isLight(f, timings)).sort();
  const groups = [];
  let group = [], seconds = 0;
  for (const f of light) {
    group.push(f);
    seconds += estimate(f, timings);
    if (seconds >= GROUP_SECONDS) (groups.push(group), (group = []), (seconds = 0));
  }
  if (group.length) groups.push(group);
  return [...groups, ...files.filter((f) => !light.includes(f)).map((f) => [f])];
}

const timings = readTimings();
const groupSeconds = (group) => group.reduce((sum, f) => sum + estimate(f, timings), 0);
const queue = groups(timings).sort((a, b) => groupSeconds(b) - groupSeconds(a) || a[0].localeCompare(b[0]));
const measured = {};
// Process groups still running: each file runs in its own, so a time limit or a Ctrl-C ends the
// servers and browsers it started along with it.
const running = new Set();
const killGroup = (pid) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid);
    process.exit(1);
  });
}

/** Runs `group`, one file or several light ones, in one process; `file` names them in problems. */
function runGroup(group) {
  const t0 = performance.now();
  const file = group.join(', ');
  const pattern = `^(${group.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
  const uvu = ['--import', TSX, '--import', PRELOAD, 'node_modules/uvu/bin.js', DIR, pattern];
  const child = spawn(process.execPath, uvu, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  running.add(child.pid);
  // Counts are read from stdout alone; the two streams together, in arrival order, are what is shown.
  let out = '', stdout = '', timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, LIMIT_SECONDS * 1000);
  child.stdout.on('data', (c) => ((out += c), (stdout += c)));
  child.stderr.on('data', (c) => (out += c));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child.pid);
      // A group's time is shared among its files as their estimates were.
      const seconds = (performance.now() - t0) / 1000;
      for (const f of group) measured[f] = Math.round((seconds * estimate(f, timings)) / groupSeconds(group) * 10) / 10;
      resolve({ file, out, stdout, code: code ?? signal, timedOut });
    }),
  );
}

const SUMMARY = /\n {2}Total: {5}(\d+)\n {2}Passed: {4}(\d+)\n {2}Skipped: {3}(\d+)\n {2}Duration:[^\n]*\n/g;

/** What one file's process printed and returned, as counts and one line per problem. */
function check({ file, out, stdout, code, timedOut }) {
  const plain = (text) => text.replace(/\u001b\[[0-9;]*m/g, '');
  const summary = [...plain(stdout).matchAll(SUMMARY)].at(-1);
  const [total, passed, skipped] = summary ? summary.slice(1).map(Number) : [0, 0, 0];
  const marks = [...plain(stdout).matchAll(/^uvu-planned: (\d+) (\d+)$/gm)].at(-1);
  const [planned, only] = marks ? marks.slice(1).map(Number) : [total + skipped, 0];
  const problems = [];
  if (timedOut) problems.push(`killed after ${LIMIT_SECONDS} s, the per-file time limit (MNIST_TS_TEST_FILE_SECONDS)`);
  else if (!summary) problems.push(`exited with code ${code} without uvu's summary (it crashed or stopped before its tests finished)`);
  else {
    if (passed < total) problems.push(`${total - passed} of ${total} tests failed or never ran${code === 0 ? ', yet uvu exited 0 (a before hook threw?)' : ''}`);
    else if (code !== 0) problems.push(`exited with code ${code} after its tests passed (an after hook threw?)`);
    if (!marks) problems.push("registered no tests through the runner's count (does it import { test } from 'uvu'?)");
    else if (total + skipped < planned) problems.push(`${planned - total - skipped} of ${planned} registered tests never ran (a suite whose .run() is never called?)`);
    else if (planned === 0) problems.push('registers no tests');
    if (CI && only) problems.push(`uses .only, which CI does not allow`);
    else if (CI && skipped) problems.push(`skips ${skipped === 1 ? 'a test' : `${skipped} tests`}, which CI does not allow`);
  }
  // Tests that did not run count as failed, and a file with a problem fails at least once; under
  // CI a skipped test has not run either.
  const failed = Math.max(planned - passed - (CI ? 0 : skipped), problems.length ? 1 : 0);
  // uvu's own summary block is left out of what is shown: the combined block below replaces it.
  // Line by line: a stderr line can arrive inside the block, which then no longer matches whole.
  const printed = `${plain(out).replace(SUMMARY, '\n').replace(/^ {2}(Total|Passed|Skipped|Duration): .*\n/gm, '').replace(/\n?uvu-planned: \d+ \d+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n\n`;
  return { file, printed, passed, skipped: CI ? 0 : skipped, failed, problems };
}

const results = [];
async function slot() {
  for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
    const result = check(await runGroup(group));
    if (group.length === 1 || result.problems.length === 0) {
      results.push(result);
      continue;
    }
    // A group with a problem runs again a file a process, so that each problem names its file
    // (and no file's .only or failing hook hides another's tests). If each passes alone, the
    // group's failure stands: tests that depend on their order or on what another file left.
    const alone = [];
    for (const f of group) alone.push(check(await runGroup([f])));
    results.push(...alone);
    if (alone.every((r) => r.problems.length === 0)) {
      const why = (p) => `${p}; yet each file passed in a process of its own (a one-off failure, or tests that depend on order or shared state)`;
      results.push({ file: result.file, printed: result.printed, passed: 0, skipped: 0, failed: 1, problems: result.problems.map(why) });
    }
  }
}
await Promise.all(Array.from({ length: SLOTS }, slot));

let passed = 0, skipped = 0, failed = 0;
for (const r of results) {
  process.stdout.write(r.printed);
  passed += r.passed;
  skipped += r.skipped;
  failed += r.failed;
}
const problems = results.flatMap((r) => r.problems.map((p) => `  FAIL ${r.file}: ${p}\n`));
if (problems.length) process.stdout.write(`\n${problems.join('')}`);
process.stdout.write(`\n  Total:     ${passed + skipped + failed}\n  Passed:    ${passed}\n  Skipped:   ${skipped}\n  Failed:    ${failed}\n`);
if (CACHE) {
  try {
    mkdirSync(dirname(CACHE), { recursive: true });
    writeFileSync(CACHE, JSON.stringify({ ...timings, ...measured }, null, 1));
  } catch {
    // timings only order the next run; a read-only node_modules changes nothing else
  }
}
process.exitCode = problems.length || failed || !results.length ? 1 : 0;
