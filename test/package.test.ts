/**
 * The package as npm packs it: the built code, README and its picture, no source maps (they would
 * point at sources the package does not carry), no tests; sharp, the one native dependency, is
 * optional, and without it everything but previews, reports and images other than PNG works, and
 * those say how to get it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { cliEnv, ROOT } from './helpers/cli.js';
import { writeMnistSubset } from './helpers/synthetic-mnist.js';
import { loadMnistTest } from '../src/node/mnist-files.js';

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

test('sharp is the only native dependency, and optional; no install script (npm warns whoever installs a package with one)', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(Object.keys(pkg.scripts).filter((s) => /^(pre|post)?(install|prepare)$/.test(s)), []);
  assert.is(pkg.dependencies.sharp, undefined);
  assert.ok(pkg.optionalDependencies.sharp);
});

test('without sharp: training works, PNG digits are read, and previews or other formats say in one line how to get it', async () => {
  const home = mkdtempSync(join(tmpdir(), 'no-sharp-'));
  // 2000 training images (after the 5000 held out) and 1000 test images: what matters is what runs without sharp.
  const data = ['--data-dir', await writeMnistSubset(7000, 1000)];
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', NO_SHARP, CLI, ...args], { encoding: 'utf8', cwd: home, env: cliEnv() });
  const trained = run('train', '--epochs', '1', '--threads', '2', ...data);
  assert.is(trained.status, 0, trained.stderr);
  assert.match(trained.stdout, /Accuracy: 0\.\d+/);
  assert.is(run('evaluate', ...data).status, 0, 'evaluating needs no images');
  const predicted = run('predict', '--from', 'test', '--index', '0', '--out', 'out', ...data);
  assert.is(predicted.status, 1);
  const sharpLine = "sharp, the image library that PNG previews, reports and images other than PNG need, is not installed (it is optional: an install with --omit=optional leaves it out); install it with 'npm install sharp'";
  assert.is(predicted.stderr, `mnist-ts: ${sharpLine}\n`);
  // Test image 0 as a PNG (made here, where sharp is), read back without sharp: the data set's own prediction.
  const test0 = JSON.parse(run('predict', '--from', 'test', '--index', '0', '--json', ...data).stdout)[0];
  const pixels = Buffer.from(loadMnistTest().test.pixels.subarray(0, 784));
  writeFileSync(join(home, 'digit.png'), await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer());
  const fromPng = run('predict', 'digit.png', '--json');
  assert.is(fromPng.status, 0, fromPng.stderr);
  assert.equal(JSON.parse(fromPng.stdout)[0].probabilities, test0.probabilities);
  writeFileSync(join(home, 'digit.jpg'), await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).jpeg().toBuffer());
  const fromJpeg = run('predict', 'digit.jpg');
  assert.is(fromJpeg.stderr, `mnist-ts: digit.jpg: not a PNG, and ${sharpLine}\nmnist-ts: 1 of 1 input could not be read (see above)\n`);
});

test('the built package resolves by name, types first in its exports', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  for (const entry of ['.', './train', './node', './interop']) assert.equal(Object.keys(pkg.exports[entry]), ['types', 'default'], entry);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', "import * as m from 'mnist-ts'; import * as n from 'mnist-ts/node'; console.log(typeof m.matmulRaw, typeof n.fit)"], { cwd: ROOT, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), 'function function');
});

test.run();
