#!/usr/bin/env node
// Runs the uvu test files two at a time (the machine has two cores, and most of the suite's time
// is spent in a few files that train models), one process per file, each slot taking the next
// file from a queue as soon as it is free, then prints the combined Total/Passed/Skipped.
// The queue starts with the files that took longest last time (timings kept in
// node_modules/.cache/mnist-ts/test-seconds.json, outside git); a file never timed is estimated
// from how many training runs and CLI runs its source starts. No table is kept by hand.
// Pool workers load the build (dist/workers) rather than the sources through tsx, a worker
// started in 0.08 s instead of 0.4 (src/node/worker-files.ts), when the build is newer than every
// source file: `npm test` builds first; run alone after an edit, the workers load the sources.
//   node scripts/test-parallel.mjs [regex over file names]
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';

const SLOTS = Math.max(2, Math.min(availableParallelism(), 4));
const CACHE = join('node_modules', '.cache', 'mnist-ts', 'test-seconds.json');
const filter = new RegExp(process.argv[2] ?? '');
const files = readdirSync('test').filter((f) => f.endsWith('.test.ts') && filter.test(f));

function readTimings() {
  try {
    return JSON.parse(readFileSync(CACHE, 'utf8'));
  } catch {
    return {};
  }
}

/** Seconds a file took last time, or a guess: each training or CLI run it starts counts about a second. */
function estimate(file, timings) {
  if (typeof timings[file] === 'number') return timings[file];
  const source = readFileSync(join('test', file), 'utf8');
  return 1 + (source.match(/runCli\(|runTrain\(|\btrain\(|spawnSync\(|writeReport\(/g) ?? []).length;
}

/** Whether dist's workers were built after the last change to any source file they are built from. */
function builtWorkersFresh() {
  try {
    const built = Math.min(...['gradient-worker', 'inference-worker'].map((w) => statSync(join('dist', 'workers', `${w}.js`)).mtimeMs));
    const sources = ['src', 'workers'].flatMap((dir) => readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)));
    return sources.every((f) => statSync(f).mtimeMs <= built);
  } catch {
    return false;
  }
}
const env = builtWorkersFresh() ? { ...process.env, MNIST_TS_BUILT_WORKERS: '1' } : process.env;
if (env === process.env) process.stderr.write('test-parallel: dist is older than the sources, so pool workers load the sources through tsx (slower); `npm test` builds first\n');

const timings = readTimings();
const queue = [...files].sort((a, b) => estimate(b, timings) - estimate(a, timings) || a.localeCompare(b));
const measured = {};

function runFile(file) {
  const t0 = performance.now();
  const pattern = `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', pattern], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      measured[file] = Math.round((performance.now() - t0) / 100) / 10;
      resolve({ out, code: code ?? 1 });
    }),
  );
}

const results = [];
async function slot() {
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) results.push(await runFile(file));
}
await Promise.all(Array.from({ length: SLOTS }, slot));

let total = 0, passed = 0, skipped = 0;
for (const { out } of results) {
  const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
  // uvu's own summary block, repeated below as one combined block
  process.stdout.write(plain.replace(/\n\s*Total:[\s\S]*$/, '\n'));
  total += Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  passed += Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  skipped += Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
}
process.stdout.write(`\n  Total:     ${total}\n  Passed:    ${passed}\n  Skipped:   ${skipped}\n`);
try {
  mkdirSync(dirname(CACHE), { recursive: true });
  writeFileSync(CACHE, JSON.stringify({ ...timings, ...measured }, null, 1));
} catch {
  // timings only order the next run; a read-only node_modules changes nothing else
}
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
