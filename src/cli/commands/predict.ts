/**
 * `mnist-ts predict --model PATH`: digits from the data set (`--from`) or from image files and
 * folders, prepared as MNIST was. A table on stdout; with `--out DIR`, CSV, JSON, PNG previews and
 * a contact sheet. One unreadable file is reported and the others are still predicted.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { DataError, MnistTsError, OptionError, PartialFailure, ShapeError } from '../../engine/errors.js';
import { Rng } from '../../engine/rng.js';
import { MNIST_SIDE } from '../../data/preprocess.js';
import { readDigitImage } from '../../node/digit-images.js';
import { POOL_MIN_IMAGES, predictPixels, type DigitInput } from '../../node/predict-images.js';
import { loadMnist, loadMnistTest } from '../../node/mnist-files.js';
import { writePredictionOutputs, type Prediction } from '../../node/prediction-output.js';
import { checkpointOption, readCheckpoint, type CheckpointArgs } from '../checkpoint-flag.js';
import { intFlag, numeric, plural, textFlag } from '../options.js';
import { checkFolderOut } from '../out-paths.js';
import { inferenceThreads, threadsOption, withInferencePool, type ThreadsArgs } from '../inference-threads.js';
import { noteLine, printLine, type Print } from '../output.js';

export interface PredictArgs extends CheckpointArgs, ThreadsArgs {
  inputs?: string[];
  from?: string;
  index?: string;
  count?: number;
  random?: boolean;
  seed?: number;
  recursive?: boolean;
  out?: string;
  dataDir?: string;
  validationSize?: number;
  json?: boolean;
  tta?: boolean;
}

const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp|gif|tiff?|avif|heic|heif|svg)$/i;

export function predictOptions<T>(y: Argv<T>) {
  return checkpointOption(y)
    .positional('inputs', { type: 'string', array: true, describe: 'image files or folders of images (any format sharp reads, any size)' })
    .option('from', { type: 'string', requiresArg: true, describe: 'predict data-set images instead: train | validation | test' })
    .option('index', { type: 'string', requiresArg: true, describe: 'with --from: comma-separated indices, e.g. 0,1' })
    .option('count', numeric('with --from: the first N images (or N random ones with --random; default 2)'))
    .option('random', { type: 'boolean', describe: 'with --count: a seeded random pick' })
    .option('seed', numeric('seed for --random (default: 0)'))
    .option('recursive', { type: 'boolean', describe: 'read the images in subfolders of the folders given too (default: the folder itself only)' })
    .option('out', { type: 'string', requiresArg: true, describe: 'folder for predictions.csv, predictions.json, previews/ and contact-sheet.png' })
    .option('data-dir', { type: 'string', requiresArg: true, describe: 'folder with the four MNIST IDX files (with --from)' })
    .option('validation-size', numeric("validation images, with --from train or validation (default: the checkpoint's setting)"))
    .option('json', { type: 'boolean', describe: 'print the predictions as JSON instead of a table' })
    .option('tta', { type: 'boolean', describe: "test-time augmentation: average each digit's probabilities with its four one-pixel shifts'" })
    .option('threads', threadsOption)
    .example('$0 predict my-digits/ photo.jpg --out out/', 'your own images, with previews and a contact sheet in out/')
    .example('$0 predict --from test --count 10 --random', 'ten random test images, beside their labels')
    .example('$0 predict --from train --index 0,1 --json', 'two training images, as JSON (--checkpoint FILE for another model)');
}

function parseIndices(text: string, count: number): number[] {
  return String(text).split(',').map((s) => intFlag('index', s.trim(), 0, count - 1));
}

function datasetInputs(args: PredictArgs, checkpointPath: string, validationSize: number, features: number): DigitInput[] {
  const name = args.from;
  if (name !== 'train' && name !== 'validation' && name !== 'test') throw new OptionError(`--from: '${name}', expected train, validation or test`);
  if (args.index !== undefined && args.count !== undefined) throw new OptionError('--index and --count: give one of them');
  // The test set needs only its own files (loadMnistTest); the others are cut from the training set.
  const split = name === 'test' ? loadMnistTest({ dataDir: args.dataDir }).test : loadMnist({ dataDir: args.dataDir, validationSize })[name];
  if (split.features !== features) throw new ShapeError(`${checkpointPath}: the model takes ${features} inputs, but ${name} images have ${split.features} pixels`);
  let indices: number[];
  if (args.index !== undefined) {
    indices = parseIndices(args.index, split.count);
  } else {
    const n = intFlag('count', args.count ?? 2, 1, split.count);
    if (args.random) {
      const order = Int32Array.from({ length: split.count }, (_, i) => i);
      new Rng(intFlag('seed', args.seed ?? 0, 0, 0xffffffff)).shuffle(order);
      indices = Array.from(order.subarray(0, n));
    } else {
      indices = Array.from({ length: n }, (_, i) => i);
    }
  }
  return indices.map((i) => ({ source: `${name}[${i}]`, pixels: split.pixels.slice(i * split.features, (i + 1) * split.features), label: split.labels[i] }));
}

/** "a.txt, b.pdf, c.doc and 4 more" */
function someNames(names: string[], shown = 3): string {
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

/**
 * Files as given, folders expanded to their image files (sorted), subfolders too with `recursive`.
 * What a folder holds that is not read (other files, subfolders) is named in one note per folder.
 * A missing path stays in the list: it is reported as unreadable among the other inputs.
 */
function expandPaths(paths: string[], recursive: boolean, note: Print): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const others: string[] = [];
    const folders: string[] = [];
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (recursive) visit(path);
        else folders.push(`${e.name}/`);
      } else if (IMAGE_EXTENSIONS.test(e.name)) {
        out.push(path);
      } else {
        others.push(e.name);
      }
    }
    const skipped = [
      others.length ? `${plural(others.length, 'file')} that ${others.length === 1 ? 'is not an image' : 'are not images'} by name (${someNames(others)})` : '',
      folders.length ? `${plural(folders.length, 'subfolder')} (${someNames(folders)}; --recursive reads them)` : '',
    ].filter(Boolean);
    if (skipped.length) note(`${dir}: skipped ${skipped.join(' and ')}`);
  };
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      out.push(p);
      continue;
    }
    if (isDir) visit(p);
    else out.push(p);
  }
  return out;
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

