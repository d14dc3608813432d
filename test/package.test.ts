/**
 * The package as npm packs it: the built code, README and its picture, no source maps (they would
 * point at sources the package does not carry), no tests; sharp, the one native dependency, is
 * optional, and without it everything but images works, and images say how to get it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './helpers/cli.js';

const NO_SHARP = fileURLToPath(new URL('./fixtures/no-sharp.mjs', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

function packedFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
}

test('npm pack carries the build, README and its picture, and no source map, test or TypeScript source', () => {
  const files = packedFiles();
  for (const f of ['README.md', 'package.json', 'src/web/screenshot.png', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/workers/gradient-worker.js', 'dist/web/index.html', 'dist/web/page.js']) {
    assert.ok(files.includes(f), f);
  }
  assert.equal(files.filter((f) => f.endsWith('.map')), []);
  assert.equal(files.filter((f) => f.startsWith('test/') || f.startsWith('scripts/') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))), []);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const [, path] of readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) assert.ok(files.includes(path), `README's picture ${path} is in the package`);
});

test('sharp is the only native dependency, and optional', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.is(pkg.dependencies.sharp, undefined);
  assert.ok(pkg.optionalDependencies.sharp);
});

test('without sharp: training works; predicting images says in one line how to get it', () => {
  const home = mkdtempSync(join(tmpdir(), 'no-sharp-'));
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', NO_SHARP, CLI, ...args], { encoding: 'utf8', cwd: home });
  const trained = run('train', '--epochs', '1', '--threads', '2');
  assert.is(trained.status, 0, trained.stderr);
  assert.match(trained.stdout, /Accuracy: 0\.\d+/);
  assert.is(run('evaluate').status, 0, 'evaluating needs no images');
  const predicted = run('predict', '--from', 'test', '--index', '0', '--out', 'out');
  assert.is(predicted.status, 1);
  assert.is(predicted.stderr, "mnist-ts: sharp, the image library that images and reports need, is not installed (it is optional: an install with --omit=optional leaves it out); install it with 'npm install sharp'\n");
});

test.run();
