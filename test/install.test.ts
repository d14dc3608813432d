/**
 * The package as a user installs it: `npm pack`, then `npm install <tarball> --omit=optional` in
 * an empty app. No native binary comes along, and the installed CLI and the README's library
 * examples (run there, importing the installed package by name) train, on threads too.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.js';

const app = mkdtempSync(join(tmpdir(), 'mnist-ts-app-'));
const TSX = import.meta.resolve('tsx');

function sh(command: string, args: string[], cwd = app) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.is(r.status, 0, `${command} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Every file below `dir`, as paths relative to it. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

test.before(() => {
  const tarball = sh('npm', ['pack', '--ignore-scripts', '--pack-destination', app], ROOT).trim().split('\n').at(-1)!;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
  sh('npm', ['install', `./${tarball}`, '--omit=optional', '--prefer-offline', '--no-audit', '--no-fund']);
});

test('--omit=optional installs no native binary: no .node file, no shared library', () => {
  const files = filesBelow(join(app, 'node_modules'));
  assert.ok(files.some((f) => f.endsWith('piscina/package.json')), 'the scan sees the dependencies');
  assert.equal(files.filter((f) => /\.node$|\.so(\.\d+)*$|\.dylib$|\.dll$/.test(f)), []);
});

test('the installed CLI trains an MLP on 2 threads, and evaluate gives the accuracy train printed', () => {
  const trained = sh('npx', ['mnist-ts', 'train', '--model', 'mlp', '--hidden', '32', '--epochs', '1', '--threads', '2', '--json']);
  const final = JSON.parse(trained.trim().split('\n').at(-1)!);
  assert.is(final.saved, 'log/mlp.safetensors');
  const evaluated = JSON.parse(sh('npx', ['mnist-ts', 'evaluate', '--checkpoint', 'log/mlp.safetensors', '--json']));
  assert.is(evaluated.accuracy, final.test_accuracy);
});

test('the README\'s training example runs as written against the installed package, on a 2-thread pool', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const code = /<!-- example:training -->\s*```ts\n([\s\S]*?)```/.exec(readme)![1];
  writeFileSync(join(app, 'training.ts'), code);
  const out = sh(process.execPath, ['--import', TSX, 'training.ts']);
  const epochs = [...out.matchAll(/^epoch (\d): cost ([\d.]+), validation accuracy ([\d.]+)$/gm)];
  assert.equal(epochs.map((m) => m[1]), ['1', '2']);
  assert.ok(Number(epochs[1][3]) > 0.9, `validation accuracy ${epochs[1][3]}`);
});

test.run();
