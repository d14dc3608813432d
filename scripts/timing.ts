/** Timing for the kernel benchmarks: the median of several samples, each long enough to average out timer noise. */
export const MIN_SAMPLE_S = 0.2;
export const SAMPLES = 5;

/** Median seconds per call over SAMPLES samples of at least MIN_SAMPLE_S each (one warm-up call first). */
export function time(fn: () => void): number {
  fn();
  const per: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < MIN_SAMPLE_S * 1000) {
      fn();
      calls++;
      t = performance.now();
    }
    per.push((t - t0) / 1000 / calls);
  }
  per.sort((a, b) => a - b);
  return per[Math.floor(per.length / 2)];
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
