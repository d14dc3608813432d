/**
 * PyTorch's names and layouts for an mnist-ts model. An architecture is the `nn.Sequential` whose
 * modules follow its layers one for one, with an `nn.Flatten()` before the first dense layer when
 * nothing has flattened yet (mnist-ts flattens implicitly; so an MLP's first Linear is module 1)
 * and after `gap` (`nn.AdaptiveAvgPool2d(1)`); scripts/peers/peer_common.py builds the same one. Its state_dict, as a safetensors
 * file (`safetensors.torch.save_file(model.state_dict(), ...)`), names each tensor by module
 * index: `0.weight`. Linear weights are [outputs, inputs] there, [inputs, outputs] here; the rest
 * keep their layout. BatchNorm's `num_batches_tracked` (I64) is written as 0: mnist-ts does not
 * count batches, and PyTorch reads it only when momentum is None.
 */
import { FormatError } from '../engine/errors.js';
import { decodeSafetensors, encodeSafetensors, type Int64Tensor, type NamedTensor } from '../engine/io/safetensors.js';
import type { LayerSpec } from '../engine/layers/layer.js';
import { layerNames } from '../engine/model/param-entries.js';
import { transpose } from '../engine/kernels/matmul.js';
import type { Sequential } from '../engine/model/sequential.js';

/** One module of the nn.Sequential: its index, how PyTorch prints it, and the mnist-ts layer it stands for (none: an inserted Flatten). */
export interface TorchModule {
  index: number;
  module: string;
  layer: number | null;
}

/** One tensor of the state_dict, and where it lives in the model. */
interface TorchTensor {
  key: string;
  name: string;
  shape: number[];
  /** A Linear weight: transposed between the two layouts. */
  transpose: boolean;
}

function moduleOf(spec: LayerSpec): string {
  switch (spec.type) {
    case 'conv2d': return `Conv2d(${spec.input[0]}, ${spec.filters}, kernel_size=(${spec.kernel}, ${spec.kernel})${spec.padding === 'same' ? ", padding='same'" : ''})`;
    case 'maxpool2d': return `MaxPool2d(kernel_size=${spec.size})`;
    case 'globalavgpool': return 'AdaptiveAvgPool2d(output_size=1)';
    case 'batchnorm': return `BatchNorm${spec.shape.length === 1 ? '1d' : '2d'}(${spec.shape[0]})`;
    case 'relu': return 'ReLU()';
    case 'dropout': return `Dropout(p=${spec.rate})`;
    case 'dense': return `Linear(in_features=${spec.inputs}, out_features=${spec.outputs})`;
    case 'flatten': return 'Flatten()';
  }
}

/** The modules of the nn.Sequential an architecture is in PyTorch, in order. */
export function torchModules(specs: readonly LayerSpec[]): TorchModule[] {
  const modules: TorchModule[] = [];
  const add = (module: string, layer: number | null) => modules.push({ index: modules.length, module, layer });
  let flat = false;
  specs.forEach((spec, l) => {
    if (spec.type === 'flatten' || spec.type === 'dense') {
      if (!flat) add('Flatten()', spec.type === 'flatten' ? l : null);
      flat = true;
      if (spec.type === 'dense') add(moduleOf(spec), l);
      return;
    }
    add(moduleOf(spec), l);
    if (spec.type === 'globalavgpool') {
      add('Flatten()', null);
      flat = true;
    }
  });
  return modules;
}

/** The nn.Sequential as PyTorch prints it, less the arguments left at their defaults. */
export function torchSequentialText(specs: readonly LayerSpec[]): string {
  return ['Sequential(', ...torchModules(specs).map((m) => `  (${m.index}): ${m.module}`), ')'].join('\n');
}

/** The state_dict's float tensors for `model`, in PyTorch's order, each tied to the model's own name. */
function torchTensors(model: Sequential): TorchTensor[] {
  const specs = model.spec();
  const names = layerNames(model.layers);
  const entries = [...model.entries, ...model.runningStatEntries];
  const out: TorchTensor[] = [];
  for (const m of torchModules(specs)) {
    if (m.layer === null) continue;
    for (const e of entries.filter((e) => e.name.startsWith(`${names[m.layer!]}.`))) {
      const suffix = e.name.slice(names[m.layer].length + 1);
      const transpose = specs[m.layer].type === 'dense' && suffix === 'weight';
      out.push({ key: `${m.index}.${suffix}`, name: e.name, shape: transpose ? [e.shape[1], e.shape[0]] : e.shape, transpose });
    }
  }
  return out;
}

/** The BatchNorm modules' num_batches_tracked keys. */
function countKeys(model: Sequential): string[] {
  return torchModules(model.spec()).filter((m) => m.module.startsWith('BatchNorm')).map((m) => `${m.index}.num_batches_tracked`);
}

/** [rows, cols] row-major → [cols, rows] row-major, a new array (the engine's transpose). */
function transposed(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  transpose(values, rows, cols, out);
  return out;
}

/** The model's state_dict for its nn.Sequential, as a safetensors file that PyTorch's load_state_dict accepts. */
export function toTorchStateDict(model: Sequential): Uint8Array {
  const tensors: (NamedTensor | Int64Tensor)[] = torchTensors(model).map((t) => {
    const values = model.tensor(t.name);
    return { name: t.key, shape: t.shape, data: t.transpose ? transposed(values, t.shape[1], t.shape[0]) : Float32Array.from(values) };
  });
  for (const key of countKeys(model)) tensors.push({ name: key, shape: [], data: new BigInt64Array(1) });
  return encodeSafetensors(tensors, { format: 'pt' });
}

/**
 * Sets `model`'s parameters and running statistics from a PyTorch state_dict saved as safetensors
 * (`source` names it in errors). As load_state_dict does, every tensor must be there with its
 * shape, and no other; one FormatError names the first that is not.
 */
export function loadTorchStateDict(model: Sequential, bytes: Uint8Array, source: string): void {
  const { tensors, int64 } = decodeSafetensors(bytes, source, { int64: true });
  const wanted = torchTensors(model);
  const listed = (ts: { key: string; shape: number[] }[]) => ts.map((t) => `${t.key} [${t.shape.join(', ')}]`).join(', ');
  // Both lists: what the file holds is what to write --layers from.
  const expected = () => `the architecture's nn.Sequential has ${listed(wanted)}; the file holds ${listed([...tensors].map(([key, t]) => ({ key, shape: t.shape })))}`;
  for (const t of wanted) {
    const found = tensors.get(t.key);
    if (!found) throw new FormatError(`${source}: tensor ${t.key} is missing; ${expected()}`);
    if (found.shape.join(',') !== t.shape.join(',')) throw new FormatError(`${source}: tensor ${t.key} has shape [${found.shape.join(', ')}], the architecture's nn.Sequential needs [${t.shape.join(', ')}]`);
  }
  const counts = new Set(countKeys(model));
  for (const key of [...tensors.keys(), ...int64.keys()]) {
    if (!wanted.some((t) => t.key === key) && !counts.has(key)) throw new FormatError(`${source}: unexpected tensor ${key}; ${expected()}`);
  }
  for (const t of wanted) {
    const values = tensors.get(t.key)!.data;
    model.tensor(t.name).set(t.transpose ? transposed(values, t.shape[0], t.shape[1]) : values);
  }
}
