/**
 * Resampling a grayscale image with Lanczos-3, by pica (a well-kept resizer that runs in Node and
 * in browsers alike). Its plain-JavaScript path only: pica's fixed-point JS filter gives the same
 * bytes everywhere, so the page and `mnist-ts predict` see the very same 28×28 input.
 */
import { Pica } from 'pica';
import type { Gray } from './preprocess.js';

let resizer: Pica | undefined;

/** `img` resized to width × height (no aspect-ratio handling: the caller picks the size). */
export async function resizeGray(img: Gray, width: number, height: number): Promise<Gray> {
  if (img.width === width && img.height === height) return { width, height, pixels: img.pixels.slice() };
  resizer ??= new Pica({ features: ['js'] });
  const rgba = new Uint8Array(img.width * img.height * 4);
  for (let i = 0; i < img.pixels.length; i++) {
    const v = img.pixels[i];
    rgba[i * 4] = v;
    rgba[i * 4 + 1] = v;
    rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  const out = await resizer.resizeBuffer({ src: rgba, width: img.width, height: img.height, toWidth: width, toHeight: height, filter: 'lanczos3' });
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = out[i * 4];
  return { width, height, pixels };
}
