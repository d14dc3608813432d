/**
 * What a layer learned, as pictures: each output unit's incoming weights drawn as an image of the
 * input, with a diverging colour map (red: evidence for, blue: evidence against, white: none).
 * Which picture is drawn follows from the first parameter's shape, not from the layer's type:
 * a 4-D weight is a convolution's filters, a 2-D one a dense layer's [inputs, outputs].
 */
import type { LayerSpec } from '../engine/layers/layer.js';
import { Sequential } from '../engine/model/sequential.js';

export interface WeightMap {
  /** Caption: the digit (softmax), the hidden unit or the filter. */
  label: string;
  /** width × height × 3 bytes, RGB. */
  rgb: Uint8Array;
  width: number;
  height: number;
}

export interface WeightPicture {
  kind: 'digit templates' | 'units' | 'filters';
  maps: WeightMap[];
  /** Drawn is W − W₀ (what training changed), not W. */
  delta: boolean;
  /** One scale for every map (its ±max), or null when each map is scaled to its own largest |w|. */
  sharedScale: number | null;
  /** The layer's input, as drawn: [channels, height, width]. */
  input: [number, number, number];
}

/** Diverging colour for t in [-1, 1]: blue (−) through white (0) to red (+). */
export function diverging(t: number): [number, number, number] {
  const a = Math.min(1, Math.abs(t));
  const [r, g, b] = t < 0 ? [33, 102, 172] : [178, 24, 43];
  return [Math.round(255 + (r - 255) * a), Math.round(255 + (g - 255) * a), Math.round(255 + (b - 255) * a)];
}

function maxAbsOfUnit(weight: Float32Array, inputs: number, outputs: number, unit: number): number {
  let max = 0;
  for (let i = 0; i < inputs; i++) max = Math.max(max, Math.abs(weight[i * outputs + unit]));
  return max;
}

/**
 * The weights into unit `unit` of a dense weight [inputs, outputs] as an RGB map `cols` wide
 * (channels stacked top to bottom), scaled to ±`max` (default: the unit's own largest |w|).
 */
function unitMap(weight: Float32Array, inputs: number, outputs: number, unit: number, cols: number, label: string, max = maxAbsOfUnit(weight, inputs, outputs, unit)): WeightMap {
  const rgb = new Uint8Array(inputs * 3);
  for (let i = 0; i < inputs; i++) rgb.set(diverging(max === 0 ? 0 : weight[i * outputs + unit] / max), i * 3);
  return { label, rgb, width: cols, height: inputs / cols };
}

/** Indices of the `k` output units whose incoming weight vectors have the largest L2 norms, largest first. */
export function largestUnits(weight: Float32Array, inputs: number, outputs: number, k: number): number[] {
  const norms = Array.from({ length: outputs }, (_, u) => {
    let s = 0;
    for (let i = 0; i < inputs; i++) s += weight[i * outputs + u] ** 2;
    return { u, n: Math.sqrt(s) };
  });
  return norms.sort((a, b) => b.n - a.n || a.u - b.u).slice(0, k).map((x) => x.u);
}

/** A convolution's filters [F, C, K, K]: filter f's first input channel as a K×K map, scaled to ±max|w| of the filter. */
function filterMaps(weight: Float32Array, shape: readonly number[]): WeightMap[] {
  const [filters, channels, kh, kw] = shape;
  const size = channels * kh * kw;
  return Array.from({ length: filters }, (_, f) => {
    let max = 0;
    for (let i = 0; i < size; i++) max = Math.max(max, Math.abs(weight[f * size + i]));
    const rgb = new Uint8Array(kh * kw * 3);
    for (let i = 0; i < kh * kw; i++) rgb.set(diverging(max === 0 ? 0 : weight[f * size + i] / max), i * 3);
    return { label: `filter ${f}`, rgb, width: kw, height: kh };
  });
}

/** The image shape a dense layer's inputs come from: the last 3-D shape before it, else the data's rows × cols. */
function denseInputImage(model: Sequential, layer: number, inputs: number, rows: number, cols: number): [number, number, number] {
  for (let l = layer - 1; l >= 0; l--) {
    const s = model.layers[l].outputShape;
    if (s.length === 3) return [s[0], s[1], s[2]];
  }
  if (model.inputShape.length === 3) return model.inputShape as [number, number, number];
  return inputs === rows * cols ? [1, rows, cols] : [1, 1, inputs];
}

export interface WeightMapOptions {
  /** The parameters the model started from (regenerated from its seed): draw W − W₀. */
  initial?: Float32Array;
  /** How many hidden units to draw (default 16). */
  units?: number;
}

/**
 * Softmax regression: the ten columns of W, one per digit, on one shared scale. An MLP: the first
 * layer's `units` units with the largest weight norms. A CNN: the first convolution's filters.
 * `rows` × `cols` is the data's image size, for a model whose input is a flat row.
 */
export function weightMaps(model: Sequential, rows: number, cols: number, o: WeightMapOptions = {}): WeightPicture {
  const first = model.entries[0];
  const layer = model.layers.findIndex((l) => l.params().length > 0);
  let w = model.params.subarray(first.offset, first.offset + first.size);
  if (first.shape.length === 4) {
    const [, c, kh, kw] = first.shape;
    return { kind: 'filters', maps: filterMaps(w, first.shape), delta: false, sharedScale: null, input: [c, kh, kw] };
  }
  const [inputs, outputs] = first.shape;
  const delta = o.initial !== undefined;
  if (o.initial) {
    const w0 = o.initial.subarray(first.offset, first.offset + first.size);
    w = w.map((v, i) => v - w0[i]);
  }
  const input = denseInputImage(model, layer, inputs, rows, cols);
  const width = input[2];
  const trainable = model.layers.filter((l) => l.params().length > 0).length;
  if (trainable === 1) {
    let max = 0;
    for (let u = 0; u < outputs; u++) max = Math.max(max, maxAbsOfUnit(w, inputs, outputs, u));
    const maps = Array.from({ length: outputs }, (_, d) => unitMap(w, inputs, outputs, d, width, `digit ${d}`, max));
    return { kind: 'digit templates', maps, delta, sharedScale: max, input };
  }
  const maps = largestUnits(w, inputs, outputs, o.units ?? 16).map((u) => unitMap(w, inputs, outputs, u, width, `unit ${u}`));
  return { kind: 'units', maps, delta, sharedScale: null, input };
}

/**
 * The parameters a model started from, when they can be made again: its architecture records each
 * layer's initialiser, the checkpoint the seed, and the initialiser is a random one.
 */
export function initialParameters(architecture: LayerSpec[], seed: number, init?: string): Float32Array | undefined {
  // A model initialised by the caller's own code (fit): its seed is the batch order's, not its weights'.
  if (init === 'custom') return undefined;
  const first = architecture.find((s) => s.type === 'dense' || s.type === 'conv2d') as { init?: { kind: string } } | undefined;
  if (!first?.init || first.init.kind === 'zeros') return undefined;
  return Sequential.fromSpec(architecture).initialize(seed).params;
}
