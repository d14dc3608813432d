import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadMnist, bundledDataDir } from '../src/node/mnist-files.js';
import { writeReport } from '../src/node/report-writer.js';
import { initialParameters } from '../src/report/weights.js';
import { encodeCheckpoint, decodeCheckpoint } from '../src/train/checkpoint.js';
import { saveCheckpointFile } from '../src/node/checkpoint-file.js';
import { csrFromSplit } from '../src/train/training-data.js';
import { evaluateData } from '../src/train/evaluate-data.js';
import { train } from '../src/train/trainer.js';
import { softmaxRegression, mlp, SGD, zeros } from '../src/engine/index.js';
import { diverging, largestUnits, rankMistakes } from '../src/report/index.js';
import { runMain } from './helpers/cli.js';
import { writeMnistSubset } from './helpers/synthetic-mnist.js';
import { assertSameBits } from './helpers/bits.js';

const mnist = loadMnist({ dataDir: bundledDataDir() });
const dir = mkdtempSync(join(tmpdir(), 'report-'));
const model = softmaxRegression({ init: zeros() });
const data = { ...csrFromSplit(mnist.train, 10) };
const result = await train(model, { ...data, count: 20000 }, { epochs: 2, batchSize: 100, seed: 0, optimizer: new SGD(0.5), validation: csrFromSplit(mnist.validation, 10) });
const meta = {
  training: { model: 'softmax', optimizer: 'sgd', lr: 0.5, momentum: 0.9, batchSize: 100, init: 'zeros', initStd: 1, validationSize: 5000, epochs: 2 },
  epochsCompleted: 2, seed: 0, sampler: result.state.sampler,
  metrics: { epochs: result.history.map((e) => ({ epoch: e.epoch, cost: e.cost, validationAccuracy: e.validationAccuracy ?? null })), testAccuracy: null },
  optimizer: 'sgd',
};
const modelPath = join(dir, 'model.safetensors');
saveCheckpointFile(modelPath, encodeCheckpoint(model, {}, meta));

function referencedFiles(html: string): string[] {
  return [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
}

test('colour map and rankings', () => {
  assert.equal(diverging(0), [255, 255, 255]);
  assert.ok(diverging(1)[0] > diverging(1)[2], 'positive is red');
  assert.ok(diverging(-1)[2] > diverging(-1)[0], 'negative is blue');
  assert.equal(largestUnits(Float32Array.from([1, 0, 3, 0, 1, 0]), 2, 3, 2), [2, 0]);
  const p = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.6, 0.4]);
  assert.equal(rankMistakes(p, [1, 1, 1], 2).map((m) => m.index), [0, 2]);
  // Confidences that all round to 1 in float32 are still told apart, and ordered, by the margin.
  const logits = Float32Array.from([40, 0, 0, 25, 60, 0]);
  const rounded = Float32Array.from([1, 0, 0, 1, 1, 0]);
  const ranked = rankMistakes(rounded, [1, 0, 1], 2, logits);
  assert.equal(ranked.map((m) => [m.index, m.margin]), [[2, 60], [0, 40], [1, 25]]);
});

