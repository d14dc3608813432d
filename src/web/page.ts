/**
 * The draw-a-digit page: the model picker, the drawing pad and dropped images, what the model
 * reads (the top digit, ten bars, the 28×28 input, a softmax model's template), and the training
 * panel. Everything computes with the engine in this page; the server only hands out files.
 */
import { MnistTsError } from '../engine/errors.js';
import { kernelsFor, resolveKernelPath, type KernelSet } from '../engine/kernels/kernel-select.js';
import type { Sequential } from '../engine/model/sequential.js';
import { grayFromRgba, type Gray } from '../data/preprocess.js';
import { initialParameters, weightMaps, type WeightPicture } from '../report/weights.js';
import { decodeCheckpoint, type CheckpointMeta } from '../train/checkpoint.js';
import { readDigit, type Reading } from './digit-reader.js';
import { DrawPad } from './draw-pad.js';
import { kernelsLabel } from './kernels-label.js';
import { TrainPanel } from './train-panel.js';
import { drawGray, drawMap, ProbabilityBars } from './views.js';

interface ServedCheckpoint {
  url: string;
  file: string;
  description: string;
}

interface ModelEntry {
  name: string;
  description: string;
  bytes: () => Promise<Uint8Array>;
}

interface LoadedModel {
  entry: ModelEntry;
  model: Sequential;
  meta: CheckpointMeta;
  /** A softmax model's ten digit templates (the report's picture), else null. */
  templates: WeightPicture | null;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const params = new URLSearchParams(location.search);
/** `?kernels=js` (or simd) picks the kernels, as `--kernels` does on the command line. */
const kernelChoice = params.get('kernels') ?? 'auto';
let kernels: KernelSet;

const entries: ModelEntry[] = [];
let current: LoadedModel | null = null;
/** The image being read: the pad's pixels or a dropped file's, before preprocessing. */
let image: { gray: Gray; source: string } | null = null;
let reading: Reading | null = null;
let generation = 0;
let pending: Promise<void> = Promise.resolve();

const bars = new ProbabilityBars($('bars'));
const pad = new DrawPad($<HTMLCanvasElement>('pad'), (done) => padChanged(done), () => setSource('your drawing'));

function setSource(text: string): void {
  $('source').textContent = text;
}

function showMessage(text: string): void {
  $('message').textContent = text;
}

/** Reads the current image with the current model and shows the result; stale results are dropped. */
function refresh(): Promise<void> {
  const mine = ++generation;
  const work = (async () => {
    if (!current || !image) {
      reading = null;
      render(null);
      return;
    }
    try {
      const r = await readDigit(current.model, image.gray, image.source);
      if (mine !== generation) return;
      reading = r;
      render(r);
    } catch (e) {
      if (mine !== generation) return;
      if (!(e instanceof MnistTsError)) throw e;
      reading = null;
      render(null, e.message.replace(/^[^:]*: /, ''));
    }
  })();
  pending = pending.then(() => work).catch((e: unknown) => showMessage(String(e)));
  return pending;
}

function render(r: Reading | null, why = ''): void {
  $('top-digit').textContent = r ? String(r.predicted) : '?';
  $('confidence').textContent = r ? `${(r.probabilities[r.predicted] * 100).toFixed(1)}% sure` : why || (current ? 'draw a digit' : 'no model yet');
  bars.show(r ? r.probabilities : null, r ? r.predicted : -1);
  drawGray($<HTMLCanvasElement>('input-28'), r ? r.input : null);
  const templates = current?.templates;
  $('template-box').hidden = !templates;
  if (templates && r) {
    drawMap($<HTMLCanvasElement>('template'), templates.maps[r.predicted]);
    $('template-caption').textContent = `what the model looks for in a ${r.predicted}${templates.delta ? ' (W − W₀: what training changed)' : ''}: red for, blue against`;
  } else if (templates) {
    $('template-caption').textContent = 'the template of the digit read appears here';
  }
}

let scheduled = false;
function padChanged(done: boolean): void {
  const grab = () => {
    scheduled = false;
    const px = pad.pixels();
    image = { gray: grayFromRgba(px.data, px.width, px.height), source: 'your drawing' };
    void refresh();
  };
  if (done) grab();
  else if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(grab);
  }
}

