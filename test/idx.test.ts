import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx, parseIdx, isGzip, IDX_MAGIC_IMAGES, IDX_MAGIC_LABELS } from '../src/data/idx.js';
import { readIdxFile } from '../src/node/mnist-files.js';
import { FormatError } from '../src/engine/errors.js';

const images = new Uint8Array(3 * 4 * 5).map((_, i) => (i * 7) & 255);
const labels = Uint8Array.from([3, 1, 4]);

function throwsWith(fn: () => unknown, pattern: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, FormatError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('expected a FormatError');
}

test('magic numbers are the IDX constants', () => {
  assert.is(IDX_MAGIC_IMAGES, 2051);
  assert.is(IDX_MAGIC_LABELS, 2049);
});

test('round trip: images and labels', () => {
  const img = parseIdx(encodeIdx([3, 4, 5], images), 'x', 'images');
  assert.equal(img.dims, [3, 4, 5]);
  assert.equal(Array.from(img.data), Array.from(images));
  const lab = parseIdx(encodeIdx([3], labels), 'y', 'labels');
  assert.equal(lab.dims, [3]);
  assert.equal(Array.from(lab.data), [3, 1, 4]);
});

test('round trip through files, raw and gzip (detected by bytes, not name)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idx-'));
  const raw = encodeIdx([3, 4, 5], images);
  writeFileSync(join(dir, 'raw'), raw);
  writeFileSync(join(dir, 'packed-without-gz-suffix'), gzipSync(raw));
  assert.ok(isGzip(gzipSync(raw)));
  for (const name of ['raw', 'packed-without-gz-suffix']) {
    const parsed = readIdxFile(join(dir, name), 'images');
    assert.equal(parsed.dims, [3, 4, 5]);
    assert.equal(Array.from(parsed.data), Array.from(images));
  }
});

test('wrong magic names the file, the found and expected numbers', () => {
  throwsWith(() => parseIdx(encodeIdx([3], labels), 'train-images-idx3-ubyte', 'images'), /^train-images-idx3-ubyte: magic 2049, expected 2051 \(images\)$/);
});

test('truncated data', () => {
  const bytes = encodeIdx([3, 4, 5], images).subarray(0, 16 + 59);
  throwsWith(() => parseIdx(bytes, 'f', 'images'), /f: truncated: header \[3, 4, 5\] needs 60 data bytes, found 59/);
});

test('truncated header and tiny files', () => {
  throwsWith(() => parseIdx(encodeIdx([3, 4, 5], images).subarray(0, 10), 'f', 'images'), /truncated header/);
  throwsWith(() => parseIdx(new Uint8Array(2), 'f'), /expected at least a 4-byte/);
});

test('extra bytes after the data', () => {
  const bytes = new Uint8Array(16 + 61);
  bytes.set(encodeIdx([3, 4, 5], images));
  throwsWith(() => parseIdx(bytes, 'f', 'images'), /1 bytes after the data/);
});

test('non-byte element types are refused', () => {
  const bytes = encodeIdx([3], labels);
  bytes[2] = 0x0d; // float
  throwsWith(() => parseIdx(bytes, 'f'), /element type 0xd, expected 0x08/);
});

test('damaged gzip is one clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idx-'));
  const gz = gzipSync(encodeIdx([3], labels)).subarray(0, 12);
  writeFileSync(join(dir, 'bad.gz'), gz);
  throwsWith(() => readIdxFile(join(dir, 'bad.gz')), /gzip data is damaged/);
});

test.run();
