/**
 * Architectures as a short text, the same on the command line and in code:
 *   "conv:8:5,relu,pool:2,conv:16:5,relu,pool:2,flatten,dense:128,relu,dense:10"
 * Items, separated by commas:
 *   conv:F:K[:same|valid]  F filters of K×K, stride 1 (valid padding unless said)
 *   pool:S                 max-pooling over S×S windows
 *   gap                    global average pooling: each channel's mean
 *   relu, flatten
 *   dense:N                N outputs (an image before it is flattened implicitly)
 *   dropout:R              drop rate R in [0, 1)
 *   bn                     batch normalisation of each channel (or feature)
 * Shapes are worked out from the input's: [1, 28, 28] for MNIST. Weights start He-normal, except
 * the last Dense layer's (Glorot uniform), as in `mlp()`.
 */
import { optionError } from '../errors.js';
import { glorot, he, zeros } from '../model/init.js';
import type { LayerSpec, Padding } from './layer.js';

/** One item of the text: what it says, its place in the list, and the arguments after its name. */
interface Item {
  text: string;
  index: number;
  args: string[];
}

/** An item's layer, and the shape of what that layer gives the next. */
interface Parsed {
  spec: LayerSpec;
  shape: number[];
}

function fail(item: Item, why: string): never {
  throw optionError('layers', `item ${item.index + 1} '${item.text}' ${why}`);
}

