/**
 * Where a command writes is checked before it works: a folder where a file is named, a file where a
 * folder is, or a path below a file is the flag's one line (exit 2) with nothing written; and
 * `inspect` and `export` replace an existing file only when it holds what they write (or with
 * --force), so a mistyped --out cannot turn a checkpoint or a README into a picture.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runMain } from './helpers/cli.js';
import { softmaxRegression } from '../src/engine/model/models.js';
import { DataError } from '../src/engine/errors.js';
import { writeFileAtomic } from '../src/node/atomic-write.js';
import { saveModel } from '../src/node/model-file.js';

const NOTES = 'notes, not a picture\n';

/** A fresh folder holding notes.txt and an untrained softmax checkpoint, model.safetensors. */
async function folder(): Promise<{ home: string; run: (...args: string[]) => ReturnType<typeof runMain>; files: () => string[] }> {
  const home = mkdtempSync(join(tmpdir(), 'out-paths-'));
  writeFileSync(join(home, 'notes.txt'), NOTES);
  await saveModel(softmaxRegression(), join(home, 'model.safetensors'));
  return { home, run: (...args) => runMain(args, { cwd: home }), files: () => readdirSync(home).sort() };
}

test('a path the command cannot write is its flag\'s one line, exit 2, before any work, and nothing is written or changed', async () => {
  const f = await folder();
  assert.is(spawnSync('mkfifo', [join(f.home, 'pipe')]).status, 0, 'mkfifo');
  const before = f.files();
  const checkpoint = readFileSync(join(f.home, 'model.safetensors'));
  const cases: [string[], string][] = [
    [['inspect', '--index', '0', '--no-preview', '--out', 'notes.txt/digit.png'], '--out: notes.txt/digit.png: notes.txt is a file, not a folder'],
    [['inspect', '--index', '0', '--no-preview', '--out', 'notes.txt'], '--out: notes.txt holds a file that is not a PNG; give another --out FILE, or --force to replace it'],
    [['inspect', '--grid', '4', '--out', 'model.safetensors'], '--out: model.safetensors holds a file that is not a PNG; give another --out FILE, or --force to replace it'],
    [['export', '--checkpoint', 'model.safetensors', '--out', 'notes.txt'], '--out: notes.txt holds a file that is not an ONNX model; give another --out FILE, or --force to replace it'],
    [['export', '--checkpoint', 'model.safetensors', '--format', 'torch', '--out', 'notes.txt'], '--out: notes.txt holds a file that is not a safetensors file; give another --out FILE, or --force to replace it'],
    [['export', '--checkpoint', 'model.safetensors', '--out', 'notes.txt/model.onnx'], '--out: notes.txt/model.onnx: notes.txt is a file, not a folder'],
    [['import', '--layers', 'dense:10', '--from-torch', 'x.safetensors', '--out', 'notes.txt/a/b.safetensors'], '--out: notes.txt/a/b.safetensors: notes.txt is a file, not a folder'],
    [['inspect', '--out', 'digit.png'], '--out: writes the PNG of --index N or --grid K; give one of them'],
    [['inspect', '--index', '0', '--out', 'digit.png', '--out', 'notes.txt'], '--out: notes.txt holds a file that is not a PNG; give another --out FILE, or --force to replace it'],
    [['inspect', '--index', '0', '--out', 'pipe'], '--out: pipe is not a regular file; give another --out FILE, or --force to replace it'],
    // A --data-dir that does not exist: had the data been read first, its line would have come instead.
    [['predict', '--from', 'test', '--data-dir', 'nowhere', '--checkpoint', 'model.safetensors', '--out', 'notes.txt'], '--out: notes.txt is a file; name a folder'],
    [['predict', '--from', 'test', '--data-dir', 'nowhere', '--checkpoint', 'model.safetensors', '--out', 'notes.txt/'], '--out: notes.txt/ is a file; name a folder'],
    [['report', '--checkpoint', 'model.safetensors', '--data-dir', 'nowhere', '--out', 'model.safetensors'], '--out: model.safetensors is a file; name a folder'],
    [['train', '--no-save', '--data-dir', 'nowhere', '--report', 'notes.txt'], '--report: notes.txt is a file; name a folder'],
    [['train', '--no-save', '--data-dir', 'nowhere', '--report', 'log/', '--report', 'notes.txt/'], '--report: notes.txt/ is a file; name a folder'],
    [['train', '--data-dir', 'nowhere', '--save', 'notes.txt/model.safetensors'], '--save: notes.txt/model.safetensors: notes.txt is a file, not a folder'],
    [['train', '--data-dir', 'nowhere', '--save', 'models/'], '--save: models/ is a folder; name a file'],
    [['tutorial', '--data-dir', 'nowhere', '--save', 'notes.txt/model.safetensors'], '--save: notes.txt/model.safetensors: notes.txt is a file, not a folder'],
    [['predict', '--index', '1'], '--index: picks data-set images, with --from train|validation|test'],
    [['predict', 'notes.txt', '--count', '3'], '--count: picks data-set images, with --from train|validation|test; image files are read whole'],
    [['predict', 'notes.txt', '--data-dir', 'nowhere'], '--data-dir: names the folder of the data set, with --from train|validation|test; image files are read whole'],
  ];
  for (const [args, line] of cases) {
    const r = await f.run(...args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr, `mnist-ts: ${line}\n`, args.join(' '));
    assert.is(r.stdout, '', `${args.join(' ')}: refused before any work`);
  }
  assert.equal(f.files(), before, 'no file written');
  assert.is(readFileSync(join(f.home, 'notes.txt'), 'utf8'), NOTES);
  assert.ok(readFileSync(join(f.home, 'model.safetensors')).equals(checkpoint));
});

