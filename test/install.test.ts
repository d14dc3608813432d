/**
 * The package as a library user installs it: `npm pack`, then `npm install <tarball>
 * --omit=optional` in an empty app. No native binary and no install-script warning come along,
 * and the installed CLI and every TypeScript example of the README (run there as written,
 * importing the installed package by name) work: trained on threads, saved, read back in a fresh
 * process, a PNG predicted, exported to ONNX and PyTorch.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { join } from 'node:path';
import { loadMnistTest } from '../src/node/mnist-files.js';
import { installedApp, readmeExamples, sh } from './helpers/installed-app.js';
import { photoPng } from './helpers/photo.js';
import { correct } from './helpers/interop-models.js';

const TSX = import.meta.resolve('tsx');
let app = '';
let warnings = '';

test.before(() => {
  ({ dir: app, installWarnings: warnings } = installedApp({ omitOptional: true }));
});

/** The installed CLI, run as npx runs it, without npx's start-up (readme-commands.test.ts runs npx itself). */
const bin = () => join(app, 'node_modules', '.bin', 'mnist-ts');

/** Runs README example `name` as written, saved in the app as NAME.ts, in a fresh process. */
function runExample(name: string, suffix = ''): string {
  const example = readmeExamples().find((e) => e.name === name);
  assert.ok(example, `README has the ${name} example`);
  writeFileSync(join(app, `${name}.ts`), example!.code + suffix);
  return sh(app, process.execPath, ['--import', TSX, `${name}.ts`]);
}

test('--omit=optional installs no native binary (no .node file, no shared library) and npm warns of no install script', () => {
  const files = readdirSync(join(app, 'node_modules'), { recursive: true, encoding: 'utf8' });
  assert.ok(files.some((f) => f.endsWith('piscina/package.json')), 'the scan sees the dependencies');
  assert.equal(files.filter((f) => /\.node$|\.so(\.\d+)*$|\.dylib$|\.dll$/.test(f)), []);
  assert.not.match(warnings, /install.?script/i, warnings);
});

test('every TypeScript block of the README is a named example that runs here', () => {
  const names = readmeExamples().map((e) => e.name);
  assert.equal(names.filter((n) => n === null), [], 'a ts block without an <!-- example:NAME --> marker would never run');
  assert.equal([...names].sort(), ['cnn', 'fit', 'interop', 'library', 'predict']);
});

test('README fit, then predict in a fresh process: trained on 2 threads, saved, read back, the same accuracy as mnist-ts evaluate, a PNG read without sharp', () => {
  const fitted = runExample('fit');
  const epochs = [...fitted.matchAll(/^epoch (\d): cost ([\d.]+), validation accuracy ([\d.]+)$/gm)];
  assert.equal(epochs.map((m) => m[1]), ['1', '2']);
  assert.ok(Number(epochs[1][2]) < Number(epochs[0][2]), 'the cost falls');
  const trainedAccuracy = /^test accuracy ([\d.]+)$/m.exec(fitted)![1];
  assert.ok(Number(trainedAccuracy) > 0.95, `test accuracy ${trainedAccuracy}`);
  writeFileSync(join(app, 'digit.png'), photoPng(0));
  const predicted = runExample('predict');
  assert.match(predicted, `test accuracy ${trainedAccuracy} after 2 epochs`);
  const cli = JSON.parse(sh(app, bin(), ['evaluate', '--checkpoint', 'mlp.safetensors', '--json']));
  assert.is(cli.accuracy.toFixed(4), trainedAccuracy);
  const digit = JSON.parse(sh(app, bin(), ['predict', '--checkpoint', 'mlp.safetensors', 'digit.png', '--json']))[0];
  assert.match(predicted, `digit.png: ${digit.predicted}, ${(digit.confidence * 100).toFixed(1)}% sure`);
  assert.is(digit.predicted, loadMnistTest().test.labels[0]);
});

test('README interop example: the fitted model as ONNX (ONNX Runtime scores it as mnist-ts does) and to PyTorch and back (the same accuracy)', async () => {
  runExample('interop');
  const accuracy = (file: string) => JSON.parse(sh(app, bin(), ['evaluate', '--checkpoint', file, '--json'])).accuracy;
  const trained = accuracy('mlp.safetensors');
  assert.is(accuracy('mlp-from-torch.safetensors'), trained);
  const session = await ort.InferenceSession.create(readFileSync(join(app, 'mlp.onnx')));
  const { test: set } = loadMnistTest();
  const out = await session.run({ pixels: new ort.Tensor('float32', Float32Array.from(set.pixels, (p) => p / 255), [set.count, 784]) });
  assert.is(correct(out.logits.data as Float32Array, set.labels) / set.count, trained);
});

test('README library example: learns, and loads no native module', () => {
  // Report which shared objects the process loaded, to prove no native module came along.
  const out = runExample('library', `\nconsole.log('SHARED ' + JSON.stringify((process as any).report.getReport().sharedObjects));\n`);
  assert.ok(Number(/accuracy ([\d.]+)/.exec(out)?.[1]) > 0.95, out);
  assert.ok(Number(/= ([\d.]+)/.exec(out)?.[1]) > 0.5, out);
  const shared: string[] = JSON.parse(/SHARED (.*)/.exec(out)![1]);
  assert.ok(shared.length > 0);
  assert.equal(shared.filter((s) => /sharp|vips|\.node$/.test(s)), [], 'no native module loaded');
});

test('README CNN example: a small convolutional net learns strokes', () => {
  const out = runExample('cnn');
  assert.ok(Number(/accuracy ([\d.]+)/.exec(out)?.[1]) > 0.95, out);
  assert.match(out, 'conv2d0.weight [4, 1, 3, 3], conv2d0.bias [4], dense0.weight [100, 2], dense0.bias [2]');
});

test.run();
