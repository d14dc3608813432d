/** `mnist-ts import`: weights trained in PyTorch (a state_dict saved as safetensors) as an mnist-ts checkpoint. */
import { existsSync, readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { DataError, OptionError } from '../../engine/errors.js';
import { formatLayers } from '../../engine/layers/layers-text.js';
import { MNIST_CLASSES } from '../../data/dataset.js';
import { loadTorchStateDict, torchModules } from '../../interop/torch.js';
import { saveModel } from '../../node/model-file.js';
import { whyUnreadable } from '../../node/unreadable.js';
import { buildModel } from '../../train/recipes.js';
import { lastGiven } from '../options.js';
import { checkFileOut } from '../out-paths.js';
import { printLine, type Print } from '../output.js';

export interface ImportArgs {
  layers?: string;
  fromTorch?: string;
  out?: string;
  force?: boolean;
}

export function importOptions<T>(y: Argv<T>) {
  return y
    .option('layers', { type: 'string', requiresArg: true, describe: 'the architecture, as train --layers takes it; its nn.Sequential follows the layers one for one, with an nn.Flatten() before a dense layer that meets an image or the input, and after gap (so an MLP\'s first Linear is module 1)' })
    .option('from-torch', { type: 'string', requiresArg: true, describe: "a PyTorch state_dict saved with safetensors: save_file(model.state_dict(), 'FILE')" })
    .option('out', { type: 'string', requiresArg: true, describe: 'the mnist-ts checkpoint to write' })
    .option('force', { type: 'boolean', describe: 'replace --out if it exists' })
    .example("$0 import --layers 'conv:12:5,pool:2,relu,conv:16:5,pool:2,relu,flatten,dense:64,relu,dropout:0.25,dense:10' --from-torch cnn.pt.safetensors --out log/torch-cnn.safetensors", 'then mnist-ts evaluate --checkpoint log/torch-cnn.safetensors');
}

function required(name: string, value: string | undefined, what: string): string {
  if (value === undefined) throw new OptionError(`--${name}: missing; give ${what}`, name);
  return String(lastGiven(value));
}

export async function runImport(args: ImportArgs, print: Print = printLine): Promise<void> {
  const layers = required('layers', args.layers, 'the architecture, for example --layers conv:8:5,pool:2,relu,flatten,dense:10');
  const from = required('from-torch', args.fromTorch, 'the state_dict file, saved with safetensors');
  const out = required('out', args.out, 'the checkpoint file to write');
  const { model } = buildModel({ model: 'layers', layers, hidden: '', init: 'he', initStd: 1 }, 28, 28, MNIST_CLASSES);
  checkFileOut(out, 'out');
  if (existsSync(out) && !args.force) throw new OptionError(`--out: ${out} exists; give another --out FILE, or --force to replace it`, 'out');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(from);
  } catch (e) {
    throw new DataError(`${from}: cannot read the state_dict (${whyUnreadable(e, 'a .safetensors file')})`);
  }
  loadTorchStateDict(model, bytes, from);
  await saveModel(model, out);
  print(`${out}: ${formatLayers(model.spec())}, ${model.paramCount.toLocaleString('en')} parameters from the ${torchModules(model.spec()).length} modules of ${from}'s nn.Sequential`);
  print(`evaluate it: npx mnist-ts evaluate --checkpoint ${out}`);
}
