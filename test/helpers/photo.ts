/** Digits as a photo shows them, for the tests that read image files. */
import pngjs from 'pngjs';
import { loadMnistTest } from '../../src/node/mnist-files.js';

/** Test image `index` as a photo shows a digit: dark ink on white paper, 6× larger, off-centre, as PNG. */
export function photoPng(index: number): Buffer {
  const test = loadMnistTest().test;
  const png = new pngjs.PNG({ width: 240, height: 200 });
  png.data.fill(255);
  for (let y = 0; y < 168; y++) {
    for (let x = 0; x < 168; x++) {
      const ink = test.pixels[index * 784 + Math.floor(y / 6) * 28 + Math.floor(x / 6)];
      const at = ((y + 20) * 240 + x + 50) * 4;
      png.data[at] = png.data[at + 1] = png.data[at + 2] = 255 - ink;
    }
  }
  return pngjs.PNG.sync.write(png);
}
