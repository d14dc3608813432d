#!/usr/bin/env node
// Runs the uvu test files in two processes at once (the machine has two cores and most of the
// suite's time is spent in a few files that train models), then prints the combined
// Total/Passed/Skipped. Files are dealt to the two groups heaviest first, by the seconds each
// took when measured alone (unknown files count as 1), so the groups finish close together.
//   node scripts/test-parallel.mjs [regex over file names]
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';

const SECONDS = {
  'cli-train.test.ts': 35, 'checkpoint.test.ts': 20, 'cnn-cli.test.ts': 17, 'trainer.test.ts': 16,
  'cli-inspect.test.ts': 7, 'predict.test.ts': 7, 'matmul.test.ts': 6, 'report.test.ts': 6, 'readme-example.test.ts': 2,
};
const filter = new RegExp(process.argv[2] ?? '');
const files = readdirSync('test').filter((f) => f.endsWith('.test.ts') && filter.test(f));
files.sort((a, b) => (SECONDS[b] ?? 1) - (SECONDS[a] ?? 1) || a.localeCompare(b));
const groups = [[], []];
const load = [0, 0];
for (const f of files) {
  const g = load[0] <= load[1] ? 0 : 1;
  groups[g].push(f);
  load[g] += SECONDS[f] ?? 1;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function run(group) {
  if (group.length === 0) return Promise.resolve({ out: '', code: 0 });
  const pattern = `^(${group.map(escape).join('|')})$`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', pattern], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ out, code: code ?? 1 })));
}

const results = await Promise.all(groups.map(run));
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
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
