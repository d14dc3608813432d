/**
 * PNG decoding in plain JavaScript, by pngjs (a well-kept decoder with no native code), so that
 * reading a PNG digit needs no sharp: an install with --omit=optional still predicts PNGs. Every
 * PNG goes this way, with or without sharp, so that both installs read the very same pixels.
 */
import pngjs from 'pngjs';
import { DataError } from '../engine/errors.js';
import { grayFromRgba, type Gray } from '../data/preprocess.js';

/** The largest image decoded, in pixels (sharp's own default limit): a decompression bomb is refused before it is inflated. */
export const MAX_IMAGE_PIXELS = 0x3fff * 0x3fff;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= SIGNATURE.length && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Width and height from the IHDR chunk, which the PNG format puts first. */
function declaredSize(bytes: Uint8Array, source: string): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
    throw new DataError(`${source}: not a PNG that can be read (no IHDR chunk after the signature)`);
  }
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** pngjs's reason, in words: a file that ends early reports the reads still waiting on its stream. */
function pngjsReason(e: Error): string {
  const first = e.message.split('\n')[0];
  return /read requests wait/i.test(first) ? 'the file ends before its image does: truncated?' : first;
}

/** Any PNG (gray, palette, RGB, with alpha or not, 1 to 16 bits, interlaced) as grayscale on white paper. */
export function decodePng(bytes: Uint8Array, source: string): Gray {
  const { width, height } = declaredSize(bytes, source);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new DataError(`${source}: ${width}×${height} pixels, more than the ${MAX_IMAGE_PIXELS} an image may have`);
  }
  let png: pngjs.PNGWithMetadata;
  try {
    png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new DataError(`${source}: not a PNG that can be read (${pngjsReason(e as Error)})`);
  }
  return grayFromRgba(new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
}
