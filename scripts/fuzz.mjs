#!/usr/bin/env node
// A longer search by the fuzz tests (test/fuzz-*.test.ts), which npm test runs with 200 runs a
// property: `npm run fuzz -- --runs 100000 [--seed S]`. Properties that read files or the
// network run a share of that (test/helpers/fuzz.ts). Without coverage, one file after another.
import { spawnSync } from 'node:child_process';

function flag(name, fallback) {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!(Number.isSafeInteger(value) && value >= 1)) {
    process.stderr.write(`fuzz: ${name} ${process.argv[at + 1] ?? ''}, expected a whole number >= 1\n`);
    process.exit(2);
  }
  return value;
}

const runs = flag('--runs', 10000);
const seed = flag('--seed', 20261207);
process.stdout.write(`fuzzing: ${runs} runs a property, seed ${seed}\n`);
const r = spawnSync(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', '^fuzz-'], {
  stdio: 'inherit',
  env: { ...process.env, MNIST_TS_FUZZ_RUNS: String(runs), MNIST_TS_FUZZ_SEED: String(seed) },
});
process.exit(r.status ?? 1);
