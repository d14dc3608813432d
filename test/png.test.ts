/**
 * PNG digits are decoded in plain JavaScript (pngjs), with or without sharp: the pixels must be
 * the ones sharp decodes, for every kind of PNG, and a bad or oversized PNG is one clear line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import sharp, { type Sharp } from 'sharp';
import { crc32, deflateSync } from 'node:zlib';
import { grayFromRgba, type Gray } from '../src/data/preprocess.js';
import { decodePng, isPng, MAX_IMAGE_PIXELS } from '../src/node/png.js';
import { DataError } from '../src/engine/errors.js';
import { Rng } from '../src/engine/rng.js';

/** What sharp decodes (the pipeline every other format goes through). */
async function sharpGray(png: Buffer): Promise<Gray> {
  const { data, info } = await sharp(png).rotate().toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return grayFromRgba(new Uint8Array(data), info.width, info.height);
}

/** A 37×23 RGBA picture with every level of colour and transparency somewhere in it. */
function picture(): { data: Buffer; width: number; height: number } {
  const width = 37, height = 23, rng = new Rng(5);
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  for (let p = 0; p < width * height; p += 7) data[p * 4 + 3] = 255;
  return { data, width, height };
}

/** Each kind of PNG, and the largest difference allowed from sharp's pixels. */
const VARIANTS: [string, (s: Sharp) => Sharp, number][] = [
  ['RGBA 8-bit', (s) => s.png(), 0],
  ['RGB 8-bit', (s) => s.removeAlpha().png(), 0],
  ['gray 8-bit', (s) => s.removeAlpha().toColourspace('b-w').png(), 0],
  ['gray and alpha 8-bit', (s) => s.toColourspace('b-w').png(), 0],
  ['palette with transparency', (s) => s.png({ palette: true, colours: 16, dither: 0 }), 0],
  ['palette, 2 bits', (s) => s.removeAlpha().png({ palette: true, colours: 4, dither: 0 }), 0],
  ['interlaced (Adam7)', (s) => s.png({ progressive: true }), 0],
  // 16 bits to 8: pngjs rounds v·255/65535, libvips keeps the high byte, so a channel may be one
  // level apart, and a gray level laid on white by its alpha two.
  ['RGBA 16-bit', (s) => s.toColourspace('rgb16').png(), 2],
  ['gray 16-bit', (s) => s.removeAlpha().toColourspace('grey16').png(), 1],
];

for (const [name, make, allowed] of VARIANTS) {
  test(`${name}: the pixels sharp decodes${allowed ? `, within ${allowed}` : ''}`, async () => {
    const { data, width, height } = picture();
    const png = await make(sharp(data, { raw: { width, height, channels: 4 } })).toBuffer();
    assert.ok(isPng(png));
    const mine = decodePng(png, 'x.png');
    const theirs = await sharpGray(png);
    assert.equal([mine.width, mine.height], [width, height]);
    const largest = mine.pixels.reduce((m, v, i) => Math.max(m, Math.abs(v - theirs.pixels[i])), 0);
    assert.ok(largest <= allowed, `largest difference ${largest}`);
  });
}

/** A PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** A gray 8-bit PNG that declares width × height and carries `rows` rows of zeros. */
function grayPng(width: number, height: number, rows = height): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth; colour type 0 (gray), compression, filter, interlace: 0
  const scanlines = Buffer.alloc(rows * (width + 1));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(scanlines)), chunk('IEND', Buffer.alloc(0))]);
}

function refusal(bytes: Uint8Array): string {
  try {
    decodePng(bytes, 'x.png');
  } catch (e) {
    assert.instance(e, DataError);
    return (e as Error).message;
  }
  assert.unreachable('decodePng accepted it');
  return '';
}

test('a hand-made PNG decodes: the chunk writer the refusals below use is right', () => {
  const img = decodePng(grayPng(5, 3), 'x.png');
  assert.equal([img.width, img.height, [...img.pixels]], [5, 3, new Array(15).fill(0)]);
});

test('more pixels than MAX_IMAGE_PIXELS is refused from the header, before anything is inflated', () => {
  const side = Math.ceil(Math.sqrt(MAX_IMAGE_PIXELS)) + 1;
  // One row of data only: decoding would have to allocate side² bytes first.
  const message = refusal(grayPng(side, side, 1));
  assert.is(message, `x.png: ${side}×${side} pixels, more than the ${MAX_IMAGE_PIXELS} an image may have`);
});

test('truncated, corrupt or headless PNGs are one line each', () => {
  const good = grayPng(8, 8);
  const cases: [string, Uint8Array][] = [
    ['the signature alone', good.subarray(0, 8)],
    ['cut inside the image data', good.subarray(0, good.length - 20)],
    ['a flipped byte in the image data', Buffer.from(good).fill(0x55, 40, 44)],
  ];
  for (const [what, bytes] of cases) {
    const message = refusal(bytes);
    assert.match(message, /^x\.png: not a PNG that can be read \(/, what);
    assert.not.match(message, '\n', what);
  }
  assert.match(refusal(good.subarray(0, good.length - 20)), /\(the file ends before its image does: truncated\?\)$/, "in words, not pngjs's");
});

test.run();
