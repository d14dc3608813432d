/**
 * Reading people's digit images with sharp and preparing them as MNIST was prepared: grayscale,
 * white ink on black, cropped to the ink, fitted into 20×20, centred by mass in 28×28.
 */
import { statSync } from 'node:fs';
import { DataError } from '../engine/errors.js';
import { backgroundLevel, centerInField, fitSize, inkBox, isLightBackground, MNIST_SIDE, normalizeInk, type Gray } from '../data/preprocess.js';
import { loadSharp } from './images.js';

export interface PreparedDigit {
  /** 28×28 bytes, white ink on black, as the model sees it. */
  image: Gray;
  inverted: boolean;
  original: { width: number; height: number };
}

/** Decodes any format sharp reads into grayscale bytes; transparency is laid on white paper. */
export async function readGray(path: string): Promise<Gray> {
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
    const { data, info } = await sharp(path).flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height) };
  } catch (e) {
    throw new DataError(`${path}: not an image that can be read (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * A 28×28 image on a dark background is taken to be in MNIST's format already (an exported
 * preview, a data-set digit) and is used exactly as it is, so that a round trip through PNG
 * changes nothing. Anything else goes through MNIST's preprocessing.
 */
export function isMnistReady(img: Gray): boolean {
  return img.width === MNIST_SIDE && img.height === MNIST_SIDE && !isLightBackground(backgroundLevel(img));
}

export async function prepareDigit(img: Gray, source: string): Promise<PreparedDigit> {
  if (isMnistReady(img)) return { image: img, inverted: false, original: { width: img.width, height: img.height } };
  const ink = normalizeInk(img);
  if (!ink) throw new DataError(`${source}: no digit found (the image is blank: nothing stands out from the background)`);
  const box = inkBox(ink.image);
  if (!box) throw new DataError(`${source}: no digit found (no ink above the threshold)`);
  const size = fitSize(box.width, box.height);
  const sharp = await loadSharp();
  const { data } = await sharp(Buffer.from(ink.image.pixels), { raw: { width: ink.image.width, height: ink.image.height, channels: 1 } })
    .extract({ left: box.left, top: box.top, width: box.width, height: box.height })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const small: Gray = { width: size.width, height: size.height, pixels: new Uint8Array(data.buffer, data.byteOffset, size.width * size.height) };
  return { image: centerInField(small), inverted: ink.inverted, original: { width: img.width, height: img.height } };
}

export async function readDigitImage(path: string): Promise<PreparedDigit> {
  return prepareDigit(await readGray(path), path);
}