test('training curves: ticks, labels and a grid on both axes', async () => {
  const { trainingCurvesSvg, niceTicks } = await import('../src/report/charts.js');
  assert.equal(niceTicks(0.1, 0.9), [0.2, 0.4, 0.6, 0.8]);
  assert.equal(niceTicks(0, 25, 6), [0, 5, 10, 15, 20, 25]);
  const { svg } = trainingCurvesSvg([2.5, 1.2, 0.9], [0.81, 0.86, 0.88]);
  const xLabels = [...svg.matchAll(/text-anchor="middle">(\d+)<\/text>/g)].map((m) => m[1]);
  assert.equal(xLabels, ['1', '2', '3', '1', '2', '3'], 'every epoch marked on both panels');
  const grid = [...svg.matchAll(/<line x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" y2="([\d.]+)" stroke="#e3e3e3"\/>/g)];
  assert.ok(grid.some((m) => m[1] === m[2]) && grid.some((m) => m[3] === m[4]), 'vertical and horizontal grid lines');
  assert.ok((svg.match(/>epoch</g) ?? []).length === 2, 'the x axis is named');
  const yLabels = [...svg.matchAll(/text-anchor="end">([^<]+)<\/text>/g)].map((m) => m[1]);
  assert.equal(yLabels, ['1.0', '1.5', '2.0', '2.5', '0.82', '0.84', '0.86', '0.88'], 'round values, as many decimals as the step needs');
});

test("one curve on its own (the page's charts): the same panel, scalable, and a note before the first epoch", async () => {
  const { curveSvg } = await import('../src/report/charts.js');
  const { svg } = curveSvg('cost', [2.5, 1.2, 0.9], '#1f77b4');
  assert.match(svg, /^<svg [^>]*viewBox="0 0 400 300"/);
  assert.equal([...svg.matchAll(/text-anchor="middle">(\d+)<\/text>/g)].map((m) => m[1]), ['1', '2', '3']);
  assert.equal([...svg.matchAll(/text-anchor="end">([^<]+)<\/text>/g)].map((m) => m[1]), ['1.0', '1.5', '2.0', '2.5']);
  assert.match(curveSvg('cost', [], '#000').svg, />cost: no epochs yet</);
});

test('report: images of the right sizes, ten different weight maps, gallery matches evaluate, index.html links only real files', async () => {
  const out = join(dir, 'out');
  const r = await runMain(['report', '--checkpoint', modelPath, '--out', out, '--max', '25']);
  assert.is(r.code, 0, r.stderr);
  for (const f of ['weights.png', 'confusion.png', 'mistakes.png', 'curves.png', 'index.html']) assert.ok(existsSync(join(out, f)), f);
  const weights = await sharp(join(out, 'weights.png')).metadata();
  // 2 rows of 5 cells: the 140 px map, 12 px of margin, a caption line; then the colour legend.
  assert.is(weights.width, 5 * 152);
  assert.is(weights.height, 2 * (140 + 12 + 20) + 58);
  const curves = await sharp(join(out, 'curves.png')).metadata();
  assert.equal([curves.width, curves.height], [860, 330]);
  const confusion = await sharp(join(out, 'confusion.png')).metadata();
  assert.equal([confusion.width, confusion.height], [70 + 480 + 20, 60 + 480 + 20]);
  const gallery = await sharp(join(out, 'mistakes.png')).metadata();
  assert.equal([gallery.width, gallery.height], [10 * 146, 3 * (84 + 12 + 2 * 16 + 4)], 'exactly 25 digits: 3 rows of 10');
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.match(html, '<p class="model">softmax regression 784→10 · 2 epochs of sgd (lr 0.5, batch 100) · seed 0 · test accuracy 0.');
  assert.match(html, 'the largest margin first', 'the gallery says how it is ordered');
  assert.match(html, "Each digit's column of W drawn as an image, showing the weights:", 'a zeros start is drawn as it is');
  const refs = referencedFiles(html);
  assert.equal(refs, ['weights.png', 'confusion.png', 'mistakes.png', 'curves.png']);
  for (const f of refs) assert.ok(existsSync(join(out, f)), `${f} exists`);
  // the accuracy and mistake count agree with evaluate
  const ev = evaluateData(model, csrFromSplit(mnist.test, 10));
  assert.match(r.stdout, `test accuracy ${ev.accuracy.toFixed(4)}, ${Math.round((1 - ev.accuracy) * 10000)} mistakes, 25 shown`);
});

test('the ten weight maps differ from each other', async () => {
  const { weightMaps } = await import('../src/report/weights.js');
  const maps = weightMaps(decodeCheckpoint(readFileSync(modelPath), 'm').model, 28, 28).maps;
  assert.is(maps.length, 10);
  const keys = new Set(maps.map((m) => Buffer.from(m.rgb).toString('base64')));
  assert.is(keys.size, 10);
});

test('gallery holds min(errors, max) digits; a model with few errors shows them all', async () => {
  const small = await writeReport(join(dir, 'few'), { model, meta: { format: 'mnist-ts/1', architecture: model.spec(), ...meta }, test: { ...mnist.test, count: 40, pixels: mnist.test.pixels.subarray(0, 40 * 784), labels: mnist.test.labels.subarray(0, 40) }, classes: 10, maxMistakes: 1000, source: 'm' });
  assert.is(small.shownMistakes, small.mistakes.length);
  assert.ok(small.mistakes.length < 40);
  const ev = evaluateData(model, csrFromSplit({ ...mnist.test, count: 40, pixels: mnist.test.pixels.subarray(0, 40 * 784), labels: mnist.test.labels.subarray(0, 40) }, 10));
  const wrong = Array.from(ev.predictions).map((p, i) => (p !== ev.labels[i] ? i : -1)).filter((i) => i >= 0);
  assert.equal(small.mistakes.map((m) => m.index).sort((a, b) => a - b), wrong, 'the same digits evaluate gets wrong');
  for (const m of small.mistakes) assert.is(m.predicted, ev.predictions[m.index]);
});

test('a checkpoint without metrics history still gets every other image, and a note', async () => {
  const bare = join(dir, 'bare.safetensors');
  saveCheckpointFile(bare, encodeCheckpoint(mlp({ hidden: [20] }).initialize(1), {}, { ...meta, training: { ...meta.training, model: 'mlp' }, metrics: { epochs: [], testAccuracy: null } }));
  const out = join(dir, 'bare');
  const r = await runMain(['report', '--checkpoint', bare, '--out', out]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /note: No training curves: .*bare\.safetensors holds no metrics history/);
  assert.not.ok(existsSync(join(out, 'curves.png')));
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.match(html, 'No training curves');
  for (const f of referencedFiles(html)) assert.ok(existsSync(join(out, f)), f);
  const weights = await sharp(join(out, 'weights.png')).metadata();
  assert.is(weights.width, 8 * 152, 'MLP: 16 units with the largest norms, 8 per row');
});

test('a seeded random start is subtracted: W − W₀ is drawn, W₀ regenerated from the checkpoint', async () => {
  const start = softmaxRegression().initialize(5);
  const trained = softmaxRegression().initialize(5);
  await train(trained, { ...data, count: 2000 }, { epochs: 1, batchSize: 100, seed: 5, optimizer: new SGD(0.01) });
  const m = { ...meta, seed: 5, training: { ...meta.training, init: 'normal', lr: 0.01 } };
  const full = { format: 'mnist-ts/1', architecture: trained.spec(), ...m };
  assertSameBits(initialParameters(full.architecture, full.seed)!, start.params, 'W₀ is the start, bit for bit');
  assert.is(initialParameters(model.spec(), full.seed), undefined, 'a zeros start is not subtracted');
  const r = await writeReport(join(dir, 'delta'), { model: trained, meta: full, test: mnist.test, classes: 10, maxMistakes: 0, source: 'm' });
  const html = readFileSync(join(dir, 'delta', 'index.html'), 'utf8');
  assert.match(html, 'Weight templates: what training changed');
  assert.match(html, 'W − W₀, the weights minus the random ones they started from (normal init, regenerated from seed 5)');
  const { weightMaps } = await import('../src/report/weights.js');
  const delta = weightMaps(trained, 28, 28, { initial: start.params });
  const raw = weightMaps(trained, 28, 28);
  assert.ok(delta.delta && !raw.delta);
  assert.ok(delta.sharedScale! < raw.sharedScale! / 5, `the change (±${delta.sharedScale}) is small beside N(0, 1) weights (±${raw.sharedScale})`);
  // --max 0: no gallery, and the note says it was not asked for rather than that there are no mistakes
  assert.ok(r.mistakes.length > 0);
  assert.is(r.shownMistakes, 0);
  assert.equal(r.notes, [`No mistakes gallery: not asked for (--max 0); the model makes ${r.mistakes.length} mistakes on the test set.`]);
  assert.not.ok(existsSync(join(dir, 'delta', 'mistakes.png')));
});

test('any --layers model gets its weight picture, whatever its first layer', async () => {
  const { fromLayers } = await import('../src/engine/index.js');
  const few = { ...mnist.test, count: 50, pixels: mnist.test.pixels.subarray(0, 50 * 784), labels: mnist.test.labels.subarray(0, 50) };
  const cases: [string, string, number][] = [
    ['pool:2,flatten,dense:10', 'digit templates', 14],
    ['dropout:0.2,dense:10', 'digit templates', 28],
    ['pool:2,dense:32,relu,dense:10', 'units', 14],
    ['relu,conv:4:3,pool:2,flatten,dense:10', 'filters', 3],
  ];
  for (const [text, kind, side] of cases) {
    const net = fromLayers(text).initialize(2);
    const full = { format: 'mnist-ts/1', architecture: net.spec(), ...meta, training: { ...meta.training, model: 'layers', layers: text, init: 'he' } };
    const out = join(dir, `layers-${text.replace(/[^a-z0-9]+/g, '_')}`);
    await writeReport(out, { model: net, meta: full, test: few, classes: 10, maxMistakes: 5, source: text });
    const { weightMaps } = await import('../src/report/weights.js');
    const picture = weightMaps(net, 28, 28);
    assert.is(picture.kind, kind, text);
    assert.equal([picture.maps[0].width, picture.maps[0].height], [side, side], text);
    assert.ok(existsSync(join(out, 'weights.png')), text);
    assert.match(readFileSync(join(out, 'index.html'), 'utf8'), text.includes('conv') ? '<p class="model">CNN ' : '<p class="model">network ', text);
  }
});

test('train --report writes the same report at the end of training', async () => {
  const out = join(dir, 'from-train');
  // 2000 training and 1000 test images: the report's pictures need a model, not a good one.
  const r = await runMain(['train', '--epochs', '1', '--threads', '1', '--no-save', '--report', out, '--data-dir', await writeMnistSubset(7000, 1000)]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, `Report written to ${out}/index.html`);
  for (const f of ['weights.png', 'confusion.png', 'mistakes.png', 'curves.png', 'index.html']) assert.ok(existsSync(join(out, f)), f);
});

test.run();
