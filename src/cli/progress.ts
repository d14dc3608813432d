/** At most one redraw in this many milliseconds: enough to look live, too few to cost anything. */
const REDRAW_MS = 100;

/**
 * A progress bar with ETA for terminals, redrawn in place on stderr; nothing at all when stderr is
 * not a terminal (logs and pipes get the plain epoch lines only). A few honest lines rather than
 * a dependency: it needs one bar, one line, no colours.
 */
export class ProgressBar {
  private readonly enabled: boolean;
  private lastDraw = 0;
  private start = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, enabled = stream.isTTY === true) {
    this.enabled = enabled;
  }

  begin(): void {
    this.start = performance.now();
    this.lastDraw = 0;
  }

  /** Redraws the bar, at most every REDRAW_MS and always at the end. */
  update(done: number, total: number, label: string): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (done < total && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
    this.stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ETA ${eta.toFixed(1)}s `);
  }

  clear(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }
}
