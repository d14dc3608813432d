/**
 * One renderer for every picture made of captioned tiles: `inspect --index/--grid`, the predict
 * contact sheet, the report's mistakes gallery and weight maps. Tiles are grayscale digits
 * (upscaled with nearest neighbour, so pixels stay crisp) or images already encoded; each gets up
 * to two lines of caption under it, and optionally a red frame.
 */
import { esc, FONT } from '../report/svg.js';
import { encodeGrayPng, loadSharp } from './images.js';

export interface SheetCell {
  /** A grayscale tile of the sheet's width × height bytes (white ink on black for digits)... */
  pixels?: Uint8Array;
  /** ...or an image already encoded at the tile's drawn size (width·scale × height·scale). */
  png?: Buffer;
  caption: string;
  /** A second, smaller line under the caption. */
  detail?: string;
  /** Caption colour (default near-black). */
  color?: string;
  /** Framed in red: a mistake. */
  framed?: boolean;
}

export interface SheetLayout {
  /** The tile's size in source pixels. */
  width: number;
  height: number;
  /** Upscaling of each tile (default 3). */
  scale?: number;
  /** Tiles per row (default: up to 10). */
  columns?: number;
  /** Narrowest cell, room for the caption (default 116 px). */
  minCellWidth?: number;
}

const PAD = 6;
const LINE_H = 16;

export async function labelledSheetPng(cells: SheetCell[], layout: SheetLayout): Promise<{ bytes: Buffer; width: number; height: number }> {
  const sharp = await loadSharp();
  const scale = layout.scale ?? 3;
  const tileW = layout.width * scale;
  const tileH = layout.height * scale;
  const lines = cells.some((c) => c.detail) ? 2 : 1;
  const columns = Math.max(1, Math.min(layout.columns ?? 10, cells.length));
  const rows = Math.max(1, Math.ceil(cells.length / columns));
  const cellW = Math.max(tileW + 2 * PAD, layout.minCellWidth ?? 116);
  const cellH = tileH + 2 * PAD + lines * LINE_H + 4;
  const width = columns * cellW;
  const height = rows * cellH;
  const overlays: { input: Buffer; left: number; top: number }[] = [];
  const marks: string[] = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    const x = (i % columns) * cellW;
    const y = Math.floor(i / columns) * cellH;
    const left = x + Math.floor((cellW - tileW) / 2);
    const tile = c.png ?? (await encodeGrayPng({ width: layout.width, height: layout.height, pixels: c.pixels! }, scale));
    overlays.push({ input: tile, left, top: y + PAD });
    if (c.framed) marks.push(`<rect x="${left - 3}" y="${y + PAD - 3}" width="${tileW + 6}" height="${tileH + 6}" fill="none" stroke="#d62728" stroke-width="4"/>`);
    const textY = y + PAD + tileH + 16;
    marks.push(`<text x="${x + cellW / 2}" y="${textY}" text-anchor="middle" ${FONT} font-size="12" fill="${c.color ?? '#222'}">${esc(c.caption)}</text>`);
    if (c.detail) marks.push(`<text x="${x + cellW / 2}" y="${textY + LINE_H}" text-anchor="middle" ${FONT} font-size="11" fill="#555">${esc(c.detail)}</text>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${marks.join('')}</svg>`;
  const bytes = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([...overlays, { input: Buffer.from(svg), left: 0, top: 0 }])
    .png()
    .toBuffer();
  return { bytes, width, height };
}