function wholeNumber(item: Item, text: string | undefined, what: string): number {
  const v = Number(text);
  if (text === undefined || text.trim() === '' || !(Number.isInteger(v) && v > 0)) fail(item, `needs ${what} as a whole number > 0, found '${text ?? ''}'`);
  return v;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The input shape of an image layer, which only follows other image layers. */
function imageInput(item: Item, shape: number[]): [number, number, number] {
  if (shape.length !== 3) fail(item, `needs an image input [channels, height, width], but the layer before gives [${shape.join(', ')}] (put image layers before flatten and dense)`);
  return shape as [number, number, number];
}

function noArgs(item: Item): void {
  if (item.args.length > 0) fail(item, 'takes no arguments');
}

function parseConv(item: Item, shape: number[]): Parsed {
  const [c, h, w] = imageInput(item, shape);
  const { args } = item;
  if (args.length < 2 || args.length > 3) fail(item, 'expected conv:FILTERS:KERNEL or conv:FILTERS:KERNEL:same|valid');
  const filters = wholeNumber(item, args[0], 'a filter count');
  const kernel = wholeNumber(item, args[1], 'a kernel size');
  const padding = (args[2] ?? 'valid').toLowerCase() as Padding;
  if (padding !== 'valid' && padding !== 'same') fail(item, `has padding '${args[2]}', expected same or valid`);
  const oh = padding === 'same' ? h : h - kernel + 1;
  const ow = padding === 'same' ? w : w - kernel + 1;
  if (oh < 1 || ow < 1) fail(item, `has a ${kernel}×${kernel} kernel, which does not fit the ${h}×${w} input it gets (use :same, or a smaller kernel)`);
  return { spec: { type: 'conv2d', input: [c, h, w], filters, kernel, padding, init: he(), biasInit: zeros() }, shape: [filters, oh, ow] };
}

function parsePool(item: Item, shape: number[]): Parsed {
  const [c, h, w] = imageInput(item, shape);
  if (item.args.length !== 1) fail(item, 'expected pool:SIZE');
  const s = wholeNumber(item, item.args[0], 'a window size');
  if (h < s || w < s) fail(item, `has a ${s}×${s} window, larger than the ${h}×${w} input it gets`);
  return { spec: { type: 'maxpool2d', input: [c, h, w], size: s }, shape: [c, Math.floor(h / s), Math.floor(w / s)] };
}

function parseDense(item: Item, shape: number[]): Parsed {
  if (item.args.length !== 1) fail(item, 'expected dense:OUTPUTS');
  const outputs = wholeNumber(item, item.args[0], 'an output count');
  return { spec: { type: 'dense', inputs: size(shape), outputs, init: he(), biasInit: zeros() }, shape: [outputs] };
}

function parseDropout(item: Item, shape: number[]): Parsed {
  const rate = Number(item.args[0]);
  if (item.args.length !== 1 || !(Number.isFinite(rate) && rate >= 0 && rate < 1)) fail(item, `needs a rate in [0, 1), found '${item.args.join(':')}'`);
  return { spec: { type: 'dropout', rate, shape: [...shape] }, shape };
}

/** One item's layer, given the shape the layers before it give. */
function parseItem(item: Item, name: string, shape: number[]): Parsed {
  switch (name.toLowerCase()) {
    case 'conv':
      return parseConv(item, shape);
    case 'pool':
    case 'maxpool':
      return parsePool(item, shape);
    case 'relu':
      noArgs(item);
      return { spec: shape.length > 1 ? { type: 'relu', size: size(shape), shape: [...shape] } : { type: 'relu', size: size(shape) }, shape };
    case 'flatten':
      noArgs(item);
      return { spec: { type: 'flatten', input: [...shape] }, shape: [size(shape)] };
    case 'gap': {
      noArgs(item);
      const [c, h, w] = imageInput(item, shape);
      return { spec: { type: 'globalavgpool', input: [c, h, w] }, shape: [c] };
    }
    case 'dense':
      return parseDense(item, shape);
    case 'dropout':
      return parseDropout(item, shape);
    case 'bn':
    case 'batchnorm':
      noArgs(item);
      return { spec: { type: 'batchnorm', shape: [...shape] }, shape };
    default:
      return fail(item, 'is not a layer; expected conv:F:K[:same], pool:S, gap, bn, relu, flatten, dense:N or dropout:R');
  }
}

/** The last Dense layer starts Glorot-uniform, as in `mlp()`; the others stay He-normal. */
function glorotLastDense(specs: LayerSpec[]): LayerSpec[] {
  let lastDense = -1;
  specs.forEach((s, i) => {
    if (s.type === 'dense') lastDense = i;
  });
  if (lastDense >= 0) specs[lastDense] = { ...(specs[lastDense] as Extract<LayerSpec, { type: 'dense' }>), init: glorot() };
  return specs;
}

/**
 * Parses an architecture for examples of shape `input` ([channels, height, width], or [features]
 * for a model that starts with a dense layer).
 */
export function parseLayers(text: string, input: readonly number[] = [1, 28, 28]): LayerSpec[] {
  const items = String(text).split(',').map((s) => s.trim());
  if (items.length === 0 || items.every((s) => s === '')) throw optionError('layers', `empty, expected items such as conv:8:5,relu,pool:2,flatten,dense:10`);
  const specs: LayerSpec[] = [];
  let shape: number[] = [...input];
  items.forEach((item, index) => {
    const [name, ...args] = item.split(':');
    const parsed = parseItem({ text: item, index, args }, name, shape);
    specs.push(parsed.spec);
    shape = parsed.shape;
  });
  return glorotLastDense(specs);
}

/** The text form of an architecture: parseLayers(formatLayers(s)) builds the same layers. */
export function formatLayers(specs: readonly LayerSpec[]): string {
  return specs
    .map((s) => {
      switch (s.type) {
        case 'conv2d': return `conv:${s.filters}:${s.kernel}${s.padding === 'same' ? ':same' : ''}`;
        case 'maxpool2d': return `pool:${s.size}`;
        case 'globalavgpool': return 'gap';
        case 'dense': return `dense:${s.outputs}`;
        case 'dropout': return `dropout:${s.rate}`;
        case 'batchnorm': return 'bn';
        default: return s.type;
      }
    })
    .join(',');
}

/**
 * A short name for an architecture, for people: "softmax regression 784→10", "MLP 784-256-10",
 * or "CNN conv:8:5,pool:2,..." (any model with a convolution), else the layers' text.
 */
export function describeArchitecture(specs: readonly LayerSpec[]): string {
  const dense = specs.filter((s): s is Extract<LayerSpec, { type: 'dense' }> => s.type === 'dense');
  if (specs.length === 1 && dense.length === 1) return `softmax regression ${dense[0].inputs}→${dense[0].outputs}`;
  if (specs.every((s) => s.type === 'dense' || s.type === 'relu') && dense.length > 1) return `MLP ${[dense[0].inputs, ...dense.map((d) => d.outputs)].join('-')}`;
  return `${specs.some((s) => s.type === 'conv2d') ? 'CNN' : 'network'} ${formatLayers(specs)}`;
}
