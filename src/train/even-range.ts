/** Part i of `count` items cut into `parts` contiguous ranges whose sizes differ by at most 1. */
export function evenRange(count: number, parts: number, i: number): [number, number] {
  return [Math.floor((i * count) / parts), Math.floor(((i + 1) * count) / parts)];
}
