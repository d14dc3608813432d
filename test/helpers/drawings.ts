/**
 * Twenty-two digits drawn by hand as a person draws them: strokes (centre lines) in a unit square,
 * x to the right and y down, two or three ways of writing each digit. The browser tests draw them
 * on the page's pad as mouse strokes, at full size and small; the strokes' tests render them.
 */
import type { Point, Stroke } from '../../src/data/strokes.js';

/** Points along an ellipse from `from` to `to` degrees (0 is to the right, 90 down), every 10°. */
function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number): Point[] {
  const n = Math.max(2, Math.ceil(Math.abs(to - from) / 10));
  return Array.from({ length: n + 1 }, (_, i) => {
    const a = ((from + ((to - from) * i) / n) * Math.PI) / 180;
    return { x: cx + rx * Math.cos(a), y: cy + ry * Math.sin(a) };
  });
}

const p = (...xy: number[]): Point[] => Array.from({ length: xy.length / 2 }, (_, i) => ({ x: xy[2 * i], y: xy[2 * i + 1] }));

/** A figure of eight in one stroke: down the left of the top loop, across, round the bottom, back up. */
function eight(): Point[] {
  return Array.from({ length: 49 }, (_, i) => {
    const t = (i / 48) * 2 * Math.PI;
    return { x: 0.5 - 0.18 * Math.sin(2 * t), y: 0.5 - 0.38 * Math.cos(t) };
  });
}

export interface Drawing {
  digit: number;
  strokes: Stroke[];
}

export const DRAWINGS: Drawing[] = [
  { digit: 0, strokes: [arc(0.5, 0.5, 0.22, 0.38, -90, 270)] },
  { digit: 0, strokes: [arc(0.5, 0.5, 0.26, 0.36, -80, 285)] },
  { digit: 1, strokes: [p(0.5, 0.1, 0.5, 0.9)] },
  { digit: 1, strokes: [p(0.38, 0.24, 0.55, 0.1, 0.55, 0.9)] },
  { digit: 1, strokes: [p(0.6, 0.1, 0.44, 0.9)] },
  { digit: 2, strokes: [[...arc(0.5, 0.3, 0.2, 0.2, 180, 400), ...p(0.3, 0.88, 0.76, 0.88)]] },
  { digit: 2, strokes: [[...arc(0.5, 0.32, 0.22, 0.22, 170, 390), ...p(0.27, 0.86, 0.5, 0.82, 0.78, 0.86)]] },
  { digit: 3, strokes: [[...arc(0.48, 0.3, 0.2, 0.2, 200, 450), ...arc(0.48, 0.7, 0.22, 0.2, 270, 495)]] },
  { digit: 3, strokes: [[...p(0.3, 0.12, 0.7, 0.12, 0.46, 0.44), ...arc(0.48, 0.67, 0.23, 0.23, 260, 500)]] },
  { digit: 4, strokes: [p(0.58, 0.1, 0.24, 0.62, 0.8, 0.62), p(0.62, 0.3, 0.62, 0.9)] },
  { digit: 4, strokes: [p(0.3, 0.1, 0.28, 0.55, 0.74, 0.55), p(0.68, 0.1, 0.68, 0.9)] },
  { digit: 5, strokes: [[...p(0.72, 0.1, 0.34, 0.1, 0.31, 0.46), ...arc(0.48, 0.66, 0.22, 0.22, 230, 495)]] },
  { digit: 5, strokes: [[...p(0.34, 0.12, 0.31, 0.46), ...arc(0.48, 0.66, 0.22, 0.22, 230, 495)], p(0.34, 0.12, 0.74, 0.12)] },
  { digit: 6, strokes: [[...p(0.66, 0.1, 0.46, 0.28, 0.34, 0.52), ...arc(0.52, 0.7, 0.19, 0.19, 180, 540)]] },
  { digit: 6, strokes: [[...p(0.7, 0.12, 0.5, 0.24, 0.36, 0.46, 0.32, 0.68), ...arc(0.5, 0.7, 0.18, 0.18, 180, 520)]] },
  { digit: 7, strokes: [p(0.25, 0.12, 0.75, 0.12, 0.42, 0.9)] },
  { digit: 7, strokes: [p(0.25, 0.12, 0.75, 0.12, 0.42, 0.9), p(0.38, 0.5, 0.72, 0.5)] },
  { digit: 7, strokes: [p(0.28, 0.18, 0.72, 0.12, 0.56, 0.5, 0.48, 0.9)] },
  { digit: 8, strokes: [arc(0.5, 0.3, 0.17, 0.18, 90, 450), arc(0.5, 0.69, 0.21, 0.2, -90, 270)] },
  { digit: 8, strokes: [eight()] },
  { digit: 9, strokes: [[...arc(0.5, 0.32, 0.19, 0.2, 0, 360), ...p(0.69, 0.32, 0.66, 0.9)]] },
  { digit: 9, strokes: [[...arc(0.48, 0.3, 0.2, 0.2, -10, 350), ...p(0.68, 0.27, 0.62, 0.6, 0.46, 0.9)]] },
];
