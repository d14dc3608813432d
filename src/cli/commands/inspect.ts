/** `mnist-ts inspect`: the tutorial's first look at the data. */
import type { Argv } from 'yargs';
import { classCounts, oneHot, type Split } from '../../data/dataset.js';
import { loadMnist, type LoadedMnist } from '../../node/mnist-files.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { labelledSheetPng } from '../../node/labelled-sheet.js';
import { OptionError } from '../../engine/errors.js';
import { digitToText } from '../digit-preview.js';
import { intFlag, numeric, textFlag } from '../options.js';
import { checkFileOut, checkReplace, PNG_FILE } from '../out-paths.js';
import { printLine, type Print } from '../output.js';

export interface InspectArgs {
  dataDir?: string;
  validationSize?: number;
  index?: number;
  grid?: number;
  out?: string;
  scale?: number;
  preview?: boolean;
  force?: boolean;
}

export function inspectOptions<T>(y: Argv<T>) {
  return y
    .option('data-dir', { type: 'string', describe: 'folder with the four MNIST IDX files (raw or .gz); default data/mnist/ if complete, else the bundled copy' })
    .option('validation-size', numeric('first N training images held out for validation (default: 5000)'))
    .option('index', numeric('training image to show (label, terminal preview, PNG with --out)'))
    .option('grid', numeric('render the first K training images as one labelled sheet (needs --out)'))
    .option('out', { type: 'string', requiresArg: true, describe: 'PNG file to write for --index or --grid' })
    .option('force', { type: 'boolean', describe: 'replace --out even if it holds something other than a PNG' })
    .option('scale', numeric('PNG upscaling factor of each digit, nearest neighbour (default: 8 for --index, 3 for --grid)'))
    .option('preview', { type: 'boolean', default: true, describe: 'print the --index digit with Unicode shading (--no-preview: not)' })
    .example('$0 inspect', 'shapes, pixel range and digit counts of every split')
    .example('$0 inspect --index 0 --out digit.png', 'training image 0: its label, a terminal preview and a labelled PNG')
    .example('$0 inspect --grid 100 --out sheet.png', 'the first 100 training images on one sheet, each with its label');
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

/** The flags, checked before any data is loaded (so a mistake costs no summary and no wait). */
function checkRenderFlags(args: InspectArgs): { index?: number; grid?: number; scale?: number; out?: string } {
  const index = args.index === undefined ? undefined : intFlag('index', args.index, 0);
  const grid = args.grid === undefined ? undefined : intFlag('grid', args.grid, 1);
  const out = textFlag(args.out);
  if (grid !== undefined && !out) throw new OptionError('--grid: needs --out FILE.png to write the sheet to');
  if (grid !== undefined && index !== undefined && out) throw new OptionError('--grid: cannot share --out with --index; run them separately');
  if (out && index === undefined && grid === undefined) throw new OptionError('--out: writes the PNG of --index N or --grid K; give one of them');
  const scale = args.scale === undefined ? undefined : intFlag('scale', args.scale, 1, 64);
  if (out) {
    checkFileOut(out, 'out');
    checkReplace(out, 'out', PNG_FILE, args.force === true);
  }
  return { index, grid, scale, out };
}

export async function inspect(args: InspectArgs, print: Print = printLine): Promise<void> {
  const validationSize = intFlag('validation-size', args.validationSize ?? 5000, 0);
  const flags = checkRenderFlags(args);
  const data = loadMnist({ dataDir: args.dataDir, validationSize });
  const t = data.train;
  if (flags.index !== undefined) intFlag('index', flags.index, 0, t.count - 1);
  if (flags.grid !== undefined) intFlag('grid', flags.grid, 1, t.count);
  printSummary(data, print);
  await renderRequested(data, { ...args, ...flags }, print);
}

/** Where the data came from, the shapes of every split, the pixel range and the digit counts. */
export function printSummary(data: LoadedMnist, print: Print): void {
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

async function renderRequested(data: LoadedMnist, args: InspectArgs, print: Print): Promise<void> {
  const t = data.train;
  if (args.index !== undefined) {
    const i = args.index;
    const pixels = t.pixels.subarray(i * t.features, (i + 1) * t.features);
    const label = t.labels[i];
    print('');
    print(`train[${i}]: label ${label}  one-hot [${Array.from(oneHot([label], data.classes)).join(', ')}]`);
    if (args.preview !== false) print(digitToText(pixels, t.rows, t.cols));
    if (args.out) {
      const png = await labelledSheetPng([{ pixels, caption: `train[${i}]: ${label}` }], { width: t.cols, height: t.rows, scale: args.scale ?? 8 });
      writeFileAtomic(args.out, png.bytes);
      print(`wrote ${args.out} (${png.width}×${png.height}: the digit at ${args.scale ?? 8}×, its label under it)`);
    }
  }
  if (args.grid !== undefined) {
    const k = args.grid;
    const scale = args.scale ?? 3;
    const cells = Array.from({ length: k }, (_, n) => ({ pixels: t.pixels.subarray(n * t.features, (n + 1) * t.features), caption: `${n}: ${t.labels[n]}` }));
    const png = await labelledSheetPng(cells, { width: t.cols, height: t.rows, scale, columns: Math.min(10, Math.ceil(Math.sqrt(k))) });
    writeFileAtomic(args.out!, png.bytes);
    print(`wrote ${args.out}: first ${k} training images (${png.width}×${png.height}), each captioned "index: label"; labels: ${Array.from(t.labels.subarray(0, k)).join(' ')}`);
  }
}
