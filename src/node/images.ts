/**
 * Grayscale digits to PNG with sharp. sharp ships native libvips, so it is imported lazily here,
 * on the Node side only, and never by the engine.
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
    throw new DataError(`sharp: cannot load the image library (${(e as Error).message.split('\n')[0]}); reinstall with 'npm install sharp'`);
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
