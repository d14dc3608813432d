import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadMnist, bundledDataDir } from '../src/node/mnist-files.js';
import { readDigitImage } from '../src/node/digit-images.js';
import { centerOfMass, inkBox, fitSize, centerInField } from '../src/data/preprocess.js';
import { encodeCheckpoint } from '../src/train/checkpoint.js';
import { saveCheckpointFile } from '../src/node/checkpoint-file.js';
import { predictPixels } from '../src/node/predict-images.js';
import { softmaxRegression, SGD, trainStep } from '../src/engine/index.js';
import { fillBatch } from '../src/data/dataset.js';
import { BatchSampler } from '../src/data/batches.js';
import { runMain } from './helpers/cli.js';
import { writeSyntheticMnist } from './helpers/synthetic-mnist.js';

const dir = mkdtempSync(join(tmpdir(), 'predict-'));
const mnist = loadMnist({ dataDir: bundledDataDir() });
const digit = (i: number) => mnist.test.pixels.slice(i * 784, (i + 1) * 784);

// A quickly trained model (a few hundred steps in-process) saved as a checkpoint.
const model = softmaxRegression({ init: { kind: 'zeros' } });
{
  const opt = new SGD(0.5);
  const s = new BatchSampler(mnist.train.count, 0, 100);
  const x = new Float32Array(100 * 784);
  const y = new Int32Array(100);
  for (let i = 0; i < 300; i++) {
    fillBatch(mnist.train, s.next(100), 0, 100, x, y);
    trainStep(model, opt, x, y, 100);
  }
}
const modelPath = join(dir, 'model.safetensors');
saveCheckpointFile(modelPath, encodeCheckpoint(model, {}, {
  training: { model: 'softmax', optimizer: 'sgd', lr: 0.5, momentum: 0.9, batchSize: 100, init: 'zeros', initStd: 1, validationSize: 5000, epochs: 1 },
  epochsCompleted: 1, seed: 0, sampler: { epoch: 0, position: 30000 }, metrics: { epochs: [], testAccuracy: null }, optimizer: 'sgd',
}));

async function writeVariant(i: number, name: string, opts: { invert: boolean; scale: number; canvas: [number, number]; at: [number, number]; jpeg?: boolean }) {
  const px = Buffer.from(digit(i).map((v) => (opts.invert ? 255 - v : v)));
  const big = await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).resize(28 * opts.scale, 28 * opts.scale, { kernel: 'cubic' }).png().toBuffer();
  const bg = opts.invert ? '#f2efe8' : '#000000';
  const img = sharp({ create: { width: opts.canvas[0], height: opts.canvas[1], channels: 3, background: bg } }).composite([{ input: big, left: opts.at[0], top: opts.at[1] }]);
  const path = join(dir, name);
  await (opts.jpeg ? img.jpeg({ quality: 90 }) : img.png()).toFile(path);
  return path;
}

test('preprocessing lands within one pixel of MNIST\'s centring', async () => {
  const variants = [
    { name: 'dark-on-light.png', invert: true, scale: 1, canvas: [60, 60], at: [16, 16] },
    { name: 'off-centre.png', invert: false, scale: 2, canvas: [200, 120], at: [130, 10] },
    { name: 'large-canvas.png', invert: true, scale: 9, canvas: [1200, 900], at: [700, 500] },
    { name: 'photo.jpg', invert: true, scale: 4, canvas: [400, 300], at: [40, 150], jpeg: true },
  ] as const;
  for (const i of [0, 1, 2, 3]) {
    const original = { width: 28, height: 28, pixels: digit(i) };
    const want = centerOfMass(original);
    for (const v of variants) {
      const path = await writeVariant(i, `${i}-${v.name}`, { ...v, canvas: [...v.canvas], at: [...v.at] });
      const got = await readDigitImage(path);
      assert.is(got.inverted, v.invert, `${v.name}: inverted`);
      const com = centerOfMass(got.image);
      assert.ok(Math.abs(com.x - 14) <= 1 && Math.abs(com.y - 14) <= 1, `${v.name} digit ${i}: centre of mass (${com.x.toFixed(2)}, ${com.y.toFixed(2)})`);
      assert.ok(Math.abs(com.x - want.x) <= 1 && Math.abs(com.y - want.y) <= 1, `${v.name} digit ${i}: MNIST's own centre (${want.x.toFixed(2)}, ${want.y.toFixed(2)})`);
      const box = inkBox(got.image)!;
      assert.ok(Math.max(box.width, box.height) <= 21 && Math.max(box.width, box.height) >= 18, `${v.name}: fits the 20×20 box (${box.width}×${box.height})`);
    }
  }
});

