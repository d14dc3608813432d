/**
 * A drawing as MNIST would have it: the centre lines of a person's strokes, rendered again at a
 * size and an ink width of their own. MNIST's writers used one pen on one form, so a digit's ink is
 * about a seventh of its size wide; a digit drawn small with a broad brush, or large with a fine
 * one, or pressed hard, is a blob or a thread once it is fitted into 20×20. Rendering the strokes
 * with an ink width that follows the drawing's size gives the model the pen it learned from,
 * whatever the size, position or pressure of the drawing. The result is a picture (dark ink on
 * white paper) that then goes through `prepareDigit`, as an image file does.
 */
import type { Gray } from './preprocess.js';

export interface Point {
  x: number;
  y: number;
}

/** One stroke: the points a pen passed through, in order (one point is a dot). */
export type Stroke = readonly Point[];

/** The longest side of the strokes' centre lines once rendered, in pixels (4× MNIST's 20-pixel box). */
export const RENDER_SIDE = 80;
/**
 * The ink's width as a share of the longest side of the centre lines: fitted into MNIST's 20-pixel
 * box, 0.15 gives a stroke of 20 · 0.15 / 1.15 ≈ 2.6 pixels, MNIST's own.
 */
export const INK_SHARE = 0.15;
/** A drawing whose centre lines span less than this share of the pad is a tap or a slip, not a digit. */
export const SMALLEST_SHARE = 0.02;

interface Bounds {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function bounds(strokes: readonly Stroke[]): Bounds | null {
  const b = { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
  for (const s of strokes) {
    for (const p of s) {
      b.left = Math.min(b.left, p.x);
      b.right = Math.max(b.right, p.x);
      b.top = Math.min(b.top, p.y);
      b.bottom = Math.max(b.bottom, p.y);
    }
  }
  return b.right < b.left ? null : b;
}

/** Distance from (px, py) to the segment a–b. */
function distanceToSegment(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x, dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / length2));
  const ex = px - (a.x + t * dx), ey = py - (a.y + t * dy);
  return Math.sqrt(ex * ex + ey * ey);
}

/** Ink coverage of each pixel, from one segment drawn with round ends (antialiased over a pixel). */
function inkSegment(ink: Float32Array, width: number, height: number, a: Point, b: Point, half: number): void {
  const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - half - 1)), x1 = Math.min(width - 1, Math.ceil(Math.max(a.x, b.x) + half + 1));
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - half - 1)), y1 = Math.min(height - 1, Math.ceil(Math.max(a.y, b.y) + half + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const cover = half + 0.5 - distanceToSegment(x + 0.5, y + 0.5, a, b);
      if (cover > ink[y * width + x]) ink[y * width + x] = Math.min(1, cover);
    }
  }
}

/**
 * The strokes rendered as dark ink on white paper: scaled so that their centre lines' longest side
 * is RENDER_SIDE pixels, drawn INK_SHARE of that wide, with a margin. `padSide` is the size of the
 * surface they were drawn on. Null when there is nothing to read: no point, or a tap (SMALLEST_SHARE).
 */
export function renderStrokes(strokes: readonly Stroke[], padSide: number): Gray | null {
  const b = bounds(strokes);
  if (!b) return null;
  const side = Math.max(b.right - b.left, b.bottom - b.top);
  if (side < SMALLEST_SHARE * padSide) return null;
  const scale = RENDER_SIDE / side;
  const half = (INK_SHARE * RENDER_SIDE) / 2;
  const margin = Math.ceil(half) + 2;
  const width = Math.ceil((b.right - b.left) * scale) + 2 * margin;
  const height = Math.ceil((b.bottom - b.top) * scale) + 2 * margin;
  const at = (p: Point): Point => ({ x: (p.x - b.left) * scale + margin, y: (p.y - b.top) * scale + margin });
  const ink = new Float32Array(width * height);
  for (const s of strokes) {
    if (s.length === 0) continue;
    let last = at(s[0]);
    inkSegment(ink, width, height, last, last, half);
    for (let i = 1; i < s.length; i++) {
      const p = at(s[i]);
      inkSegment(ink, width, height, last, p, half);
      last = p;
    }
  }
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(255 * (1 - ink[i]));
  return { width, height, pixels };
}
