/** `mnist-ts inspect`: the tutorial's first look at the data. */
import type { Argv } from 'yargs';
import { classCounts, oneHot, type Split } from '../../data/dataset.js';
import { loadMnist, type LoadedMnist } from '../../node/mnist-files.js';
import { contactSheet, writeGrayPng } from '../../node/images.js';
import { OptionError } from '../../engine/errors.js';
import { digitToText } from '../digit-preview.js';
import { intFlag } from '../options.js';

export interface InspectArgs {
  dataDir?: string;
  validationSize: number;
  index?: number;
  grid?: number;
  out?: string;
  scale: number;
  preview: boolean;
}

export function inspectOptions<T>(y: Argv<T>) {
  return y
    .option('data-dir', { type: 'string', describe: 'folder with the four MNIST IDX files (raw or .gz); default data/mnist/ if complete, else the bundled copy' })
    .option('validation-size', { type: 'number', default: 5000, describe: 'first N training images held out for validation' })
    .option('index', { type: 'number', describe: 'training image to show (label, terminal preview, PNG with --out)' })
    .option('grid', { type: 'number', describe: 'render the first K training images as one sheet (needs --out)' })
    .option('out', { type: 'string', describe: 'PNG file to write for --index or --grid' })
    .option('scale', { type: 'number', default: 8, describe: 'PNG upscaling factor (nearest neighbour)' })
    .option('preview', { type: 'boolean', default: true, describe: 'print the --index digit with Unicode shading' });
}

function shapeLine(s: Split, classes: number): string {
  const name = `${s.name}:`.padEnd(12);
  return `${name}images [${s.count}, ${s.features}]  labels [${s.count}, ${classes}]`;
}

function pixelRange(s: Split): [number, number] {
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < s.pixels.length; i++) {
    const p = s.pixels[i];
    if (p < lo) lo = p;
    if (p > hi) hi = p;
  }
  return [lo / 255, hi / 255];
}

export async function inspect(args: InspectArgs, print: (line: string) => void = console.log): Promise<void> {
  const validationSize = intFlag('validation-size', args.validationSize, 0);
  const data = loadMnist({ dataDir: args.dataDir, validationSize });
  printSummary(data, print);
  await renderRequested(data, args, print);
}

/** Where the data came from, the shapes of every split, the pixel range and the digit counts. */
export function printSummary(data: LoadedMnist, print: (line: string) => void): void {
  const splits = [data.train, data.validation, data.test];
  print(`MNIST from ${data.dir}`);
  for (const s of splits) print(shapeLine(s, data.classes));
  const [lo, hi] = pixelRange(data.train);
  print(`pixels: float32 in [${lo}, ${hi}] (${data.train.rows}×${data.train.cols} images, ${data.train.features} inputs)`);
  print('');
  const header = 'digit'.padEnd(12) + Array.from({ length: data.classes }, (_, d) => String(d).padStart(6)).join('') + '   total';
  print(header);
  for (const s of splits) {
    const counts = classCounts(s.labels, data.classes);
    print(s.name.padEnd(12) + counts.map((c) => String(c).padStart(6)).join('') + String(s.count).padStart(8));
  }
}

async function renderRequested(data: LoadedMnist, args: InspectArgs, print: (line: string) => void): Promise<void> {
  const scale = intFlag('scale', args.scale, 1, 64);
  const t = data.train;
  if (args.index !== undefined) {
    const i = intFlag('index', args.index, 0, t.count - 1);
    const pixels = t.pixels.subarray(i * t.features, (i + 1) * t.features);
    const label = t.labels[i];
    print('');
    print(`train[${i}]: label ${label}  one-hot [${Array.from(oneHot([label], data.classes)).join(', ')}]`);
    if (args.preview) print(digitToText(pixels, t.rows, t.cols));
    if (args.out) {
      await writeGrayPng(args.out, { width: t.cols, height: t.rows, pixels }, scale);
      print(`wrote ${args.out} (${t.cols * scale}×${t.rows * scale})`);
    }
  }
  if (args.grid !== undefined) {
    const k = intFlag('grid', args.grid, 1, t.count);
    if (!args.out) throw new OptionError('--grid: needs --out FILE.png to write the sheet to');
    if (args.index !== undefined) throw new OptionError('--grid: cannot share --out with --index; run them separately');
    const sheet = contactSheet(t.pixels, k, t.rows, t.cols);
    await writeGrayPng(args.out, sheet, scale);
    print(`wrote ${args.out}: first ${k} training images (${sheet.width * scale}×${sheet.height * scale}); labels: ${Array.from(t.labels.subarray(0, k)).join(' ')}`);
  }
}
