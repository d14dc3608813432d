#!/usr/bin/env node
// Runs `npm run build` unless dist/ is newer than everything it is built from. `npm start` runs it
// first, so a checkout needs only `npm install` and `npm start`. The package has no install script
// (`prepare`): npm warns everyone who installs a package that has one.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist', '.built');
const SOURCES = ['src', 'workers', 'tsconfig.json', 'package.json', 'scripts/build.mjs', 'scripts/build-web.mjs'];

/** The newest modification time of a file, or of any file below a folder. */
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : -Infinity;
if (SOURCES.some((p) => newest(join(root, p)) > builtAt)) {
  // Through a shell, where `npm` is found on every platform (npm.cmd on Windows).
  const r = spawnSync('npm run build --silent', { cwd: root, stdio: 'inherit', shell: true });
  if (r.error) console.error(`mnist-ts: could not run 'npm run build' (${r.error.message})`);
  if (r.status !== 0) process.exit(r.status ?? 1);
  writeFileSync(stamp, '');
}
