/** Part i of `count` items cut into `parts` contiguous ranges whose sizes differ by at most 1. */
export function evenRange(count: number, parts: number, i: number): [number, number] {
  return [Math.floor((i * count) / parts), Math.floor(((i + 1) * count) / parts)];
}

/**
 * Part i of `count` items cut into `parts` even ranges of whole units of `unit` items (the last
 * unit may be short): a batch's pieces cut at ghost batches, for batch normalisation.
 */
export function evenUnitRange(count: number, parts: number, i: number, unit: number): [number, number] {
  if (unit === 1) return evenRange(count, parts, i);
  const [u0, u1] = evenRange(Math.ceil(count / unit), parts, i);
  return [Math.min(count, u0 * unit), Math.min(count, u1 * unit)];
}
