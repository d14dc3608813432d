/**
 * What `predict --out DIR` writes: predictions.csv and predictions.json (source, predicted digit,
 * confidence, the ten probabilities, the true label where known), one PNG preview per input as
 * the model saw it, and a contact sheet labelled with predicted and true digits, mistakes marked.
 * Every file is written atomically, so an interrupted run leaves nothing half-written.
 */
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { encodeGrayPng } from './images.js';
import { labelledSheetPng } from './labelled-sheet.js';

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

function predictionsCsv(rows: Prediction[]): string {
  const classes = rows[0]?.probabilities.length ?? 10;
  const head = ['source', 'predicted', 'confidence', ...Array.from({ length: classes }, (_, d) => `p${d}`), 'label', 'preview'];
  const lines = rows.map((r) =>
    [csvField(r.source), r.predicted, r.confidence.toFixed(6), ...r.probabilities.map((p) => p.toFixed(6)), r.label ?? '', r.preview ?? ''].join(','),
  );
  return [head.join(','), ...lines].join('\n') + '\n';
}

function previewName(index: number, source: string): string {
  // test[951] becomes test_951, my digit.jpg my_digit.
  const base = source.split(/[\\/]/).pop()!.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  return `${String(index + 1).padStart(3, '0')}-${base || 'image'}.png`;
}

/** "photo.jpg", "train[3]": a file's own name, short enough for a caption. */
function shortSource(source: string, max = 18): string {
  const name = source.split(/[\\/]/).pop() ?? source;
  return name.length <= max ? name : `${name.slice(0, max - 1)}…`;
}

/**
 * The contact sheet: each digit as the model saw it, captioned with the predicted digit and its
 * confidence (and the true label where known), the source's name under that; mistakes framed in red.
 */
async function contactSheetPng(rows: Prediction[]): Promise<Buffer> {
  const cells = rows.map((r) => {
    const wrong = r.label !== null && r.label !== r.predicted;
    const caption = `pred ${r.predicted} (${r.confidence.toFixed(2)})${r.label === null ? '' : ` · true ${r.label}`}`;
    return { pixels: r.pixels, caption, detail: shortSource(r.source), color: wrong ? '#d62728' : undefined, framed: wrong };
  });
  return (await labelledSheetPng(cells, { width: 28, height: 28, scale: 3, minCellWidth: 150 })).bytes;
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
