/**
 * What reaches the files and the network, fuzzed with fast-check (seeded; test/helpers/fuzz.ts):
 * image decoding and preprocessing (any bytes, PNGs cut short or corrupted, extreme sizes), the
 * page server's path lookup (any path), and a gzip bomb among the MNIST files.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { DataError, FormatError } from '../src/engine/errors.js';
import { readDigitImage } from '../src/node/digit-images.js';
import { readIdxFile } from '../src/node/mnist-files.js';
import { startPageServer } from '../src/node/page-server.js';
import { MAX_IMAGE_PIXELS } from '../src/node/png.js';
import { resolvesOrRefuses, returnsOrRefuses, runs } from './helpers/fuzz.js';

const dir = mkdtempSync(join(tmpdir(), 'fuzz-io-'));
let written = 0;
/** Writes `bytes` to a file of its own (a fresh name each time: nothing is read from an earlier run). */
function file(bytes: Uint8Array, ext: string): string {
  const path = join(dir, `f${written++}${ext}`);
  writeFileSync(path, bytes);
  return path;
}

async function readable(path: string): Promise<void> {
  const digit = await resolvesOrRefuses(() => readDigitImage(path), [DataError]);
  if (digit) assert.equal([digit.image.width, digit.image.height, digit.image.pixels.length], [28, 28, 784]);
}

test('images: any bytes, and a PNG or JPEG cut short or with bytes changed: a 28×28 digit or one DataError', async () => {
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#ffffff' } }).composite([{ input: Buffer.from('<svg width="40" height="30"><text x="10" y="25" font-size="24">7</text></svg>') }]).png().toBuffer();
  const jpeg = await sharp(png).jpeg().toBuffer();
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (bytes) => readable(file(bytes, '.bin'))), runs(20));
  const damaged = fc.record({ source: fc.constantFrom(png, jpeg), cut: fc.nat(), changes: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }) });
  await fc.assert(fc.asyncProperty(damaged, async ({ source, cut, changes }) => {
    const bytes = Uint8Array.from(source.subarray(0, source.length - (cut % source.length)));
    for (const [at, v] of changes) bytes[at % bytes.length] = v;
    await readable(file(bytes, source === png ? '.png' : '.jpg'));
  }), runs(20));
});

test('images: 16-bit, CMYK, animated and extreme aspect ratios are read; a decompression bomb is refused by its declared size', async () => {
  const cases: [string, Buffer][] = [
    ['16-bit.png', await sharp({ create: { width: 30, height: 30, channels: 3, background: '#ffffff' } }).composite([{ input: Buffer.from('<svg width="30" height="30"><rect x="12" y="4" width="6" height="22"/></svg>') }]).png().toColourspace('rgb16').toBuffer()],
    ['cmyk.jpg', await sharp({ create: { width: 30, height: 30, channels: 3, background: '#ffffff' } }).composite([{ input: Buffer.from('<svg width="30" height="30"><rect x="12" y="4" width="6" height="22"/></svg>') }]).toColourspace('cmyk').jpeg().toBuffer()],
    ['animated.gif', await sharp({ create: { width: 20, height: 60, channels: 3, background: '#ffffff' } }).composite([{ input: Buffer.from('<svg width="20" height="60"><rect x="8" y="2" width="4" height="26"/><rect x="8" y="32" width="4" height="26"/></svg>') }]).gif().toBuffer()],
    ['wide.png', await sharp({ create: { width: 4000, height: 3, channels: 3, background: '#ffffff' } }).composite([{ input: Buffer.from('<svg width="4000" height="3"><rect x="100" y="1" width="3000" height="1"/></svg>') }]).png().toBuffer()],
    ['tall.png', await sharp({ create: { width: 2, height: 3000, channels: 3, background: '#000000' } }).png().toBuffer()],
  ];
  for (const [name, bytes] of cases) await readable(file(bytes, name.slice(name.indexOf('.'))));
  // A PNG whose header declares 30000×30000 pixels: refused before anything is inflated.
  const small = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000000' } }).png().toBuffer();
  const bomb = Buffer.from(small);
  bomb.writeUInt32BE(30000, 16);
  bomb.writeUInt32BE(30000, 20);
  const e = await resolvesOrRefuses(() => readDigitImage(file(bomb, '.png')), [DataError]);
  assert.is(e, undefined);
  assert.ok(30000 * 30000 > MAX_IMAGE_PIXELS);
  await readDigitImage(file(bomb, '.png')).catch((err: Error) => assert.match(err.message, /30000×30000 pixels, more than the \d+ an image may have/));
});

test('a gzip bomb among the MNIST files: refused once it expands beyond the limit, with one line', () => {
  const path = file(gzipSync(Buffer.alloc(4 << 20)), '.gz');
  assert.throws(() => readIdxFile(path, 'labels', 1 << 20), (e: Error) => e instanceof FormatError && /gzip data expands beyond 1048576 bytes \(MAX_IDX_BYTES\)/.test(e.message));
  returnsOrRefuses(() => readIdxFile(path, 'labels'), FormatError); // within the real limit: expands, then is no IDX file
});

test('the server: any path is the file of that exact path, or 404; never anything else', async () => {
  const pageDir = join(dir, 'page');
  mkdirSync(pageDir);
  for (const name of ['index.html', 'page.js', 'style.css']) writeFileSync(join(pageDir, name), name);
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  const server = await startPageServer({ host: '127.0.0.1', port: 0, checkpoints: [], pageDir });
  const port = Number(new URL(server.url).port);
  const get = (path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  const known: Record<string, string> = { '/': 'index.html', '/index.html': 'index.html', '/page.js': 'page.js', '/style.css': 'style.css' };
  const piece = fc.constantFrom('..', '.', '%2e%2e', '%2f', '%00', 'secret.txt', 'page.js', 'index.html', '', '~', '%', '?', '#', '\\', 'checkpoints.json', 'mnist');
  const path = fc.array(fc.oneof(piece, fc.webSegment()), { maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
  try {
    await fc.assert(fc.asyncProperty(path, async (p) => {
      const r = await get(p);
      const bare = p.split('?')[0];
      if (bare in known) assert.equal(r, { status: 200, body: known[bare] }, p);
      else if (bare === '/checkpoints.json') assert.is(r.status, 200, p);
      else if (bare.startsWith('/mnist/')) assert.ok([200, 404].includes(r.status), p);
      else assert.is(r.status, 404, p);
      assert.not.match(r.body, 'secret', p);
    }), runs(5));
  } finally {
    await server.close();
  }
});

test.run();
