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