test('pure helpers: fit keeps the aspect ratio; centring moves the mass to the middle', () => {
  assert.equal(fitSize(10, 40), { width: 5, height: 20 });
  assert.equal(fitSize(300, 150), { width: 20, height: 10 });
  const dot = { width: 3, height: 3, pixels: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 255]) };
  const field = centerInField(dot);
  const com = centerOfMass(field);
  assert.ok(Math.abs(com.x - 14) <= 0.5 && Math.abs(com.y - 14) <= 0.5);
});

test('real test digits written as PNG and read back predict exactly as the arrays do', async () => {
  const indices = Array.from({ length: 20 }, (_, i) => i * 37);
  const fromArrays = await predictPixels(model, indices.map((i) => ({ source: `test[${i}]`, pixels: digit(i), label: mnist.test.labels[i] })));
  const pngDir = join(dir, 'pngs');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(pngDir, { recursive: true });
  for (const i of indices) await sharp(Buffer.from(digit(i)), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(pngDir, `t${String(i).padStart(4, '0')}.png`));
  const r = await runMain(['predict', '--checkpoint', modelPath, pngDir, '--json']);
  assert.is(r.code, 0, r.stderr);
  const fromFiles = JSON.parse(r.stdout);
  assert.is(fromFiles.length, 20);
  fromFiles.forEach((p: { predicted: number; probabilities: number[] }, k: number) => {
    assert.is(p.predicted, fromArrays[k].predicted);
    p.probabilities.forEach((v, d) => assert.ok(Math.abs(v - fromArrays[k].probabilities[d]) < 1e-6));
  });
});

test('data-set samples: the tutorial\'s two training images, with --out', async () => {
  const out = join(dir, 'out');
  const r = await runMain(['predict', '--checkpoint', modelPath, '--from', 'train', '--index', '0,1', '--out', out]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /train\[0\]\s+7.*\[0,0,0,0,0,0,0,1,0,0\]/);
  assert.match(r.stdout, /train\[1\]\s+\d.*\s3\s+\[0,0,0,1,0,0,0,0,0,0\]/);
  const csv = readFileSync(join(out, 'predictions.csv'), 'utf8').trim().split('\n');
  assert.is(csv.length, 3);
  assert.is(csv[0], 'source,predicted,confidence,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9,label,preview');
  const json = JSON.parse(readFileSync(join(out, 'predictions.json'), 'utf8'));
  assert.is(json[0].label, 7);
  assert.is(json[0].probabilities.length, 10);
  assert.ok(existsSync(join(out, 'contact-sheet.png')));
  assert.equal(readdirSync(join(out, 'previews')), ['001-train_0.png', '002-train_1.png']);
  assert.equal(readdirSync(out).filter((f) => f.startsWith('.')), [], 'no temporary files left');
});

test('--count with --random is a seeded pick', async () => {
  const a = await runMain(['predict', '--checkpoint', modelPath, '--from', 'test', '--count', '3', '--random', '--seed', '5', '--json']);
  const b = await runMain(['predict', '--checkpoint', modelPath, '--from', 'test', '--count', '3', '--random', '--seed', '5', '--json']);
  const other = await runMain(['predict', '--checkpoint', modelPath, '--from', 'test', '--count', '3', '--random', '--seed', '6', '--json']);
  const first = await runMain(['predict', '--checkpoint', modelPath, '--from', 'test', '--count', '3', '--json']);
  const sources = (r: typeof a) => {
    assert.is(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).map((p: { source: string }) => p.source) as string[];
  };
  assert.equal(sources(a), sources(b), 'the same seed, the same pick');
  assert.is(new Set(sources(a)).size, 3, 'three different images');
  assert.equal(sources(first), ['test[0]', 'test[1]', 'test[2]'], 'without --random, the first three');
  assert.not.equal(sources(a), sources(first), '--random picks other images than the first three');
  assert.not.equal(sources(a), sources(other), 'another seed, another pick');
});

