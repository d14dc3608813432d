/**
 * Reading people's digit images with sharp: decoding only. Everything after the decoded pixels
 * (grayscale on white paper, MNIST's preprocessing) is the portable code in src/data, which the
 * draw-a-digit page runs too.
 */
import { statSync } from 'node:fs';
import { DataError } from '../engine/errors.js';
import { grayFromRgba, prepareDigit, type Gray, type PreparedDigit } from '../data/preprocess.js';
import { loadSharp } from './images.js';

/** Decodes any format sharp reads (turned as its EXIF says) into grayscale bytes on white paper. */
async function readGray(path: string): Promise<Gray> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new DataError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message})`);
  }
  if (size === 0) throw new DataError(`${path}: empty file, expected an image`);
  const sharp = await loadSharp();
  try {
    // sharp's default input pixel limit stays on: a decompression bomb is refused, not decoded.
    const { data, info } = await sharp(path).rotate().toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return grayFromRgba(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height);
  } catch (e) {
    throw new DataError(`${path}: not an image that can be read (${(e as Error).message.split('\n')[0]})`);
  }
}

export async function readDigitImage(path: string): Promise<PreparedDigit> {
  return prepareDigit(await readGray(path), path);
}
