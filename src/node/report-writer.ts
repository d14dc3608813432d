/**
 * `mnist-ts report`: what a model learned, as images (sharp renders the SVG and composes the
 * digits): weight templates, the confusion matrix, the most confident mistakes, training curves,
 * and an index.html that shows them all, openable from disk.
 */
import { join } from 'node:path';
import { describeArchitecture } from '../engine/layers/layers-text.js';
import { argmax, confusionMatrix } from '../engine/model/metrics.js';
import { Sequential } from '../engine/model/sequential.js';
import type { Split } from '../data/dataset.js';
import { confusionSvg, divergingLegendSvg, trainingCurvesSvg } from '../report/charts.js';
import { rankMistakes, type Mistake } from '../report/mistakes.js';
import { esc } from '../report/svg.js';
import { initialParameters, weightMaps, type WeightPicture } from '../report/weights.js';
import { NO_TRAINING_RUN, trainingPhrase, type CheckpointMeta } from '../train/checkpoint.js';
import { csrFromSplit } from '../train/training-data.js';
import { logitsData } from '../train/evaluate-data.js';
import { softmax } from '../engine/model/loss.js';
import type { InferencePool } from './inference-pool.js';
import { writeFileAtomic } from './atomic-write.js';
import { loadSharp } from './images.js';
import { labelledSheetPng } from './labelled-sheet.js';

export interface ReportInput {
  model: Sequential;
  meta: CheckpointMeta;
  test: Split;
  classes: number;
  /** Most mistakes shown in the gallery (0: no gallery). */
  maxMistakes: number;
  source: string;
  /** Threads to run the test set on (default: this one alone). */
  pool?: InferencePool;
}

export interface ReportResult {
  files: string[];
  notes: string[];
  mistakes: Mistake[];
  shownMistakes: number;
  accuracy: number;
}

interface Section {
  file: string;
  title: string;
  caption: string;
}

async function svgToPng(svg: string): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(Buffer.from(svg)).png().toBuffer();
}

function weightsCaption(p: WeightPicture, meta: CheckpointMeta): string {
  const what = p.delta
    ? `what training changed: W − W₀, the weights minus the random ones they started from (${meta.training.init} init, regenerated from seed ${meta.seed}), since the start alone would hide it`
    : 'the weights';
  const scale = p.sharedScale === null ? 'each map scaled to its own largest |value|' : `all maps on one scale, ±${p.sharedScale.toPrecision(3)}`;
  switch (p.kind) {
    case 'digit templates': return `Each digit's column of W drawn as an image, showing ${what}: red pixels are evidence for the digit, blue against it; ${scale}.`;
    case 'units': return `The first layer's ${p.maps.length} units with the largest weight norms, showing ${what}: red pixels excite the unit, blue inhibit it; ${scale}.`;
    case 'filters': return `The first convolution's ${p.maps.length} filters (${p.input[1]}×${p.input[2]}${p.input[0] > 1 ? ', first input channel' : ''}): red weights excite the filter, blue inhibit it; ${scale}.`;
  }
}

async function writeWeights(dir: string, input: ReportInput): Promise<Section> {
  const { model, meta, test } = input;
  const initial = model.entries[0].shape.length === 2 ? initialParameters(meta.architecture, meta.seed, meta.training.init) : undefined;
  const picture = weightMaps(model, test.rows, test.cols, { initial });
  const { maps } = picture;
  // MNIST-sized maps at 5× (140 px); a convolution's small filters drawn as large.
  const scale = Math.max(5, Math.round(140 / Math.max(maps[0].width, maps[0].height)));
  const sharp = await loadSharp();
  const cells = await Promise.all(
    maps.map(async (m) => ({
      png: await sharp(Buffer.from(m.rgb), { raw: { width: m.width, height: m.height, channels: 3 } }).resize(m.width * scale, m.height * scale, { kernel: 'nearest' }).png().toBuffer(),
      caption: m.label,
    })),
  );
  const grid = await labelledSheetPng(cells, { width: maps[0].width, height: maps[0].height, scale, columns: maps.length === 10 ? 5 : 8, minCellWidth: 120 });
  const range = picture.sharedScale === null ? ['−max', '+max'] : [`−${picture.sharedScale.toPrecision(3)}`, `+${picture.sharedScale.toPrecision(3)}`];
  const legend = divergingLegendSvg(range[0], range[1], picture.delta ? 'W − W₀: blue against, white no change, red for' : 'weight: blue against, white none, red for', Math.min(grid.width, 480));
  const legendPng = await svgToPng(legend.svg);
  const png = await sharp({ create: { width: grid.width, height: grid.height + legend.height, channels: 3, background: '#ffffff' } })
    .composite([{ input: grid.bytes, left: 0, top: 0 }, { input: legendPng, left: Math.floor((grid.width - legend.width) / 2), top: grid.height }])
    .png()
    .toBuffer();
  writeFileAtomic(join(dir, 'weights.png'), png);
  return { file: 'weights.png', title: picture.delta ? 'Weight templates: what training changed' : 'Weight templates', caption: weightsCaption(picture, meta) };
}

