/**
 * Charts as SVG text (rendered to PNG by the Node side): training curves and the confusion matrix.
 * Plain strings, no DOM, so they work anywhere.
 */

import { esc, FONT } from './svg.js';

function linePath(values: number[], x: (i: number) => number, y: (v: number) => number): string {
  return values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Epoch numbers to mark on the x axis: every one up to 10 epochs, round steps beyond. */
function epochTicks(n: number): number[] {
  if (n <= 10) return Array.from({ length: n }, (_, i) => i + 1);
  const step = niceTicks(0, n, 6)[1] ?? 1;
  const ticks = [1];
  for (let e = step; e <= n; e += step) ticks.push(e);
  return ticks;
}

/** One panel: a series against epochs, with ticks, labels and a light grid on both axes. */
function panel(title: string, values: number[], color: string, left: number, top: number, w: number, h: number): string {
  const lo0 = Math.min(...values);
  const hi0 = Math.max(...values);
  const pad = (hi0 - lo0) * 0.05 || Math.abs(hi0) * 0.05 || 1;
  const [lo, hi] = [lo0 - pad, hi0 + pad];
  const n = values.length;
  const xAt = (epoch: number) => left + (n === 1 ? w / 2 : ((epoch - 1) / (n - 1)) * w);
  const x = (i: number) => xAt(i + 1);
  const y = (v: number) => top + h - ((v - lo) / (hi - lo)) * h;
  const yTicks = niceTicks(lo, hi);
  const decimals = Math.max(0, -Math.floor(Math.log10((yTicks[1] ?? hi) - yTicks[0] || 1)));
  const grid: string[] = [];
  for (const v of yTicks) {
    grid.push(`<line x1="${left}" x2="${left + w}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`);
    grid.push(`<line x1="${left - 4}" x2="${left}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#666"/>`);
    grid.push(`<text x="${left - 7}" y="${(y(v) + 4).toFixed(1)}" ${FONT} font-size="11" text-anchor="end">${v.toFixed(decimals)}</text>`);
  }
  for (const e of epochTicks(n)) {
    grid.push(`<line x1="${xAt(e).toFixed(1)}" x2="${xAt(e).toFixed(1)}" y1="${top}" y2="${top + h}" stroke="#e3e3e3"/>`);
    grid.push(`<line x1="${xAt(e).toFixed(1)}" x2="${xAt(e).toFixed(1)}" y1="${top + h}" y2="${top + h + 4}" stroke="#666"/>`);
    grid.push(`<text x="${xAt(e).toFixed(1)}" y="${top + h + 17}" ${FONT} font-size="11" text-anchor="middle">${e}</text>`);
  }
  const dots = values.map((v, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${color}"/>`).join('');
  return [
    `<text x="${left}" y="${top - 10}" ${FONT} font-size="14" font-weight="bold">${esc(title)}</text>`,
    ...grid,
    `<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`,
    `<text x="${left + w / 2}" y="${top + h + 34}" ${FONT} font-size="12" text-anchor="middle">epoch</text>`,
    `<path d="${linePath(values, x, y)}" fill="none" stroke="${color}" stroke-width="2"/>`,
    dots,
  ].join('');
}

/** A colour bar for the diverging map: blue at the left end, white in the middle, red at the right. */
export function divergingLegendSvg(leftLabel: string, rightLabel: string, caption: string, width = 420): { svg: string; width: number; height: number } {
  const height = 58;
  const barX = 20;
  const barW = width - 40;
  return {
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<defs><linearGradient id="d"><stop offset="0" stop-color="rgb(33,102,172)"/><stop offset="0.5" stop-color="white"/><stop offset="1" stop-color="rgb(178,24,43)"/></linearGradient></defs>` +
      `<rect width="${width}" height="${height}" fill="white"/>` +
      `<rect x="${barX}" y="8" width="${barW}" height="14" fill="url(#d)" stroke="#999"/>` +
      `<text x="${barX}" y="36" ${FONT} font-size="11">${esc(leftLabel)}</text>` +
      `<text x="${barX + barW / 2}" y="36" ${FONT} font-size="11" text-anchor="middle">0</text>` +
      `<text x="${barX + barW}" y="36" ${FONT} font-size="11" text-anchor="end">${esc(rightLabel)}</text>` +
      `<text x="${width / 2}" y="52" ${FONT} font-size="11" text-anchor="middle" fill="#555">${esc(caption)}</text></svg>`,
    width,
    height,
  };
}

/** One series per epoch as a chart of its own (the page shows cost and accuracy this way); it scales to its box. */
export function curveSvg(title: string, values: number[], color: string): { svg: string; width: number; height: number } {
  const width = 400;
  const height = 300;
  const body = values.length > 0 ? panel(title, values, color, 60, 34, 320, 220) : `<text x="20" y="150" ${FONT} font-size="13">${esc(title)}: no epochs yet</text>`;
  return { svg: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="white"/>${body}</svg>`, width, height };
}

/** Cost and validation accuracy per epoch, side by side. */
export function trainingCurvesSvg(costs: number[], accuracies: (number | null)[]): { svg: string; width: number; height: number } {
  const width = 860;
  const height = 330;
  const parts = [`<rect width="${width}" height="${height}" fill="white"/>`, panel('cost (mean cross-entropy)', costs, '#1f77b4', 70, 40, 320, 230)];
  const acc = accuracies.filter((a): a is number => a !== null);
  if (acc.length === accuracies.length && acc.length > 0) parts.push(panel('validation accuracy', acc, '#2ca02c', 500, 40, 320, 230));
  else parts.push(`<text x="500" y="150" ${FONT} font-size="13">no validation accuracy recorded</text>`);
  return { svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`, width, height };
}

/** The confusion matrix with counts in the cells: the diagonal in green, errors in red, shaded by count. */
export function confusionSvg(matrix: number[][]): { svg: string; width: number; height: number } {
  const k = matrix.length;
  const cell = 48;
  const left = 70;
  const top = 60;
  const width = left + k * cell + 20;
  const height = top + k * cell + 20;
  const maxOff = Math.max(1, ...matrix.flatMap((row, t) => row.filter((_, p) => p !== t)));
  const maxDiag = Math.max(1, ...matrix.map((row, t) => row[t]));
  const parts = [`<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left + (k * cell) / 2}" y="20" ${FONT} font-size="13" text-anchor="middle">predicted digit</text>`,
    `<text x="16" y="${top + (k * cell) / 2}" ${FONT} font-size="13" text-anchor="middle" transform="rotate(-90 16 ${top + (k * cell) / 2})">true digit</text>`];
  for (let d = 0; d < k; d++) {
    parts.push(`<text x="${left + d * cell + cell / 2}" y="${top - 8}" ${FONT} font-size="13" text-anchor="middle">${d}</text>`);
    parts.push(`<text x="${left - 10}" y="${top + d * cell + cell / 2 + 5}" ${FONT} font-size="13" text-anchor="end">${d}</text>`);
  }
  matrix.forEach((row, t) =>
    row.forEach((count, p) => {
      const diag = t === p;
      const a = diag ? 0.25 + 0.75 * (count / maxDiag) : count === 0 ? 0 : 0.08 + 0.92 * (count / maxOff);
      const fill = diag ? `rgba(44,160,44,${a.toFixed(3)})` : `rgba(214,39,40,${a.toFixed(3)})`;
      const x = left + p * cell;
      const y = top + t * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ddd"/>`);
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" ${FONT} font-size="12" text-anchor="middle" fill="${a > 0.6 ? 'white' : '#222'}"${diag ? ' font-weight="bold"' : ''}>${count}</text>`);
    }),
  );
  return { svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`, width, height };
}
