/** The portable half of image preprocessing: decoded pixels to grayscale, crops, the resize. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crop, grayFromRgba, prepareDigit } from '../src/data/preprocess.js';
import { resizeGray } from '../src/data/resize.js';

test('RGBA to gray: Rec. 601 luma, laid on white paper by the alpha', () => {
  const rgba = Uint8Array.from([
    255, 255, 255, 255, //  white
    0, 0, 0, 255, //        black
    0, 0, 0, 0, //          transparent: the paper shows
    0, 0, 0, 128, //        half-transparent black: half-way to white
    255, 0, 0, 255, //      red
    10, 200, 30, 255, //    green-ish
  ]);
  const g = grayFromRgba(rgba, 3, 2);
  assert.equal(Array.from(g.pixels), [255, 0, 255, Math.round(255 * (1 - 128 / 255)), Math.round(0.299 * 255), Math.round(0.299 * 10 + 0.587 * 200 + 0.114 * 30)]);
  assert.throws(() => grayFromRgba(rgba, 2, 2), /24 bytes, expected 2×2×4 = 16/);
});

test('crop takes the box, row by row', () => {
  const img = { width: 4, height: 3, pixels: Uint8Array.from({ length: 12 }, (_, i) => i) };
  assert.equal(Array.from(crop(img, { left: 1, top: 1, width: 2, height: 2 }).pixels), [5, 6, 9, 10]);
});

test('the resize keeps flat levels, is repeatable, and copies at the same size', async () => {
  const flat = { width: 37, height: 23, pixels: new Uint8Array(37 * 23).fill(200) };
  const small = await resizeGray(flat, 11, 7);
  assert.ok(small.pixels.every((v) => v === 200), 'a flat image stays flat');
  const ramp = { width: 40, height: 40, pixels: Uint8Array.from({ length: 1600 }, (_, i) => (i * 37) % 256) };
  // No state between calls: the same resize after another of other sizes gives the same bytes.
  const first = await resizeGray(ramp, 20, 13);
  await resizeGray(flat, 29, 5);
  assert.equal(await resizeGray(ramp, 20, 13), first);
  const mean = (p: Uint8Array) => p.reduce((a, v) => a + v, 0) / p.length;
  assert.ok(Math.abs(mean(first.pixels) - mean(ramp.pixels)) < 4, `the mean level is kept (${mean(first.pixels)} vs ${mean(ramp.pixels)})`);
  const same = await resizeGray(ramp, 40, 40);
  assert.equal(same.pixels, ramp.pixels);
  assert.is.not(same.pixels, ramp.pixels);
});

test('a blank image is refused with its name', async () => {
  const blank = { width: 50, height: 50, pixels: new Uint8Array(2500).fill(255) };
  try {
    await prepareDigit(blank, 'blank.png');
    assert.unreachable('a blank image was accepted');
  } catch (e) {
    assert.match((e as Error).message, /^blank.png: no digit found/);
  }
});

test.run();
