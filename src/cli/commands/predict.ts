/**
 * `mnist-ts predict --model PATH`: digits from the data set (`--from`) or from image files and
 * folders, prepared as MNIST was. A table on stdout; with `--out DIR`, CSV, JSON, PNG previews and
 * a contact sheet. One unreadable file is reported and the others are still predicted.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { MnistTsError, OptionError, ShapeError } from '../../engine/errors.js';
import { softmax } from '../../engine/loss.js';
import { Rng } from '../../engine/rng.js';
import type { Sequential } from '../../engine/sequential.js';
import { pixelScale } from '../../data/dataset.js';
import { MNIST_SIDE } from '../../data/preprocess.js';
import { loadCheckpointFile } from '../../node/checkpoint-file.js';
import { readDigitImage } from '../../node/digit-images.js';
import { loadMnist } from '../../node/mnist-files.js';
import { writePredictionOutputs, type Prediction } from '../../node/prediction-output.js';
import { intFlag } from '../options.js';

export interface PredictArgs {
  model: string;
  inputs?: string[];
  from?: string;
  index?: string;
  count?: number;
  random: boolean;
  seed: number;
  out?: string;
  dataDir?: string;
  validationSize?: number;
  json: boolean;
}

const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp|gif|tiff?|avif|heic|heif|svg)$/i;

export function predictOptions<T>(y: Argv<T>) {
  return y
    .positional('inputs', { type: 'string', array: true, describe: 'image files or folders of images (any format sharp reads, any size)' })
    .option('model', { type: 'string', demandOption: true, describe: 'checkpoint file written by train' })
    .option('from', { type: 'string', describe: 'predict data-set images instead: train | validation | test' })
    .option('index', { type: 'string', describe: 'with --from: comma-separated indices, e.g. 0,1' })
    .option('count', { type: 'number', describe: 'with --from: the first N images (or N random ones with --random)' })
    .option('random', { type: 'boolean', default: false, describe: 'with --count: a seeded random pick' })
    .option('seed', { type: 'number', default: 0, describe: 'seed for --random' })
    .option('out', { type: 'string', describe: 'folder for predictions.csv, predictions.json, previews/ and contact-sheet.png' })
    .option('data-dir', { type: 'string', describe: 'folder with the four MNIST IDX files (with --from)' })
    .option('validation-size', { type: 'number', describe: "validation images (default: the checkpoint's setting)" })
    .option('json', { type: 'boolean', default: false, describe: 'print the predictions as JSON instead of a table' });
}

interface Input {
  source: string;
  pixels: Uint8Array;
  label: number | null;
}

function parseIndices(text: string, count: number): number[] {
  return String(text).split(',').map((s) => intFlag('index', s.trim(), 0, count - 1));
}

function datasetInputs(args: PredictArgs, validationSize: number, features: number): Input[] {
  const name = args.from;
  if (name !== 'train' && name !== 'validation' && name !== 'test') throw new OptionError(`--from: '${name}', expected train, validation or test`);
  const mnist = loadMnist({ dataDir: args.dataDir, validationSize });
  const split = mnist[name];
  if (split.features !== features) throw new ShapeError(`${args.model}: the model takes ${features} inputs, but ${name} images have ${split.features} pixels`);
  let indices: number[];
  if (args.index !== undefined) {
    if (args.count !== undefined) throw new OptionError('--index and --count: give one of them');
    indices = parseIndices(args.index, split.count);
  } else {
    const n = intFlag('count', args.count ?? 2, 1, split.count);
    if (args.random) {
      const order = Int32Array.from({ length: split.count }, (_, i) => i);
      new Rng(intFlag('seed', args.seed, 0, 0xffffffff)).shuffle(order);
      indices = Array.from(order.subarray(0, n));
    } else {
      indices = Array.from({ length: n }, (_, i) => i);
    }
  }
  return indices.map((i) => ({ source: `${name}[${i}]`, pixels: split.pixels.slice(i * split.features, (i + 1) * split.features), label: split.labels[i] }));
}

/** Files as given, folders expanded to their image files (sorted); a missing path is an input error. */
function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      out.push(p); // reported as unreadable when read, among the other inputs
      continue;
    }
    if (isDir) out.push(...readdirSync(p).filter((f) => IMAGE_EXTENSIONS.test(f)).sort().map((f) => join(p, f)));
    else out.push(p);
  }
  return out;
}

