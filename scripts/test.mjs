#!/usr/bin/env node
// Runs every uvu test under c8 coverage (two processes at once: scripts/test-parallel.mjs), then
// prints the plain closing line `N passed, N failed` that CI reads, from test-parallel's combined
// Total/Passed/Skipped/Failed block (tests that never ran are counted there as failed). It exits
// non-zero when test-parallel did, when anything failed, when nothing passed, or when the block is
// missing. c8 collects coverage from every process below it, and a whole run fails below FLOOR.
// Coverage counts the build, which npm test makes first and every test process runs
// (test-parallel says how): one compilation of each file, so that no function or branch counts
// twice. uvu runs under `node --import tsx` rather than `uvu -r tsx`: worker threads inherit
// execArgv, so pool workers can load .ts files too when there is no fresh build.
// src/web is left out of coverage: it runs in Chromium (test/browser.test.ts), where c8 cannot see.
//   node scripts/test.mjs [--dir folder] [regex over file names]   (passed on to test-parallel)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The coverage a whole run must keep (c8 --check-coverage), just under what the suite reached
 * when the floor was set; a run of some files only (a filter given) is not held to it.
 */
const FLOOR = { lines: 98.5, statements: 98.5, functions: 97.5, branches: 92 };
const whole = process.argv.length <= 2;
const floor = whole ? ['--check-coverage', ...Object.entries(FLOOR).map(([k, v]) => `--${k}=${v}`)] : [];

/**
 * Source files of types only (interfaces, type aliases): their build is an empty module, which
 * nothing loads, so `--all` would count each line as uncovered. They hold nothing to run. Without
 * a build (a run of this script alone), none is known.
 */
function typesOnly() {
  const built = (dir) => {
    try {
      return readdirSync(join('dist', dir), { recursive: true }).filter((f) => f.endsWith('.js'));
    } catch {
      return [];
    }
  };
  const empty = (file) => readFileSync(file, 'utf8').replace(/\/\/# sourceMappingURL=.*/, '').replace(/\s/g, '') === 'export{};';
  return ['src', 'workers'].flatMap((dir) => built(dir).filter((f) => empty(join('dist', dir, f))).map((f) => join(dir, f.replace(/\.js$/, '.ts'))));
}

const args = [
  'node_modules/c8/bin/c8.js', ...floor, '--all', '--exclude-after-remap', '--src', 'src', '--src', 'workers', '--include', 'src/**', '--include', 'workers/**', '--exclude', 'src/web/**',
  ...typesOnly().flatMap((f) => ['--exclude', f]),
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
  // Every test passed but c8 refused the coverage: say so, rather than count a failed test.
  const short = !ok && failed === 0 && passed > 0 && whole;
  const failures = ok || short ? 0 : Math.max(failed || 0, 1);
  process.stdout.write(`\n${passed} passed, ${failures} failed${skipped ? `, ${skipped} skipped` : ''}${short ? '; coverage below its floor (c8 says which, above)' : ''}\n`);
  process.exitCode = ok ? 0 : 1;
});
