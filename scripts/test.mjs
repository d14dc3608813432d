#!/usr/bin/env node
// Runs every uvu test under c8 coverage (two processes at once: scripts/test-parallel.mjs), then
// prints the plain closing line `N passed, N failed` that CI reads, from test-parallel's combined
// Total/Passed/Skipped/Failed block (tests that never ran are counted there as failed). It exits
// non-zero when test-parallel did, when anything failed, when nothing passed, or when the block is
// missing. c8 collects coverage from every process below it.
// uvu runs under `node --import tsx` rather than `uvu -r tsx`: worker threads inherit execArgv,
// so pool workers can load .ts files too.
// src/web is left out of coverage: it runs in Chromium (test/browser.test.ts), where c8 cannot see.
//   node scripts/test.mjs [--dir folder] [regex over file names]   (passed on to test-parallel)
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
  // the last block is test-parallel's combined one
  const count = (label) => Number([...plain.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)$`, 'gm'))].at(-1)?.[1] ?? NaN);
  const passed = count('Passed') || 0;
  const skipped = count('Skipped') || 0;
  const failed = count('Failed');
  const ok = code === 0 && failed === 0 && passed > 0;
  process.stdout.write(`\n${passed} passed, ${ok ? 0 : Math.max(failed || 0, 1)} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exitCode = ok ? 0 : 1;
});