export function predictPixels(model: Sequential, inputs: Input[]): Prediction[] {
  const f = model.inputSize;
  const classes = model.outputSize;
  const scale = pixelScale();
  const x = new Float32Array(inputs.length * f);
  inputs.forEach((inp, r) => inp.pixels.forEach((p, j) => (x[r * f + j] = scale[p])));
  const probs = softmax(model.forward(x, inputs.length), inputs.length, classes);
  return inputs.map((inp, r) => {
    const p = Array.from(probs.subarray(r * classes, (r + 1) * classes));
    const predicted = p.indexOf(Math.max(...p));
    return { source: inp.source, predicted, confidence: p[predicted], probabilities: p, label: inp.label, pixels: inp.pixels };
  });
}

function printTable(rows: Prediction[], print: (line: string) => void): void {
  const width = Math.max(8, ...rows.map((r) => r.source.length)) + 2;
  const classes = rows[0]?.probabilities.length ?? 10;
  print('source'.padEnd(width) + 'pred  conf    true  one-hot label         ' + Array.from({ length: classes }, (_, d) => `p${d}`.padStart(7)).join(''));
  for (const r of rows) {
    const mark = r.label === null ? '' : r.label === r.predicted ? ' ' : '✗';
    const oneHot = r.label === null ? '-' : `[${Array.from({ length: classes }, (_, d) => (d === r.label ? 1 : 0)).join(',')}]`;
    print(
      r.source.padEnd(width) + `${r.predicted}${mark}`.padEnd(6) + r.confidence.toFixed(4).padEnd(8) + String(r.label ?? '-').padEnd(6) + oneHot.padEnd(22) +
        r.probabilities.map((p) => p.toFixed(4).padStart(7)).join(''),
    );
  }
}

export async function runPredict(args: PredictArgs, print: (line: string) => void = console.log, warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<Prediction[]> {
  const ckpt = loadCheckpointFile(args.model);
  const model = ckpt.model;
  const files = args.inputs ?? [];
  if (files.length > 0 && args.from) throw new OptionError('--from: predicts data-set images; give either --from or image files, not both');
  if (files.length === 0 && !args.from) throw new OptionError('nothing to predict: give image files or folders, or --from train|validation|test');
  let inputs: Input[] = [];
  let failures = 0;
  if (args.from) {
    inputs = datasetInputs(args, args.validationSize ?? ckpt.meta.training.validationSize, model.inputSize);
  } else {
    if (model.inputSize !== MNIST_SIDE * MNIST_SIDE) {
      throw new ShapeError(`${args.model}: the model takes ${model.inputSize} inputs, but images are prepared as ${MNIST_SIDE}×${MNIST_SIDE} = ${MNIST_SIDE * MNIST_SIDE}`);
    }
    const paths = expandPaths(files);
    if (paths.length === 0) throw new OptionError(`${files.join(', ')}: no image files found`);
    for (const path of paths) {
      try {
        const d = await readDigitImage(path);
        inputs.push({ source: path, pixels: d.image.pixels, label: null });
      } catch (e) {
        if (!(e instanceof MnistTsError)) throw e;
        failures++;
        warn(`mnist-ts: ${e.message}`);
      }
    }
  }
  const rows = inputs.length ? predictPixels(model, inputs) : [];
  if (args.json) print(JSON.stringify(rows.map(({ pixels: _p, ...r }) => r)));
  else if (rows.length) printTable(rows, print);
  if (args.out && rows.length) {
    const written = await writePredictionOutputs(args.out, rows);
    if (!args.json) print(`wrote ${written.join(', ')} in ${args.out}`);
  }
  if (failures > 0) {
    throw new PartialFailure(`${failures} of ${failures + inputs.length} input${failures + inputs.length > 1 ? 's' : ''} could not be read (see above)${rows.length ? `; the other ${rows.length} were predicted` : ''}`);
  }
  return rows;
}

export class PartialFailure extends MnistTsError {
  override name = 'PartialFailure';
}
