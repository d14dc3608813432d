/**
 * `mnist-ts report`: what a model learned, as images (sharp renders the SVG and composes the
 * digits): weight templates, the confusion matrix, the most confident mistakes, training curves,
 * and an index.html that shows them all, openable from disk.
 */
import { join } from 'node:path';
import { argmax, confusionMatrix } from '../engine/metrics.js';
import type { Sequential } from '../engine/sequential.js';
import type { Split } from '../data/dataset.js';
import { confusionSvg, trainingCurvesSvg } from '../report/charts.js';
import { rankMistakes, type Mistake } from '../report/mistakes.js';
import { weightMaps } from '../report/weights.js';
import type { CheckpointMeta } from '../train/checkpoint.js';
import { csrFromSplit } from '../train/data.js';
import { probabilitiesData } from '../train/evaluate-data.js';
import { writeFileAtomic } from './atomic-write.js';
import { encodeGrayPng, loadSharp } from './images.js';

export interface ReportInput {
  model: Sequential;
  meta: CheckpointMeta;
  test: Split;
  classes: number;
  /** Most mistakes shown in the gallery. */
  maxMistakes: number;
  source: string;
}

export interface ReportResult {
  files: string[];
  notes: string[];
  mistakes: Mistake[];
  shownMistakes: number;
  accuracy: number;
}

const FONT = 'font-family="DejaVu Sans, sans-serif"';

async function svgToPng(svg: string): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Tiles with a caption under each, on white. */
async function captionedGrid(tiles: { png: Buffer; caption: string; color?: string }[], tileW: number, tileH: number, columns: number): Promise<Buffer> {
  const sharp = await loadSharp();
  const pad = 8;
  const captionH = 20;
  const cellW = Math.max(tileW + 2 * pad, 120);
  const cellH = tileH + captionH + 2 * pad;
  const cols = Math.max(1, Math.min(columns, tiles.length));
  const rows = Math.max(1, Math.ceil(tiles.length / cols));
  const width = cols * cellW;
  const height = rows * cellH;
  const text = tiles
    .map((t, i) => {
      const x = (i % cols) * cellW + cellW / 2;
      const y = Math.floor(i / cols) * cellH + pad + tileH + 15;
      return `<text x="${x}" y="${y}" ${FONT} font-size="12" text-anchor="middle" fill="${t.color ?? '#222'}">${t.caption}</text>`;
    })
    .join('');
  const composites = tiles.map((t, i) => ({ input: t.png, left: (i % cols) * cellW + Math.floor((cellW - tileW) / 2), top: Math.floor(i / cols) * cellH + pad }));
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([...composites, { input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${text}</svg>`), left: 0, top: 0 }])
    .png()
    .toBuffer();
}

function indexHtml(sections: { file: string; title: string; caption: string }[], notes: string[], title: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = sections.map((s) => `<section><h2>${esc(s.title)}</h2><p>${esc(s.caption)}</p><img src="${s.file}" alt="${esc(s.title)}"></section>`).join('\n');
  const noteHtml = notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}img{max-width:100%;border:1px solid #ddd}section{margin-bottom:2em}.note{color:#a15c00}</style>
</head><body><h1>${esc(title)}</h1>
${noteHtml}
${body}
</body></html>
`;
}

export async function writeReport(dir: string, input: ReportInput): Promise<ReportResult> {
  const { model, meta, test, classes } = input;
  const sections: { file: string; title: string; caption: string }[] = [];
  const notes: string[] = [];
  // 1. Weight templates
  const maps = weightMaps(model, test.rows, test.cols);
  // MNIST-sized maps at 5× (140 px); a convolution's small filters drawn as large.
  const scale = Math.max(5, Math.round(140 / Math.max(maps[0].width, maps[0].height)));
  const sharp = await loadSharp();
  const tiles = await Promise.all(
    maps.map(async (m) => ({
      png: await sharp(Buffer.from(m.rgb), { raw: { width: m.width, height: m.height, channels: 3 } }).resize(m.width * scale, m.height * scale, { kernel: 'nearest' }).png().toBuffer(),
      caption: m.label,
    })),
  );
  writeFileAtomic(join(dir, 'weights.png'), await captionedGrid(tiles, maps[0].width * scale, maps[0].height * scale, maps.length === 10 ? 5 : 8));
  sections.push({
    file: 'weights.png',
    title: 'Weight templates',
    caption: model.layers[0].type === 'conv2d'
      ? `The first convolution's ${maps.length} filters (${maps[0].height}×${maps[0].width}), each scaled to its own largest weight: red weights excite the filter, blue inhibit it.`
      : model.layers.length === 1
        ? 'Each digit\'s column of W drawn as an image: red pixels are evidence for the digit, blue against it.'
        : `The first layer's ${maps.length} units with the largest weight norms: red pixels excite the unit, blue inhibit it.`,
  });

  // 2. Confusion matrix, 3. mistakes
  const probs = probabilitiesData(model, csrFromSplit(test, classes));
  const predicted = argmax(probs, test.count, classes);
  const matrix = confusionMatrix(predicted, test.labels, classes);
  const correct = matrix.reduce((s, row, t) => s + row[t], 0);
  writeFileAtomic(join(dir, 'confusion.png'), await svgToPng(confusionSvg(matrix).svg));
  sections.push({ file: 'confusion.png', title: 'Confusion matrix', caption: `${test.count} test images: rows are the true digit, columns the prediction; the diagonal (green) is right, red cells are mistakes. Accuracy ${(correct / test.count).toFixed(4)}.` });

  const mistakes = rankMistakes(probs, test.labels, classes);
  const shown = mistakes.slice(0, input.maxMistakes);
  if (shown.length > 0) {
    const gallery = await Promise.all(
      shown.map(async (m) => ({
        png: await encodeGrayPng({ width: test.cols, height: test.rows, pixels: test.pixels.subarray(m.index * test.features, (m.index + 1) * test.features) }, 3),
        caption: `${m.label} → ${m.predicted} (${m.confidence.toFixed(2)})`,
        color: '#b2182b',
      })),
    );
    writeFileAtomic(join(dir, 'mistakes.png'), await captionedGrid(gallery, test.cols * 3, test.rows * 3, 10));
    sections.push({ file: 'mistakes.png', title: 'Most confident mistakes', caption: `${shown.length} of the ${mistakes.length} misclassified test digits, most confident first, labelled true → predicted (confidence).` });
  } else {
    notes.push('No mistakes on the test set: no gallery.');
  }

  // 4. Training curves
  const history = meta.metrics?.epochs ?? [];
  if (history.length > 0) {
    const { svg } = trainingCurvesSvg(history.map((e) => e.cost), history.map((e) => e.validationAccuracy));
    writeFileAtomic(join(dir, 'curves.png'), await svgToPng(svg));
    sections.push({ file: 'curves.png', title: 'Training curves', caption: `Cost and validation accuracy over ${history.length} epochs, from the metrics history stored in the checkpoint.` });
  } else {
    notes.push(`No training curves: ${input.source} holds no metrics history (no epochs recorded).`);
  }

  writeFileAtomic(join(dir, 'index.html'), indexHtml(sections, notes, `mnist-ts report: ${input.source}`));
  return { files: [...sections.map((s) => s.file), 'index.html'], notes, mistakes, shownMistakes: shown.length, accuracy: correct / test.count };
}
