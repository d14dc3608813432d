import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runMain } from './helpers/cli.js';
import { writeSyntheticMnist } from './helpers/synthetic-mnist.js';

const out = mkdtempSync(join(tmpdir(), 'inspect-'));

test('inspect prints the tutorial shapes, pixel range and per-digit counts', async () => {
  const r = await runMain(['inspect']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'train:      images [55000, 784]  labels [55000, 10]');
  assert.match(r.stdout, 'validation: images [5000, 784]  labels [5000, 10]');
  assert.match(r.stdout, 'test:       images [10000, 784]  labels [10000, 10]');
  assert.match(r.stdout, 'float32 in [0, 1]');
  assert.match(r.stdout, /test\s+980\s+1135\s+1032\s+1010\s+982\s+892\s+958\s+1028\s+974\s+1009\s+10000/);
});

test('--index renders one digit as a labelled PNG, with label and terminal preview', async () => {
  const png = join(out, 'digit.png');
  const r = await runMain(['inspect', '--index', '0', '--out', png, '--scale', '4']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'train[0]: label 7  one-hot [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]');
  assert.match(r.stdout, '█');
  const meta = await sharp(png).metadata();
  assert.is(meta.format, 'png');
  // The 112×112 digit (28 at 4×) in a cell at least 116 wide, 6 px of margin, a caption line under it.
  assert.is(meta.width, 124);
  assert.is(meta.height, 112 + 12 + 20);
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => data[y * info.width + x];
  assert.is(at(6, 6), 0, 'the digit\'s dark background at its corner');
  assert.is(at(0, 0), 255, 'white paper around it');
  let ink = 0;
  for (let y = 6; y < 118; y++) for (let x = 6; x < 118; x++) ink = Math.max(ink, at(x, y));
  assert.ok(ink >= 250, 'bright ink');
  let caption = 255;
  for (let y = 119; y < info.height; y++) for (let x = 0; x < info.width; x++) caption = Math.min(caption, at(x, y));
  assert.ok(caption < 128, 'dark caption text under the digit');
  assert.match(r.stdout, `wrote ${png} (124×144: the digit at 4×, its label under it)`);
});

test('--grid renders a sheet', async () => {
  const png = join(out, 'grid.png');
  const r = await runMain(['inspect', '--grid', '9', '--out', png, '--scale', '1']);
  assert.is(r.code, 0, r.stderr);
  const meta = await sharp(png).metadata();
  // 3 × 3 cells of at least 116 px wide, each the 28 px digit, 12 px of margin and a caption line.
  assert.is(meta.width, 3 * 116);
  assert.is(meta.height, 3 * (28 + 12 + 20));
  assert.match(r.stdout, 'each captioned "index: label"; labels: 7 3 4 6 1 8 1 0 9');
});

test('bad input: one line, no stack trace, non-zero exit', async () => {
  const cases: [string[], RegExp][] = [
    [['inspect', '--data-dir', join(out, 'nowhere')], /^mnist-ts: --data-dir .*nowhere: missing train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte \(raw or \.gz\); looked in .*nowhere\n$/],
    [['inspect', '--validation-size', '70000'], /^mnist-ts: --validation-size: 70000, expected an integer from 0 to 60000/],
    [['inspect', '--validation-size', '-1'], /^mnist-ts: --validation-size: -1, expected a whole number >= 0\n$/],
    [['inspect', '--index', '55000'], /^mnist-ts: --index: 55000, expected a whole number from 0 to 54999\n$/],
    [['inspect', '--grid', '4'], /^mnist-ts: --grid: needs --out FILE.png/],
    [['inspect', '--bogus'], /^mnist-ts: unknown flag --bogus; see mnist-ts inspect --help\n$/],
    [['inspect', '--grid', '10', '--data-dir', join(out, 'nowhere')], /^mnist-ts: --grid: needs --out FILE.png/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runMain(args);
    assert.ok(r.code !== 0, `${args.join(' ')} should fail`);
    assert.match(r.stderr, pattern);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    assert.is(r.stdout, '', 'flags are checked before the data summary is printed');
  }
});

test('other image sizes work end to end', async () => {
  const dir = writeSyntheticMnist({ rows: 6, cols: 5, train: 50 });
  const r = await runMain(['inspect', '--data-dir', dir, '--validation-size', '10', '--index', '2', '--out', join(out, 'small.png')]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'train:      images [40, 30]');
  assert.ok(existsSync(join(out, 'small.png')));
});

test.run();