/** "CNN conv:12:5,... · 16 epochs of adam (lr 0.002, batch 64, cosine schedule) · seed 0 · test accuracy 0.9936" */
function modelSummary(meta: CheckpointMeta, accuracy: number): string {
  const t = meta.training;
  const run = meta.optimizer === NO_TRAINING_RUN ? trainingPhrase(meta) : `${trainingPhrase(meta)} (lr ${t.lr}, batch ${t.batchSize}${t.schedule && t.schedule.kind !== 'constant' ? `, ${t.schedule.kind} schedule` : ''}) · seed ${meta.seed}`;
  return `${describeArchitecture(meta.architecture)} · ${run} · test accuracy ${accuracy.toFixed(4)}`;
}

function indexHtml(sections: Section[], notes: string[], title: string, summary: string): string {
  const body = sections.map((s) => `<section><h2>${esc(s.title)}</h2><p>${esc(s.caption)}</p><img src="${s.file}" alt="${esc(s.title)}"></section>`).join('\n');
  const noteHtml = notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}img{max-width:100%;border:1px solid #ddd}section{margin-bottom:2em}.note{color:#a15c00}.model{font-size:1.1em;color:#444}</style>
</head><body><h1>${esc(title)}</h1>
<p class="model">${esc(summary)}</p>
${noteHtml}
${body}
</body></html>
`;
}

export async function writeReport(dir: string, input: ReportInput): Promise<ReportResult> {
  const { model, meta, test, classes } = input;
  const sections: Section[] = [];
  const notes: string[] = [];
  // 1. Weight templates
  sections.push(await writeWeights(dir, input));

  // 2. Confusion matrix, 3. mistakes
  const testData = csrFromSplit(test, classes);
  const logits = input.pool ? await input.pool.logits(model, testData) : logitsData(model, testData);
  const probs = softmax(logits, test.count, classes);
  const predicted = argmax(probs, test.count, classes);
  const matrix = confusionMatrix(predicted, test.labels, classes);
  const correct = matrix.reduce((s, row, t) => s + row[t], 0);
  const accuracy = correct / test.count;
  writeFileAtomic(join(dir, 'confusion.png'), await svgToPng(confusionSvg(matrix).svg));
  sections.push({ file: 'confusion.png', title: 'Confusion matrix', caption: `${test.count} test images: rows are the true digit, columns the prediction; the diagonal (green) is right, red cells are mistakes. Accuracy ${accuracy.toFixed(4)}.` });

  const mistakes = rankMistakes(probs, test.labels, classes, logits);
  const shown = mistakes.slice(0, input.maxMistakes);
  if (shown.length > 0) {
    const cells = shown.map((m) => ({
      pixels: test.pixels.subarray(m.index * test.features, (m.index + 1) * test.features),
      caption: `${m.label} → ${m.predicted}`,
      detail: `p ${m.confidence.toFixed(4)}, margin ${m.margin.toFixed(1)}`,
      color: '#b2182b',
    }));
    const gallery = await labelledSheetPng(cells, { width: test.cols, height: test.rows, scale: 3, columns: 10, minCellWidth: 146 });
    writeFileAtomic(join(dir, 'mistakes.png'), gallery.bytes);
    sections.push({
      file: 'mistakes.png',
      title: 'Most confidently wrong',
      caption: `${shown.length} of the ${mistakes.length} misclassified test digits, the largest margin first, labelled true → predicted, with the probability of the wrong digit (p) and its margin: how far its score (logit) is ahead of the true digit's.`,
    });
  } else if (mistakes.length === 0) {
    notes.push('No mistakes on the test set: no gallery.');
  } else {
    notes.push(`No mistakes gallery: not asked for (--max 0); the model makes ${mistakes.length} mistakes on the test set.`);
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

  writeFileAtomic(join(dir, 'index.html'), indexHtml(sections, notes, `mnist-ts report: ${input.source}`, modelSummary(meta, accuracy)));
  return { files: [...sections.map((s) => s.file), 'index.html'], notes, mistakes, shownMistakes: shown.length, accuracy };
}