/** The images that decode, as MNIST digits; each that does not is reported with `warn` and counted. */
async function readImageFiles(paths: string[], warn: Print): Promise<{ inputs: DigitInput[]; failures: number }> {
  const inputs: DigitInput[] = [];
  let failures = 0;
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
  return { inputs, failures };
}

/** What to predict, told by the flags before anything is read: image files, or data-set images with --from and the flags that pick them. */
function checkInputs(args: PredictArgs, files: string[], out: string | undefined): void {
  if (files.length > 0 && args.from) throw new OptionError('--from: predicts data-set images; give either --from or image files, not both');
  const picks = (['index', 'count', 'random', 'seed', 'data-dir'] as const).filter((k) => args[k === 'data-dir' ? 'dataDir' : k] !== undefined);
  if (!args.from && picks.length > 0) {
    const what = picks[0] === 'data-dir' ? 'names the folder of the data set' : 'picks data-set images';
    throw new OptionError(`--${picks[0]}: ${what}, with --from train|validation|test${files.length ? '; image files are read whole' : ''}`, picks[0]);
  }
  if (files.length === 0 && !args.from) throw new OptionError('nothing to predict: give image files or folders, or --from train|validation|test');
  if (args.validationSize !== undefined && args.from !== 'train' && args.from !== 'validation') {
    throw new OptionError(`--validation-size: sizes the validation split, cut from the training set, for --from train or validation; this is ${args.from ? `--from ${args.from}` : 'a prediction of image files'}`);
  }
  if (out !== undefined) checkFolderOut(out, 'out');
}

export async function runPredict(args: PredictArgs, print: Print = printLine, warn: Print = (l) => process.stderr.write(`${l}\n`), note: Print = noteLine): Promise<Prediction[]> {
  const files = args.inputs ?? [];
  const out = textFlag(args.out);
  checkInputs(args, files, out);
  const threads = inferenceThreads(args, note);
  const { path: checkpointPath, checkpoint: ckpt } = readCheckpoint(args, note);
  const model = ckpt.model;
  // A pool pays only over thousands of images; started before they are read, its workers start meanwhile.
  const poolFor = (planned: number) => (planned >= POOL_MIN_IMAGES ? threads : 1);
  let rows: Prediction[];
  let failures = 0;
  if (args.from) {
    const validationSize = args.validationSize === undefined ? ckpt.meta.training.validationSize : intFlag('validation-size', args.validationSize, 0);
    const planned = args.index !== undefined ? String(args.index).split(',').length : Number(args.count ?? 2);
    rows = await withInferencePool(poolFor(planned), (pool) => predictPixels(model, datasetInputs(args, checkpointPath, validationSize, model.inputSize), pool, args.tta === true));
  } else {
    if (model.inputSize !== MNIST_SIDE * MNIST_SIDE) {
      throw new ShapeError(`${checkpointPath}: the model takes ${model.inputSize} inputs, but images are prepared as ${MNIST_SIDE}×${MNIST_SIDE} = ${MNIST_SIDE * MNIST_SIDE}`);
    }
    const paths = expandPaths(files, args.recursive === true, note);
    if (paths.length === 0) throw new DataError(`${files.join(', ')}: no image files found${args.recursive ? '' : ' (subfolders are read with --recursive)'}`);
    rows = await withInferencePool(poolFor(paths.length), async (pool) => {
      const read = await readImageFiles(paths, warn);
      failures = read.failures;
      return predictPixels(model, read.inputs, pool, args.tta === true);
    });
  }
  if (args.json) print(JSON.stringify(rows.map(({ pixels: _p, ...r }) => r)));
  else if (rows.length) printTable(rows, print);
  if (out && rows.length) {
    const written = await writePredictionOutputs(out, rows);
    if (!args.json) print(`wrote ${written.join(', ')} in ${out}`);
  }
  if (failures > 0) {
    const total = failures + rows.length;
    throw new PartialFailure(`${failures} of ${plural(total, 'input')} could not be read (see above)${rows.length ? `; the other ${rows.length} ${rows.length === 1 ? 'was' : 'were'} predicted` : ''}`);
  }
  return rows;
}
