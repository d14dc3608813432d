/**
 * Drawings rendered for reading (src/data/strokes.ts): the same strokes give the model the same
 * 28×28 input whatever their size and place on the pad, and the ink is as wide as MNIST's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { INK_SHARE, RENDER_SIDE, renderStrokes, SMALLEST_SHARE, type Stroke } from '../src/data/strokes.js';
import { prepareDigit } from '../src/data/preprocess.js';
import { loadMnist } from '../src/node/mnist-files.js';
import { DRAWINGS } from './helpers/drawings.js';

const PAD = 336;
const place = (strokes: Stroke[], size: number, left: number, top: number): Stroke[] => strokes.map((s) => s.map((p) => ({ x: left + p.x * size, y: top + p.y * size })));

async function input(strokes: Stroke[]): Promise<Uint8Array> {
  return (await prepareDigit(renderStrokes(strokes, PAD)!, 'drawing')).image.pixels;
}

test('each drawing at full size, at a fifth of the pad in a corner, and beyond its edge: the same 28×28 input', async () => {
  for (const [i, d] of DRAWINGS.entries()) {
    const full = await input(place(d.strokes, 0.8 * PAD, 0.1 * PAD, 0.1 * PAD));
    for (const [size, left, top] of [[0.2 * PAD, 5, 0.75 * PAD], [0.2 * PAD, 0.7 * PAD, 3], [1.3 * PAD, -40, -20]]) {
      const other = await input(place(d.strokes, size, left, top));
      let worst = 0;
      for (let k = 0; k < 784; k++) worst = Math.max(worst, Math.abs(other[k] - full[k]));
      assert.ok(worst <= 2, `drawing ${i} (a ${d.digit}) at ${size.toFixed(0)} px: a pixel differs by ${worst} of 255`);
    }
  }
});

test("the ink is about as wide as MNIST's: the drawings' mean ink within a fifth of the test digits'", async () => {
  const mnist = loadMnist();
  const ink = (pixels: ArrayLike<number>) => Array.from(pixels).reduce((a, v) => a + v / 255, 0);
  let digits = 0;
  for (let i = 0; i < 2000; i++) digits += ink(mnist.test.pixels.subarray(i * 784, (i + 1) * 784)) / 2000;
  let drawn = 0;
  for (const d of DRAWINGS) drawn += ink(await input(place(d.strokes, PAD, 0, 0))) / DRAWINGS.length;
  assert.ok(Math.abs(drawn - digits) <= digits / 5, `drawings ${drawn.toFixed(1)}, MNIST ${digits.toFixed(1)} (pixels of ink in 28×28)`);
});

test('a straight stroke is INK_SHARE of the longest side wide, with round ends, on white paper', () => {
  const g = renderStrokes([[{ x: 10, y: 50 }, { x: 110, y: 50 }]], PAD)!;
  const width = INK_SHARE * RENDER_SIDE;
  assert.is(g.width, RENDER_SIDE + 2 * (Math.ceil(width / 2) + 2));
  const column = Array.from({ length: g.height }, (_, y) => g.pixels[y * g.width + Math.floor(g.width / 2)]);
  const dark = column.filter((v) => v < 128).length;
  assert.ok(Math.abs(dark - width) <= 1, `${dark} dark pixels across, expected about ${width}`);
  assert.is(g.pixels[0], 255, 'a corner is paper');
  // The round end reaches half the width beyond the stroke's last point, and no further.
  const row = Array.from({ length: g.width }, (_, x) => g.pixels[Math.floor(g.height / 2) * g.width + x]);
  assert.is(row.findIndex((v) => v < 128), Math.ceil(width / 2) + 2 - width / 2);
});

test('no drawing, a tap or a slip under 2% of the pad gives no picture; a mark just over it does', () => {
  assert.is(renderStrokes([], PAD), null);
  assert.is(renderStrokes([[]], PAD), null);
  assert.is(renderStrokes([[{ x: 100, y: 100 }]], PAD), null, 'a tap');
  const under = SMALLEST_SHARE * PAD - 0.5;
  assert.is(renderStrokes([[{ x: 100, y: 100 }, { x: 100 + under, y: 100 }]], PAD), null, 'a slip');
  const margin = 2 * (Math.ceil((INK_SHARE * RENDER_SIDE) / 2) + 2);
  assert.is(renderStrokes([[{ x: 100, y: 100 }, { x: 100 + under + 1, y: 100 }]], PAD)!.width, RENDER_SIDE + margin);
  // Two taps far apart are a drawing as wide as their distance.
  assert.is(renderStrokes([[{ x: 10, y: 10 }], [{ x: 60, y: 10 }]], PAD)!.width, RENDER_SIDE + margin);
});

test.run();