async function readFile(file: File): Promise<void> {
  showMessage('');
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    showMessage(`${file.name}: not an image this browser can read`);
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
  await refresh();
}

/** Loads a model for reading; a checkpoint that cannot be read is one line on the page, and the last model stays. */
async function loadModel(entry: ModelEntry): Promise<void> {
  showMessage('');
  let decoded;
  try {
    decoded = decodeCheckpoint(await entry.bytes(), entry.name);
  } catch (e) {
    showMessage(`${entry.name}: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  const { model, meta } = decoded;
  const withKernels = model.withKernels(kernels);
  const picture = model.entries[0].shape.length === 2 ? weightMaps(model, 28, 28, { initial: initialParameters(meta.architecture, meta.seed, meta.training.init) }) : null;
  current = { entry, model: withKernels, meta, templates: picture?.kind === 'digit templates' ? picture : null };
  $('model-info').textContent = `${entry.description} · ${kernelsLabel(kernels)}`;
  await refresh();
}

function addEntry(entry: ModelEntry, select: boolean): void {
  entries.push(entry);
  const option = new Option(entry.name, String(entries.length - 1));
  $<HTMLSelectElement>('model-select').append(option);
  $<HTMLSelectElement>('model-select').disabled = false;
  if (select) $<HTMLSelectElement>('model-select').value = option.value;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function start(): Promise<void> {
  try {
    kernels = kernelsFor(resolveKernelPath(kernelChoice));
  } catch (e) {
    showMessage(`?kernels=${kernelChoice}: ${(e as Error).message.replace(/^kernels: /, '')}; using auto`);
    kernels = kernelsFor(resolveKernelPath('auto'));
  }
  $('kernels').textContent = kernelsLabel(kernels);
  const served = (await (await fetch('/checkpoints.json')).json()) as ServedCheckpoint[];
  for (const c of served) addEntry({ name: c.file.split('/').pop()!, description: `${c.file}: ${c.description}`, bytes: () => fetchBytes(c.url) }, false);
  $<HTMLSelectElement>('model-select').addEventListener('change', (e) => {
    void loadModel(entries[Number((e.target as HTMLSelectElement).value)]);
  });
  if (entries.length > 0) await loadModel(entries[0]);
  else {
    $<HTMLSelectElement>('model-select').append(new Option('no model yet: train one below', ''));
    $('model-info').textContent = 'mnist-ts serve found no checkpoint (npm start saves log/model.safetensors); train one below';
    render(null);
  }

  $('clear').addEventListener('click', () => {
    pad.clear();
    image = null;
    setSource('your drawing');
    void refresh();
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
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void readFile(file);
  });

  new TrainPanel($('train'), () => kernels.path, (trained) => {
    addEntry({ name: trained.name, description: `${trained.name}: validation accuracy ${trained.validationAccuracy?.toFixed(4) ?? '–'}, test ${trained.testAccuracy.toFixed(4)}`, bytes: async () => trained.checkpoint }, true);
    void loadModel(entries[entries.length - 1]);
  });
  document.body.dataset.state = 'ready';
}

/** For the browser tests and the curious: what the page read last, and a way to wait for it. */
Object.assign(window, {
  mnistPage: {
    get reading() {
      return reading && { predicted: reading.predicted, probabilities: Array.from(reading.probabilities), input: Array.from(reading.input.pixels), inverted: reading.inverted };
    },
    get model() {
      return current && { name: current.entry.name, description: current.entry.description };
    },
    get kernels() {
      return kernels.path;
    },
    settled: async () => {
      while (scheduled) await new Promise((r) => requestAnimationFrame(r));
      await pending;
    },
  },
});

start().catch((e: unknown) => {
  showMessage(`the page could not start: ${e instanceof Error ? e.message : String(e)}`);
  document.body.dataset.state = 'failed';
});
