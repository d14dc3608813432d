/**
 * Charts as SVG text (rendered to PNG by the Node side): training curves and the confusion matrix.
 * Plain strings, no DOM, so they work anywhere.
 */

const FONT = 'font-family="DejaVu Sans, sans-serif"';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function linePath(values: number[], x: (i: number) => number, y: (v: number) => number): string {
  return values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
}

/** One panel: a series against epochs, with min/max labels on the y axis. */
function panel(title: string, values: number[], color: string, left: number, top: number, w: number, h: number): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || Math.abs(hi) || 1;
  const n = values.length;
  const x = (i: number) => left + (n === 1 ? w / 2 : (i / (n - 1)) * w);
  const y = (v: number) => top + h - ((v - lo) / span) * h;
  const dots = values.map((v, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${color}"/>`).join('');
  return [
    `<text x="${left}" y="${top - 10}" ${FONT} font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#bbb"/>`,
    `<text x="${left - 6}" y="${top + 4}" ${FONT} font-size="11" text-anchor="end">${hi.toPrecision(4)}</text>`,
    `<text x="${left - 6}" y="${top + h + 4}" ${FONT} font-size="11" text-anchor="end">${lo.toPrecision(4)}</text>`,
    `<text x="${left}" y="${top + h + 18}" ${FONT} font-size="11">epoch 1</text>`,
    `<text x="${left + w}" y="${top + h + 18}" ${FONT} font-size="11" text-anchor="end">epoch ${n}</text>`,
    `<path d="${linePath(values, x, y)}" fill="none" stroke="${color}" stroke-width="2"/>`,
    dots,
  ].join('');
}

/** Cost and validation accuracy per epoch, side by side. */
export function trainingCurvesSvg(costs: number[], accuracies: (number | null)[]): { svg: string; width: number; height: number } {
  const width = 860;
  const height = 320;
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
