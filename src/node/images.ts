/**
 * Grayscale digits to PNG with sharp. sharp ships native libvips, so it is an optional dependency
 * (an install with --omit=optional has no native code) and is imported lazily here, on the Node
 * side only: the engine, training, checkpoints and PNG digits never need it; other image formats,
 * PNG previews and reports do.
 */
import { DataError, optionError } from '../engine/errors.js';

type Sharp = typeof import('sharp').default;

let sharpModule: Sharp | undefined;

/** Loads sharp on first use, with a clear message when its native part is missing. */
export async function loadSharp(): Promise<Sharp> {
  if (sharpModule) return sharpModule;
  try {
    sharpModule = (await import('sharp')).default;
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    const why = missing ? 'is not installed (it is optional: an install with --omit=optional leaves it out)' : `cannot be loaded (${(e as Error).message.split('\n')[0]})`;
    throw new DataError(`sharp, the image library that PNG previews, reports and images other than PNG need, ${why}; install it with 'npm install sharp'`);
  }
  return sharpModule;
}

export interface GrayImage {
  width: number;
  height: number;
  /** width × height bytes, 0 = black, 255 = white. */
  pixels: Uint8Array;
}

/** Encodes a grayscale image as PNG, upscaled by an integer factor with nearest neighbour so pixels stay crisp. */
export async function encodeGrayPng(img: GrayImage, scale = 1): Promise<Buffer> {
  if (!(Number.isInteger(scale) && scale >= 1)) throw optionError('scale', `${scale}, expected a whole number >= 1`);
  const sharp = await loadSharp();
  return sharp(Buffer.from(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength), {
    raw: { width: img.width, height: img.height, channels: 1 },
  })
    .resize(img.width * scale, img.height * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
}
