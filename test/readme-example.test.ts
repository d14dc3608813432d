/**
 * The README's library example, run exactly as written against the built package (dist/, imported
 * by its public name), in a fresh process that must not load sharp or any native module.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.js';

function exampleCode(name = 'library'): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- example:${name} -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(readme);
  assert.ok(m, `README has the ${name} example`);
  return m![1];
}

/** Writes the README example `name` (with `suffix` appended) to a file and runs it in a fresh process. */
function runExample(name: string, suffix = ''): { status: number | null; stdout: string; stderr: string } {
  const dir = join(ROOT, '.example-tmp');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-example.ts`);
  writeFileSync(file, `${exampleCode(name)}${suffix}`);
  try {
    return spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the README library example runs on the built package and learns', () => {
  // Report which shared objects the process loaded, to prove no native module came along.
  const r = runExample('library', `\nconsole.log('SHARED ' + JSON.stringify((process as any).report.getReport().sharedObjects));\n`);
  assert.is(r.status, 0, r.stderr);
  const acc = Number(/accuracy ([\d.]+)/.exec(r.stdout)?.[1]);
  assert.ok(acc > 0.95, `accuracy ${acc}`);
  const p = Number(/= ([\d.]+)/.exec(r.stdout)?.[1]);
  assert.ok(p > 0.5, `P(positive) ${p}`);
  const shared: string[] = JSON.parse(/SHARED (.*)/.exec(r.stdout)![1]);
  assert.ok(shared.length > 0);
  assert.equal(shared.filter((s) => /sharp|vips|\.node$/.test(s)), [], 'no native module loaded');
});

test('the README CNN example runs on the built package: a small convolutional net learns strokes', () => {
  const r = runExample('cnn');
  assert.is(r.status, 0, r.stderr);
  const acc = Number(/accuracy ([\d.]+)/.exec(r.stdout)?.[1]);
  assert.ok(acc > 0.95, `accuracy ${acc}`);
  assert.match(r.stdout, 'conv2d0.weight [4, 1, 3, 3], conv2d0.bias [4], dense0.weight [100, 2], dense0.bias [2]');
});

test('the README training example runs on the built package, on a 2-thread pool, and exits', () => {
  const r = runExample('training');
  assert.is(r.status, 0, r.stderr);
  const epochs = [...r.stdout.matchAll(/^epoch (\d): cost ([\d.]+), validation accuracy ([\d.]+)$/gm)];
  assert.equal(epochs.map((m) => m[1]), ['1', '2']);
  assert.ok(Number(epochs[1][2]) < Number(epochs[0][2]), 'the cost falls');
  assert.ok(Number(epochs[1][3]) > 0.9, `validation accuracy ${epochs[1][3]}`);
});

test('the README kernels example runs on the built package: SIMD here, within rounding of the JS kernels', () => {
  const r = runExample('kernels');
  assert.is(r.status, 0, r.stderr);
  const m = /^(simd|js) kernels; largest difference from the JS kernels: ([\d.e+-]+)$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.is(m![1], 'simd', 'Node 20 has WebAssembly SIMD');
  assert.ok(Number(m![2]) > 0 && Number(m![2]) < 1e-5, `difference ${m![2]}`);
});

test('the built package resolves by name, types first in exports', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(Object.keys(pkg.exports['.']), ['types', 'default']);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', "import * as m from 'mnist-ts'; console.log(typeof m.matmulRaw, typeof m.parseIdx)"], { cwd: ROOT, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), 'function function');
});

test.run();
