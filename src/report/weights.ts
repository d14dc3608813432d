/**
 * What a layer learned, as pictures: each output unit's incoming weights drawn as an image of the
 * input, with a diverging colour map (red: evidence for, blue: evidence against, white: none).
 */
import type { Sequential } from '../engine/sequential.js';

export interface WeightMap {
  /** Caption: the digit (softmax) or the hidden unit. */
  label: string;
  /** width × height × 3 bytes, RGB. */
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** Diverging colour for t in [-1, 1]: blue (−) through white (0) to red (+). */
export function diverging(t: number): [number, number, number] {
  const a = Math.min(1, Math.abs(t));
  const [r, g, b] = t < 0 ? [33, 102, 172] : [178, 24, 43];
  return [Math.round(255 + (r - 255) * a), Math.round(255 + (g - 255) * a), Math.round(255 + (b - 255) * a)];
}

/** The weights into unit `unit` of a dense weight [inputs, outputs], as an RGB map scaled to ±max|w| of that unit. */
export function unitMap(weight: Float32Array, inputs: number, outputs: number, unit: number, rows: number, cols: number, label: string): WeightMap {
  let max = 0;
  for (let i = 0; i < inputs; i++) max = Math.max(max, Math.abs(weight[i * outputs + unit]));
  const rgb = new Uint8Array(inputs * 3);
  for (let i = 0; i < inputs; i++) {
    const c = diverging(max === 0 ? 0 : weight[i * outputs + unit] / max);
    rgb.set(c, i * 3);
  }
  return { label, rgb, width: cols, height: rows };
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
export function filterMaps(weight: Float32Array, shape: readonly number[]): WeightMap[] {
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

/**
 * Softmax regression: the ten columns of W, one per digit. An MLP: the first layer's `k` units
 * with the largest weight norms. A CNN: the first convolution's filters.
 */
export function weightMaps(model: Sequential, rows: number, cols: number, k = 16): WeightMap[] {
  const first = model.entries[0];
  if (model.layers[0].type === 'conv2d') return filterMaps(model.params.subarray(first.offset, first.offset + first.size), first.shape);
  const [inputs, outputs] = first.shape;
  const w = model.params.subarray(first.offset, first.offset + first.size);
  const isSoftmax = model.layers.length === 1;
  if (isSoftmax) return Array.from({ length: outputs }, (_, d) => unitMap(w, inputs, outputs, d, rows, cols, `digit ${d}`));
  return largestUnits(w, inputs, outputs, k).map((u) => unitMap(w, inputs, outputs, u, rows, cols, `unit ${u}`));
}
