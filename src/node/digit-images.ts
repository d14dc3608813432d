/**
 * Reading people's digit images: decoding only. PNGs are decoded in plain JavaScript (png.ts);
 * every other format by sharp, when it is installed. Everything after the decoded pixels
 * (grayscale on white paper, MNIST's preprocessing) is the portable code in src/data, which the
 * draw-a-digit page runs too.
 */
import { readFileSync } from 'node:fs';
import { DataError } from '../engine/errors.js';
import { grayFromRgba, prepareDigit, type Gray, type PreparedDigit } from '../data/preprocess.js';
import { loadSharp } from './images.js';
import { decodePng, isPng } from './png.js';
import { whyUnreadable } from './unreadable.js';

function readBytes(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read (${whyUnreadable(e, 'an image file')})`);
  }
  if (bytes.length === 0) throw new DataError(`${path}: empty file, expected an image`);
  return bytes;
}

/** Decodes any format sharp reads (turned as its EXIF says) into grayscale bytes on white paper. */
async function sharpGray(bytes: Uint8Array, path: string): Promise<Gray> {
  let sharp: Awaited<ReturnType<typeof loadSharp>>;
  try {
    sharp = await loadSharp();
  } catch (e) {
    throw new DataError(`${path}: not a PNG, and ${(e as Error).message}`);
  }
  try {
    // sharp's default input pixel limit stays on: a decompression bomb is refused, not decoded.
    const { data, info } = await sharp(bytes).rotate().toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return grayFromRgba(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height);
  } catch (e) {
    throw new DataError(`${path}: not an image that can be read (${(e as Error).message.split('\n')[0]})`);
  }
}

/** An image file as grayscale on white paper: PNG without sharp, any other format through it. */
export async function readGrayImage(path: string): Promise<Gray> {
  const bytes = readBytes(path);
  return isPng(bytes) ? decodePng(bytes, path) : sharpGray(bytes, path);
}

/** An image file prepared as MNIST's digits were (the 28×28 input `predict` gives the model). */
export async function readDigitImage(path: string): Promise<PreparedDigit> {
  return prepareDigit(await readGrayImage(path), path);
}
