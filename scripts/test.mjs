#!/usr/bin/env node
// Runs every uvu test under c8 coverage (two processes at once: scripts/test-parallel.mjs), then
// prints the plain closing line `N passed, N failed` that CI reads (uvu's own summary says
// Total/Passed/Skipped). c8 collects coverage from every process below it.
// uvu runs under `node --import tsx` rather than `uvu -r tsx`: worker threads inherit execArgv,
// so pool workers can load .ts files too.
// src/web is left out of coverage: it runs in Chromium (test/browser.test.ts), where c8 cannot see.
import { spawn } from 'node:child_process';

const args = [
  'node_modules/c8/bin/c8.js', '--all', '--exclude-after-remap', '--src', 'src', '--src', 'workers', '--include', 'src/**', '--include', 'workers/**', '--exclude', 'src/web/**',
  '--reporter', 'text-summary', '--reporter', 'html',
  process.execPath, 'scripts/test-parallel.mjs', ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FORCE_COLOR: '0' } });
let out = '';
child.stdout.on('data', (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exitCode = code === 0 && total > 0 ? 0 : 1;
});
