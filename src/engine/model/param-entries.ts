/**
 * How a model names and lays out its layers' values in one flat buffer: the parameters (trained)
 * and the state (batch normalisation's running statistics) alike.
 */
import type { Layer } from '../layers/layer.js';

export interface ParamEntry {
  /** `dense0.weight`, `dense0.bias`, `dense1.weight`, ...: layer type and its index among that type. */
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** Each layer's name in parameter names: its type and its index among the layers of that type that have parameters (`dense1`). */
export function layerNames(layers: readonly Layer[]): string[] {
  const counters = new Map<string, number>();
  return layers.map((layer) => {
    if (layer.params().length === 0) return layer.type;
    const index = counters.get(layer.type) ?? 0;
    counters.set(layer.type, index + 1);
    return `${layer.type}${index}`;
  });
}

/** Entries for a layer's named values (their offsets set by layOut). */
export function layerEntries(specs: readonly { name: string; shape: number[] }[], layer: string): ParamEntry[] {
  return specs.map((p) => ({ name: `${layer}.${p.name}`, shape: p.shape, offset: 0, size: p.shape.reduce((a, b) => a * b, 1) }));
}

/** Lays entries out one after another from offset 0; returns their total size. */
export function layOut(entries: ParamEntry[]): number {
  let offset = 0;
  for (const e of entries) {
    e.offset = offset;
    offset += e.size;
  }
  return offset;
}
