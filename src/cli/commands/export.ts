/** `mnist-ts export`: a checkpoint as an ONNX file, or as a PyTorch state_dict (safetensors). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { FormatError, OptionError } from '../../engine/errors.js';
import { formatLayers } from '../../engine/layers/layers-text.js';
import { checkpointMetadata } from '../../interop/metadata.js';
import { ONNX_OPSET, onnxInputShape, toOnnx } from '../../interop/onnx.js';
import { toTorchStateDict, torchModules } from '../../interop/torch.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { loadCheckpointFile } from '../../node/checkpoint-file.js';
import { checkpointOption, readCheckpoint, type CheckpointArgs } from '../checkpoint-flag.js';
import { choiceFlag, lastGiven } from '../options.js';
import { checkFileOut, checkReplace, type FileKind } from '../out-paths.js';
import { noteLine, printLine, type Print } from '../output.js';

export const EXPORT_FORMATS = ['onnx', 'torch'] as const;

/** What an existing --out must already be to be replaced without --force. */
const FILE_KINDS: Record<(typeof EXPORT_FORMATS)[number], FileKind> = {
  // A ModelProto's first field, ir_version (field 1, a varint), in every ONNX writer's files.
  onnx: { name: 'an ONNX model', starts: (head) => head[0] === 0x08 },
  // An 8-byte header length, then the JSON header's brace.
  torch: { name: 'a safetensors file', starts: (head) => head[8] === 0x7b },
};

export interface ExportArgs extends CheckpointArgs {
  format?: string;
  out?: string;
  force?: boolean;
}

export function exportOptions<T>(y: Argv<T>) {
  return checkpointOption(y)
    .option('format', { type: 'string', requiresArg: true, describe: 'onnx (opset 13: input pixels, outputs logits and probabilities) | torch (the state_dict of its nn.Sequential, as safetensors); default onnx' })
    .option('out', { type: 'string', requiresArg: true, describe: 'file to write (default: the checkpoint\'s name with .onnx, or .pt.safetensors)' })
    .option('force', { type: 'boolean', describe: 'replace --out even if it holds an mnist-ts checkpoint, or a file of another kind' })
    .example('$0 export --checkpoint log/cnn.safetensors --out cnn.onnx', 'for ONNX Runtime (onnxruntime-web, onnxruntime-node), Netron and serving stacks')
    .example('$0 export --checkpoint log/cnn.safetensors --format torch --out cnn.pt.safetensors', "for PyTorch: model.load_state_dict(safetensors.torch.load_file('cnn.pt.safetensors'))");
}

/** The file to write: --out, or the checkpoint's name with the format's extension. */
function outPath(args: ExportArgs, checkpoint: string, format: string): string {
  if (args.out !== undefined) return String(lastGiven(args.out));
  return checkpoint.replace(/\.safetensors$/, '') + (format === 'onnx' ? '.onnx' : '.pt.safetensors');
}

/**
 * A trained model is never replaced by an export of it: --out may not be the checkpoint, nor
 * another one, nor a file of another kind (or one that cannot be read to tell) unless --force,
 * nor a folder.
 */
function checkOut(out: string, checkpoint: string, format: (typeof EXPORT_FORMATS)[number], force: boolean): void {
  if (resolve(out) === resolve(checkpoint)) throw new OptionError(`--out: ${out} is the checkpoint being exported; name another file`, 'out');
  checkFileOut(out, 'out');
  checkReplace(out, 'out', FILE_KINDS[format], force);
  if (force || !existsSync(out)) return;
  try {
    loadCheckpointFile(out);
  } catch (e) {
    if (e instanceof FormatError) return; // a file, but no checkpoint: an older export, say
    throw e;
  }
  throw new OptionError(`--out: ${out} holds an mnist-ts checkpoint; give another --out FILE, or --force to replace it`, 'out');
}

export async function runExport(args: ExportArgs, print: Print = printLine, note: Print = noteLine): Promise<void> {
  const format = choiceFlag('format', args.format ?? 'onnx', EXPORT_FORMATS);
  const { path, checkpoint } = readCheckpoint(args, note);
  const out = outPath(args, path, format);
  checkOut(out, path, format, args.force === true);
  const { model, meta } = checkpoint;
  if (format === 'onnx') {
    const bytes = toOnnx(model, { metadata: checkpointMetadata(meta) });
    writeFileAtomic(out, bytes);
    print(`${out}: ONNX opset ${ONNX_OPSET}, ${bytes.length.toLocaleString('en')} bytes; input pixels [${onnxInputShape(model).join(', ')}] float in [0, 1], outputs logits and probabilities [N, ${model.outputSize}]`);
  } else {
    const bytes = toTorchStateDict(model);
    writeFileAtomic(out, bytes);
    print(`${out}: the state_dict of an nn.Sequential of ${torchModules(model.spec()).length} modules (${formatLayers(model.spec())}), ${bytes.length.toLocaleString('en')} bytes`);
    print(`in PyTorch: model.load_state_dict(safetensors.torch.load_file('${out}')), for the nn.Sequential whose modules follow the layers, each dense layer that meets an image or the input preceded by an nn.Flatten()`);
  }
}
