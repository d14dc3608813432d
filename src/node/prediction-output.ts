/**
 * What `predict --out DIR` writes: predictions.csv and predictions.json (source, predicted digit,
 * confidence, the ten probabilities, the true label where known), one PNG preview per input as
 * the model saw it, and a contact sheet labelled with predicted and true digits, mistakes marked.
 * Every file is written atomically, so an interrupted run leaves nothing half-written.
 */
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { encodeGrayPng, loadSharp } from './images.js';

export interface Prediction {
  source: string;
  predicted: number;
  confidence: number;
  probabilities: number[];
  label: number | null;
  /** The 28×28 input as the model saw it (white ink on black). */
  pixels: Uint8Array;
  preview?: string;
}

const PREVIEW_SCALE = 8;

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function predictionsCsv(rows: Prediction[]): string {
  const classes = rows[0]?.probabilities.length ?? 10;
  const head = ['source', 'predicted', 'confidence', ...Array.from({ length: classes }, (_, d) => `p${d}`), 'label', 'preview'];
  const lines = rows.map((r) =>
    [csvField(r.source), r.predicted, r.confidence.toFixed(6), ...r.probabilities.map((p) => p.toFixed(6)), r.label ?? '', r.preview ?? ''].join(','),
  );
  return [head.join(','), ...lines].join('\n') + '\n';
}

export function previewName(index: number, source: string): string {
  const base = source.split(/[\\/]/).pop()!.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]+/g, '_');
  return `${String(index + 1).padStart(3, '0')}-${base}.png`;
}

const CELL = 28 * 3; // digit drawn at 3×
const LABEL_H = 22;
const PAD = 6;

/** The contact sheet: each digit with "pred" (and "true" where known), mistakes framed in red. */
export async function contactSheetPng(rows: Prediction[]): Promise<Buffer> {
  const sharp = await loadSharp();
  const columns = Math.min(10, Math.max(1, rows.length));
  const gridRows = Math.ceil(rows.length / columns);
  const cellW = Math.max(CELL + 2 * PAD, 116); // room for "pred 7 · true 7"
  const cellH = CELL + LABEL_H + 2 * PAD;
  const width = columns * cellW;
  const height = gridRows * cellH;
  const overlays: { input: Buffer; left: number; top: number }[] = [];
  const labels: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const x = (i % columns) * cellW;
    const y = Math.floor(i / columns) * cellH;
    const wrong = r.label !== null && r.label !== r.predicted;
    overlays.push({ input: await encodeGrayPng({ width: 28, height: 28, pixels: r.pixels }, 3), left: x + PAD, top: y + PAD });
    if (wrong) labels.push(`<rect x="${x + PAD - 3}" y="${y + PAD - 3}" width="${CELL + 6}" height="${CELL + 6}" fill="none" stroke="#d62728" stroke-width="4"/>`);
    const text = r.label === null ? `pred ${r.predicted}` : `pred ${r.predicted} · true ${r.label}`;
    labels.push(`<text x="${x + cellW / 2}" y="${y + PAD + CELL + 16}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="12" fill="${wrong ? '#d62728' : '#222'}">${text}</text>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${labels.join('')}</svg>`;
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([...overlays, { input: Buffer.from(svg), left: 0, top: 0 }])
    .png()
    .toBuffer();
}

export async function writePredictionOutputs(dir: string, rows: Prediction[]): Promise<string[]> {
  const written: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const name = previewName(i, rows[i].source);
    rows[i].preview = join('previews', name);
    writeFileAtomic(join(dir, 'previews', name), await encodeGrayPng({ width: 28, height: 28, pixels: rows[i].pixels }, PREVIEW_SCALE));
  }
  writeFileAtomic(join(dir, 'predictions.csv'), predictionsCsv(rows));
  writeFileAtomic(join(dir, 'predictions.json'), JSON.stringify(rows.map(({ pixels: _p, ...r }) => r), null, 2) + '\n');
  writeFileAtomic(join(dir, 'contact-sheet.png'), await contactSheetPng(rows));
  written.push('predictions.csv', 'predictions.json', 'contact-sheet.png', `previews/ (${rows.length} PNG)`);
  return written;
}