test('bad inputs: one line each, the rest still predicted, non-zero exit', async () => {
  const mixed = join(dir, 'mixed');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(mixed);
  await sharp(Buffer.from(digit(0)), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(mixed, 'a-good.png'));
  writeFileSync(join(mixed, 'b-empty.png'), '');
  writeFileSync(join(mixed, 'c-text.png'), 'this is not an image');
  await sharp({ create: { width: 50, height: 50, channels: 3, background: '#ffffff' } }).png().toFile(join(mixed, 'd-blank.png'));
  writeFileSync(join(mixed, 'notes.txt'), 'not read: no image extension');
  mkdirSync(join(mixed, 'older'));
  await sharp(Buffer.from(digit(1)), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(mixed, 'older', 'e-nested.png'));
  const r = await runMain(['predict', '--checkpoint', modelPath, mixed, join(dir, 'missing.png'), '--out', join(dir, 'mixed-out')]);
  assert.is(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0], /^mnist-ts: note: .*mixed: skipped 1 file that is not an image by name \(notes\.txt\) and 1 subfolder \(older\/; --recursive reads them\)$/);
  assert.match(lines[1], /b-empty\.png: empty file, expected an image$/);
  assert.match(lines[2], /c-text\.png: not an image that can be read/);
  assert.match(lines[3], /d-blank\.png: no digit found/);
  assert.match(lines[4], /missing\.png: cannot read \(no such file\)$/);
  assert.match(lines[5], /4 of 5 inputs could not be read \(see above\); the other 1 was predicted/);
  assert.not.match(r.stdout, 'e-nested');
  const deep = await runMain(['predict', '--checkpoint', modelPath, mixed, '--recursive', '--json']);
  assert.match(deep.stderr, /3 of 5 inputs could not be read \(see above\); the other 2 were predicted/);
  assert.match(deep.stderr, /note: .*mixed: skipped 1 file that is not an image by name \(notes\.txt\)\n/, 'with --recursive, no subfolder is skipped');
  assert.equal(JSON.parse(deep.stdout).map((p: { source: string }) => p.source.split('/').slice(-2).join('/')), ['mixed/a-good.png', 'older/e-nested.png']);
  assert.match(r.stdout, /a-good\.png\s+7/);
  assert.ok(existsSync(join(dir, 'mixed-out', 'predictions.csv')));
});

test('a model whose shapes do not fit the data: one line', async () => {
  const syn = writeSyntheticMnist({ rows: 32, cols: 32, train: 20, test: 10 });
  const r = await runMain(['predict', '--checkpoint', modelPath, '--from', 'test', '--data-dir', syn]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^mnist-ts: .*model\.safetensors: the model takes 784 inputs, but test images have 1024 pixels\n$/);
  const e = await runMain(['evaluate', '--checkpoint', modelPath, '--data-dir', syn]);
  assert.match(e.stderr, /the model takes 784 inputs, but the images have 1024 pixels/);
  const v = await runMain(['evaluate', '--checkpoint', modelPath, '--data-dir', syn, '--split', 'validation', '--validation-size', '5']);
  assert.match(v.stderr, /the model takes 784 inputs, but the images have 1024 pixels/);
  const none = await runMain(['predict', '--checkpoint', modelPath]);
  assert.is(none.code, 2);
  assert.match(none.stderr, /nothing to predict/);
});

test('--validation-size where no validation split is read: refused, exit 2', async () => {
  const e = await runMain(['evaluate', '--checkpoint', modelPath, '--validation-size', '5000']);
  assert.is(e.code, 2);
  assert.is(e.stderr, 'mnist-ts: --validation-size: sizes the validation split, cut from the training set; this is --split test\n');
  const fromTest = await runMain(['predict', '--checkpoint', modelPath, '--from', 'test', '--validation-size', '5000']);
  assert.is(fromTest.code, 2);
  assert.match(fromTest.stderr, /^mnist-ts: --validation-size: .* for --from train or validation; this is --from test\n$/);
  const files = await runMain(['predict', '--checkpoint', modelPath, 'digit.png', '--validation-size', '5000']);
  assert.is(files.code, 2);
  assert.match(files.stderr, /this is a prediction of image files\n$/);
});

test.run();
