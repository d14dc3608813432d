/** Writes a small MNIST-shaped data set (four IDX files) into a temporary folder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../src/data/idx.js';

export interface SyntheticOptions {
  train?: number;
  test?: number;
  rows?: number;
  cols?: number;
  gzip?: boolean;
  /** Number of training labels to write (defaults to `train`): lets a test make counts disagree. */
  trainLabels?: number;
}

export function writeSyntheticMnist(o: SyntheticOptions = {}): string {
  const { train = 50, test = 20, rows = 6, cols = 5, gzip = false } = o;
  const dir = mkdtempSync(join(tmpdir(), 'mnist-syn-'));
  const put = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  const imgs = (n: number) => encodeIdx([n, rows, cols], new Uint8Array(n * rows * cols).map((_, i) => (i * 31) % 256));
  const labs = (n: number) => encodeIdx([n], new Uint8Array(n).map((_, i) => i % 10));
  put('train-images-idx3-ubyte', imgs(train));
  put('train-labels-idx1-ubyte', labs(o.trainLabels ?? train));
  put('t10k-images-idx3-ubyte', imgs(test));
  put('t10k-labels-idx1-ubyte', labs(test));
  return dir;
}

/**
 * The first `train` training and `test` test images of the real MNIST, as four IDX files in a
 * temporary folder: real digits for training tests that must learn, at a fraction of the cost.
 */
export async function writeMnistSubset(train: number, test: number): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const { parseIdx } = await import('../../src/data/idx.js');
  const { bundledDataDir } = await import('../../src/node/mnist-files.js');
  const src = bundledDataDir();
  const dir = mkdtempSync(join(tmpdir(), 'mnist-subset-'));
  const copy = (name: string, n: number) => {
    const idx = parseIdx(new Uint8Array(readFileSync(join(src, name))), name);
    const per = idx.dims.slice(1).reduce((a, b) => a * b, 1);
    writeFileSync(join(dir, name), encodeIdx([n, ...idx.dims.slice(1)], idx.data.slice(0, n * per)));
  };
  copy('train-images-idx3-ubyte', train);
  copy('train-labels-idx1-ubyte', train);
  copy('t10k-images-idx3-ubyte', test);
  copy('t10k-labels-idx1-ubyte', test);
  return dir;
}
