/**
 * The draw-a-digit page: the model picker, the drawing pad and dropped images, what the model
 * reads (the top digit, ten bars, the 28×28 input, a softmax model's template), and the training
 * panel. Everything computes with the engine in this page; the server only hands out files.
 */
import { MnistTsError } from '../engine/errors.js';
import { kernelsFor, resolveKernelPath, type KernelSet } from '../engine/kernels/kernel-select.js';
import { grayFromRgba, type Gray } from '../data/preprocess.js';
import { renderStrokes } from '../data/strokes.js';
import { readDigit, type Reading } from './digit-reader.js';
import { DrawPad, PAD_SIZE } from './draw-pad.js';
import { kernelsLabel } from './kernels-label.js';
import { ModelPicker } from './model-picker.js';
import { TrainPanel, type TrainedModel } from './train-panel.js';
import { drawGray, drawMap, ProbabilityBars } from './views.js';

interface ServedCheckpoint {
  url: string;
  file: string;
  description: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const params = new URLSearchParams(location.search);
/** `?kernels=js` (or simd) picks the kernels, as `--kernels` does on the command line. */
const kernelChoice = params.get('kernels') ?? 'auto';
/** `?fused=off`: SIMD without fused multiply-adds, the bits of a platform that has none (Node 20). */
const fused = params.get('fused') !== 'off';
let kernels: KernelSet;

const DRAWING = 'your drawing';
/** Below this probability for the digit read, a drawing gets a hint: it is likely to be misread. */
const UNSURE = 0.5;

/** The image being read: the pad's strokes rendered for reading, or an opened file's pixels, before preprocessing. */
let image: { gray: Gray; source: string } | null = null;
let reading: Reading | null = null;
let generation = 0;
let pending: Promise<void> = Promise.resolve();
/** A settled reading is due to be announced: kept until a reading is shown, whichever refresh shows it. */
let announce = false;

const bars = new ProbabilityBars($('bars'));
const pad = new DrawPad($<HTMLCanvasElement>('pad'), (done) => padChanged(done), () => {
  setSource(DRAWING);
  showMessage('');
  $('hint').textContent = '';
  announce = false;
});
const picker = new ModelPicker($<HTMLSelectElement>('model-select'), $('model-info'), () => kernels, () => void refresh(true), showMessage);

function setSource(text: string): void {
  $('source').textContent = text;
}

/** A one-line message beside the reading, until the person's next action (a stroke, a file, a pick, Clear). */
function showMessage(text: string): void {
  $('message').textContent = text;
}

/**
 * Reads the current image with the current model and shows the result; stale results are dropped.
 * `settled`: the image will not change until the person acts again (a stroke ended, a file or a
 * model arrived), so the reading is announced and a drawing likely to be misread gets its hint.
 */
function refresh(settled: boolean): Promise<void> {
  const mine = ++generation;
  announce ||= settled;
  const work = (async () => {
    const model = picker.current;
    if (picker.loading || !model || !image) {
      reading = null;
      render(null, picker.loading ? `loading ${picker.loading.name}…` : '');
      if (announce) say(null);
      return;
    }
    try {
      const r = await readDigit(model.model, image.gray, image.source);
      if (mine !== generation) return;
      reading = r;
      render(r);
      if (announce) say(r);
    } catch (e) {
      if (mine !== generation) return;
      if (!(e instanceof MnistTsError)) throw e;
      reading = null;
      const why = e.message.replace(/^[^:]*: /, '');
      render(null, why);
      if (announce) say(null, why);
    }
  })();
  pending = pending.then(() => work).catch((e: unknown) => showMessage(String(e)));
  return pending;
}

/** What a screen reader hears once a reading settles (or why there is none), and the hint for a drawing likely to be misread. */
function say(r: Reading | null, why = ''): void {
  announce = false;
  $('said').textContent = r ? `read as ${r.predicted}, ${(r.probabilities[r.predicted] * 100).toFixed(0)} percent sure` : why;
  const second = r ? [...r.probabilities.keys()].sort((a, b) => r.probabilities[b] - r.probabilities[a])[1] : -1;
  const unsure = r && image?.source === DRAWING && r.probabilities[r.predicted] < UNSURE;
  $('hint').textContent = unsure ? `Not sure: it may be ${second === 8 ? 'an' : 'a'} ${second}. A digit written as on paper, in clear strokes, reads best.` : '';
}

function render(r: Reading | null, why = ''): void {
  $('top-digit').textContent = r ? String(r.predicted) : '?';
  $('confidence').textContent = r ? `${(r.probabilities[r.predicted] * 100).toFixed(1)}% sure` : why || (picker.current ? 'draw a digit' : 'no model yet');
  bars.show(r ? r.probabilities : null, r ? r.predicted : -1);
  drawGray($<HTMLCanvasElement>('input-28'), r ? r.input : null);
  const templates = picker.current?.templates;
  $('template-box').hidden = !templates;
  if (templates && r) {
    drawMap($<HTMLCanvasElement>('template'), templates.maps[r.predicted]);
    $('template-caption').textContent = `what the model looks for in a ${r.predicted}${templates.delta ? ' (W − W₀: what training changed)' : ''}: red for, blue against`;
  } else if (templates) {
    drawGray($<HTMLCanvasElement>('template'), null);
    $('template-caption').textContent = 'the template of the digit read appears here';
  }
}

/** The frame that will read the strokes drawn so far, if one is asked for. */
let frame: number | null = null;
function padChanged(done: boolean): void {
  const grab = () => {
    frame = null;
    const drawn = renderStrokes(pad.strokes(), PAD_SIZE);
    image = drawn && { gray: drawn, source: DRAWING };
    void refresh(done);
  };
  if (done) {
    // The stroke's end reads everything drawn: a frame still asked for would only read it again.
    if (frame !== null) cancelAnimationFrame(frame);
    grab();
  } else frame ??= requestAnimationFrame(grab);
}

/**
 * The most pixels, and the longest side, an opened image is read at. A larger one is first scaled
 * down by the browser: past a side limit a canvas draws nothing (the image would read as blank),
 * past the pixels the page would be held for seconds, and the digit ends 28 pixels wide all the same.
 */
const MAX_READ_PIXELS = 4096 * 4096;
const MAX_READ_SIDE = 16384;

async function fitted(bitmap: ImageBitmap): Promise<ImageBitmap> {
  const scale = Math.min(MAX_READ_SIDE / Math.max(bitmap.width, bitmap.height), Math.sqrt(MAX_READ_PIXELS / (bitmap.width * bitmap.height)));
  if (scale >= 1) return bitmap;
  const size = (side: number) => Math.max(1, Math.round(side * scale));
  const smaller = await createImageBitmap(bitmap, { resizeWidth: size(bitmap.width), resizeHeight: size(bitmap.height), resizeQuality: 'high', premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  bitmap.close();
  return smaller;
}

async function readFile(file: File): Promise<void> {
  showMessage('');
  $('confidence').textContent = `reading ${file.name}…`;
  let bitmap: ImageBitmap;
  try {
    bitmap = await fitted(await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' }));
  } catch {
    showMessage(`${file.name}: not an image this browser can read (expected a PNG, JPEG, WebP, GIF or BMP picture)`);
    void refresh(false);
    return;
  }
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  const px = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  pad.show(bitmap);
  setSource(file.name);
  image = { gray: grayFromRgba(px.data, px.width, px.height), source: file.name };
  await refresh(true);
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The served checkpoints in the picker, named by file name, or by path where two share a name. */
async function addServed(): Promise<void> {
  const served = (await (await fetch('/checkpoints.json')).json()) as ServedCheckpoint[];
  const base = (c: ServedCheckpoint) => c.file.split('/').pop()!;
  for (const c of served) {
    const shared = served.filter((o) => base(o) === base(c)).length > 1;
    picker.add({ name: shared ? c.file : base(c), description: `${c.file}: ${c.description}`, bytes: () => fetchBytes(c.url) });
  }
}

/** A model trained in the page joins the list, under a name of its own; it reads only if it is better than the one reading, or none is. Says which. */
function adopt(trained: TrainedModel): string {
  const taken = (name: string) => [...$<HTMLSelectElement>('model-select').options].some((o) => o.text === name);
  let name = trained.name;
  for (let run = 2; taken(name); run++) name = `${trained.name} #${run}`;
  const index = picker.add({ name, description: `${name}: validation accuracy ${trained.validationAccuracy?.toFixed(4) ?? '–'}, test ${trained.testAccuracy.toFixed(4)}`, bytes: async () => trained.checkpoint });
  const now = picker.current;
  const theirs = now?.meta.metrics.testAccuracy ?? null;
  if (!now || (theirs !== null && trained.testAccuracy > theirs)) {
    void picker.choose(index);
    return `it reads your drawings now, as ${name}`;
  }
  return theirs === null
    ? `it joins the model list as ${name}; ${now.entry.name} reads on until you pick it there`
    : `it joins the model list as ${name}; ${now.entry.name} reads on, with its test accuracy ${theirs.toFixed(4)}`;
}

function wireInputs(): void {
  // A pick is a new action: whatever was said before it goes (a failed load then says its own).
  $('model-select').addEventListener('change', () => showMessage(''));
  $('clear').addEventListener('click', () => {
    showMessage('');
    pad.clear();
    image = null;
    setSource(DRAWING);
    void refresh(true);
  });
  const drop = $('drop-zone');
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => drop.classList.remove('dragging'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (file) void readFile(file);
  });
  $<HTMLInputElement>('open-file').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    // Emptied, so that opening the same file again (after Clear, say) is a change too.
    input.value = '';
    if (file) void readFile(file);
  });
}

async function start(): Promise<void> {
  try {
    kernels = kernelsFor(resolveKernelPath(kernelChoice), undefined, { fused });
  } catch (e) {
    $('notice').textContent = `?kernels=${kernelChoice}: ${(e as Error).message.replace(/^kernels: /, '')}; using auto`;
    kernels = kernelsFor(resolveKernelPath('auto'), undefined, { fused });
  }
  $('kernels').textContent = kernelsLabel(kernels);
  await addServed();
  if (picker.count > 0) await picker.choose(0);
  else {
    $<HTMLSelectElement>('model-select').append(new Option('no model yet: train one below', ''));
    $('model-info').textContent = 'mnist-ts serve found no checkpoint (npm start saves log/model.safetensors); train one below';
    render(null);
  }
  wireInputs();
  new TrainPanel($('train'), () => kernels, adopt);
  document.body.dataset.state = 'ready';
}

/** For the browser tests and the curious: what the page read last, and a way to wait for it. */
Object.assign(window, {
  mnistPage: {
    get reading() {
      return reading && { predicted: reading.predicted, probabilities: Array.from(reading.probabilities), input: Array.from(reading.input.pixels), inverted: reading.inverted };
    },
    get model() {
      return picker.current && { name: picker.current.entry.name, description: picker.current.entry.description, testAccuracy: picker.current.meta.metrics.testAccuracy };
    },
    /** The drawing as it is read: the strokes rendered (src/data/strokes.ts), before MNIST's preprocessing. */
    get drawn() {
      return image?.source === DRAWING ? { width: image.gray.width, height: image.gray.height, pixels: Array.from(image.gray.pixels) } : null;
    },
    get kernels() {
      return kernels.path;
    },
    settled: async () => {
      while (frame !== null) await new Promise((r) => requestAnimationFrame(r));
      await pending;
    },
  },
});

start().catch((e: unknown) => {
  showMessage(`the page could not start: ${e instanceof Error ? e.message : String(e)}`);
  document.body.dataset.state = 'failed';
});
