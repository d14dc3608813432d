/** The architecture, guarded: the engine and the data code run wherever JavaScript runs. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './helpers/cli.js';

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(dir: string): { file: string; spec: string }[] {
  const out: { file: string; spec: string }[] = [];
  for (const name of readdirSync(join(ROOT, dir), { recursive: true }) as string[]) {
    if (!name.endsWith('.ts')) continue;
    const text = readFileSync(join(ROOT, dir, name), 'utf8');
    for (const m of text.matchAll(IMPORT)) out.push({ file: `${dir}/${name}`, spec: m[1] ?? m[2] });
  }
  return out;
}

/** Whether a relative import of `file` lands inside `dir` (both relative to the repository). */
function staysIn(dir: string, { file, spec }: { file: string; spec: string }): boolean {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return false;
  const target = join(dirname(file), spec);
  return target.startsWith(`${dir}/`);
}

test('engine files import only other engine files', () => {
  const found = importsOf('src/engine');
  assert.ok(found.length > 10, 'the scan sees the imports');
  assert.ok(found.some(({ file }) => file.startsWith('src/engine/wasm/')), 'the scan reads the engine\'s subfolders');
  const bad = found.filter((i) => !staysIn('src/engine', i));
  assert.equal(bad, [], 'no node:*, sharp, yargs, piscina or anything outside src/engine');
});

// pica is the one library the data code takes: a resizer in plain JavaScript that runs in
// browsers and Node alike (the draw-a-digit page preprocesses with this very code).
test('data files import only the engine, each other and pica', () => {
  const found = importsOf('src/data');
  assert.ok(found.some(({ spec }) => spec === 'pica'), 'the scan sees the resizer');
  const bad = found.filter(({ spec }) => !(spec.startsWith('./') || spec.startsWith('../engine/') || spec === 'pica'));
  assert.equal(bad, []);
});

test('training files import only the engine, the data code and each other', () => {
  const found = importsOf('src/train');
  assert.ok(found.some(({ file }) => file.startsWith('src/train/pool/')), 'the scan reads the parallel trainer too');
  const bad = found.filter((i) => !['src/train', 'src/engine', 'src/data'].some((dir) => staysIn(dir, i)));
  assert.equal(bad, []);
});

test('report files (colour maps, rankings, SVG charts) import only the engine and each other', () => {
  const found = importsOf('src/report');
  assert.ok(found.length > 3, 'the scan sees the imports');
  assert.equal(found.filter(({ spec }) => !(spec.startsWith('./') || spec.startsWith('../engine/'))), []);
});

// protobufjs encodes ONNX (with the published message definitions, onnx-schema.ts): plain JavaScript.
test('interop files (ONNX, PyTorch) import only the engine, the training code, each other and protobufjs', () => {
  const found = importsOf('src/interop');
  assert.ok(found.some(({ spec }) => spec === 'protobufjs'), 'the scan sees the encoder');
  const bad = found.filter((i) => !(i.spec === 'protobufjs' || ['src/interop', 'src/engine', 'src/train'].some((dir) => staysIn(dir, i))));
  assert.equal(bad, []);
});

test('the page imports the portable code only (engine, data, training, report pieces), never Node\'s side or the CLI', () => {
  const found = importsOf('src/web');
  assert.ok(found.some(({ spec }) => spec.startsWith('../engine/')), 'the scan sees the page\'s imports');
  const portable = ['./', '../engine/', '../data/', '../train/', '../report/'];
  assert.equal(found.filter(({ spec }) => !portable.some((p) => spec.startsWith(p))), []);
});

test('the scan would catch a forbidden import', () => {
  assert.not.ok(staysIn('src/engine', { file: 'src/engine/wasm/a.ts', spec: '../../node/images.js' }));
  assert.ok(staysIn('src/engine', { file: 'src/engine/wasm/a.ts', spec: '../errors.js' }));
  const sample = "import sharp from 'sharp';\nexport { x } from 'node:fs';\nconst y = await import('piscina');";
  assert.equal([...sample.matchAll(IMPORT)].map((m) => m[1] ?? m[2]), ['sharp', 'node:fs', 'piscina']);
});

test.run();
