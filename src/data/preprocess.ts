/**
 * MNIST's own preprocessing, for people's photos and scans of digits (LeCun et al.: digits were
 * size-normalised to fit a 20×20 box keeping their aspect ratio, then centred in 28×28 by their
 * centre of mass). Pure functions over decoded pixels, the same in Node (`mnist-ts predict`, after
 * sharp decodes a file) and in the draw-a-digit page (after the browser decodes or draws it); the
 * resize between the two steps is pica's (resize.ts), since resampling is a solved problem.
 */
import { DataError } from '../engine/errors.js';
import { resizeGray } from './resize.js';

export const MNIST_SIDE = 28;
export const MNIST_BOX = 20;
/** After stretching, a pixel is ink from this level up (of 255): ignores paper texture and JPEG noise. */
export const INK_THRESHOLD = 64;

export interface Gray {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Decoded RGBA (straight alpha, 8 bits a channel) as grayscale bytes, laid on white paper:
 * luma = 0.299 R + 0.587 G + 0.114 B (Rec. 601), then mixed with white by the alpha.
 */
export function grayFromRgba(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Gray {
  if (rgba.length !== width * height * 4) throw new DataError(`RGBA pixels: ${rgba.length} bytes, expected ${width}×${height}×4 = ${width * height * 4}`);
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const luma = 0.299 * rgba[i * 4] + 0.587 * rgba[i * 4 + 1] + 0.114 * rgba[i * 4 + 2];
    const alpha = rgba[i * 4 + 3] / 255;
    pixels[i] = Math.round(luma * alpha + 255 * (1 - alpha));
  }
  return { width, height, pixels };
}

/** A background above this level (of 255) is paper: dark ink on light, to be inverted. */
export const LIGHT_BACKGROUND = 127;

/** Whether an image's background (backgroundLevel) is light: dark ink on paper. */
export function isLightBackground(level: number): boolean {
  return level > LIGHT_BACKGROUND;
}

function median(values: number[]): number {
  const s = values.sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The background level: the median of the border pixels. */
export function backgroundLevel(img: Gray): number {
  const { width: w, height: h, pixels } = img;
  const border: number[] = [];
  for (let x = 0; x < w; x++) border.push(pixels[x], pixels[(h - 1) * w + x]);
  for (let y = 0; y < h; y++) border.push(pixels[y * w], pixels[y * w + w - 1]);
  return median(border);
}

/**
 * White ink on black, as MNIST: inverted when the background is light (dark ink on paper), then
 * stretched so the background is 0 and the strongest ink 255. Returns null when there is no ink
 * (a blank image).
 */
export function normalizeInk(img: Gray): { image: Gray; inverted: boolean } | null {
  const bg = backgroundLevel(img);
  const inverted = isLightBackground(bg);
  const src = img.pixels;
  const out = new Uint8Array(src.length);
  const base = inverted ? 255 - bg : bg;
  let peak = 0;
  for (let i = 0; i < src.length; i++) {
    const v = inverted ? 255 - src[i] : src[i];
    out[i] = v;
    if (v > peak) peak = v;
  }
  const range = peak - base;
  if (range < 32) return null; // nothing stands out from the background
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(((out[i] - base) * 255) / range)));
  return { image: { width: img.width, height: img.height, pixels: out }, inverted };
}

/** The bounding box of the ink (pixels >= INK_THRESHOLD), or null if there is none. */
export function inkBox(img: Gray, threshold = INK_THRESHOLD): Box | null {
  const { width: w, height: h, pixels } = img;
  let left = w, right = -1, top = h, bottom = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (pixels[y * w + x] >= threshold) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
      }
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** The size that fits `box` into MNIST_BOX × MNIST_BOX keeping its aspect ratio (at least 1 pixel). */
export function fitSize(width: number, height: number, box = MNIST_BOX): { width: number; height: number } {
  const scale = box / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Centre of mass (x, y) of the intensities. */
export function centerOfMass(img: Gray): { x: number; y: number } {
  let sum = 0, sx = 0, sy = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = img.pixels[y * img.width + x];
      sum += v;
      sx += v * x;
      sy += v * y;
    }
  }
  return sum === 0 ? { x: (img.width - 1) / 2, y: (img.height - 1) / 2 } : { x: sx / sum, y: sy / sum };
}

/**
 * Places the (≤ 20×20) digit in a 28×28 field so that its centre of mass lands on pixel (14, 14),
 * shifted by whole pixels, as MNIST was (its test digits' mean centre of mass is that pixel, to
 * within a hundredth); what would fall outside is clipped.
 */
export function centerInField(digit: Gray, side = MNIST_SIDE): Gray {
  const com = centerOfMass(digit);
  const centre = side / 2;
  const dx = Math.round(centre - com.x);
  const dy = Math.round(centre - com.y);
  const out = new Uint8Array(side * side);
  for (let y = 0; y < digit.height; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= side) continue;
    for (let x = 0; x < digit.width; x++) {
      const tx = x + dx;
      if (tx >= 0 && tx < side) out[ty * side + tx] = digit.pixels[y * digit.width + x];
    }
  }
  return { width: side, height: side, pixels: out };
}

export interface PreparedDigit {
  /** 28×28 bytes, white ink on black, as the model sees it. */
  image: Gray;
  inverted: boolean;
  original: { width: number; height: number };
}

/**
 * A 28×28 image on a dark background is taken to be in MNIST's format already (an exported
 * preview, a data-set digit) and is used exactly as it is, so that a round trip through PNG
 * changes nothing. Anything else goes through MNIST's preprocessing.
 */
export function isMnistReady(img: Gray): boolean {
  return img.width === MNIST_SIDE && img.height === MNIST_SIDE && !isLightBackground(backgroundLevel(img));
}

/**
 * MNIST's preprocessing of one grayscale image: white ink on black, cropped to the ink, fitted into
 * 20×20 (Lanczos-3), centred by mass in 28×28. `source` names the image in errors (a blank one).
 */
export async function prepareDigit(img: Gray, source: string): Promise<PreparedDigit> {
  const original = { width: img.width, height: img.height };
  if (isMnistReady(img)) return { image: img, inverted: false, original };
  const ink = normalizeInk(img);
  if (!ink) throw new DataError(`${source}: no digit found (the image is blank: nothing stands out from the background)`);
  const box = inkBox(ink.image);
  if (!box) throw new DataError(`${source}: no digit found (no ink above the threshold)`);
  const size = fitSize(box.width, box.height);
  const small = await resizeGray(crop(ink.image, box), size.width, size.height);
  return { image: centerInField(small), inverted: ink.inverted, original };
}

/** The pixels of `box` in `img`. */
export function crop(img: Gray, box: Box): Gray {
  const pixels = new Uint8Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    const from = (box.top + y) * img.width + box.left;
    pixels.set(img.pixels.subarray(from, from + box.width), y * box.width);
  }
  return { width: box.width, height: box.height, pixels };
}