test('a file of the kind written is replaced, as is an empty one, and --force replaces any', async () => {
  const f = await folder();
  const png = (file: string) => readFileSync(join(f.home, file)).subarray(1, 4).toString();
  for (const args of [['--out', 'digit.png'], ['--out', 'digit.png'], ['--out', 'notes.txt', '--force']]) {
    const r = await f.run('inspect', '--index', '0', '--no-preview', ...args);
    assert.is(r.code, 0, r.stderr);
  }
  assert.is(png('digit.png'), 'PNG');
  assert.is(png('notes.txt'), 'PNG', '--force replaced the notes');
  writeFileSync(join(f.home, 'empty.onnx'), '');
  for (const out of ['model.onnx', 'model.onnx', 'empty.onnx']) {
    const r = await f.run('export', '--checkpoint', 'model.safetensors', '--out', out);
    assert.is(r.code, 0, `${out}: ${r.stderr}`);
  }
  assert.ok(readFileSync(join(f.home, 'empty.onnx')).equals(readFileSync(join(f.home, 'model.onnx'))));
  for (const _ of [1, 2]) {
    const r = await f.run('export', '--checkpoint', 'model.safetensors', '--format', 'torch', '--out', 'model.pt.safetensors');
    assert.is(r.code, 0, `an export for PyTorch replaces the last one: ${r.stderr}`);
  }
});

test('a folder of images with no image in it is the files\' line, exit 1', async () => {
  const f = await folder();
  mkdirSync(join(f.home, 'empty'));
  const r = await f.run('predict', 'empty', '--checkpoint', 'model.safetensors');
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stderr, 'mnist-ts: empty: no image files found (subfolders are read with --recursive)\n');
});

test('a write below a file is one DataError naming the file, and leaves no temporary', () => {
  const home = mkdtempSync(join(tmpdir(), 'out-paths-'));
  writeFileSync(join(home, 'notes.txt'), NOTES);
  const path = join(home, 'notes.txt', 'deeper', 'file.bin');
  assert.throws(() => writeFileAtomic(path, new Uint8Array(4)), (e: Error) => e instanceof DataError && e.message === `${path}: cannot write (a file is in the way of a folder it needs)`);
  assert.equal(readdirSync(home), ['notes.txt']);
});

test.run();
