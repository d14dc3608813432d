/**
 * How long a pool's waiting threads spin before they sleep, adapted to whether the pool has its
 * cores to itself.
 *
 * Spinning answers a hand-off at once, where waking from Atomics.wait is slow; but a thread that
 * spins while the thread it waits for has no core holds the core for the rest of its time slice,
 * which is far worse when other processes share the cores.
 *
 * The signal is how much CPU the process gets: alone and spinning, its threads are always on a
 * core (the process's CPU time is about the wall time times the threads); sharing the cores, it
 * gets less. So the policy judges windows of consecutive steps (at least WINDOW_MS long; anything
 * else the main thread does between steps, an evaluation or a save, starts a new window): two
 * short windows in a row and the threads sleep at once when they wait. Sleeping, the reading
 * cannot tell (a sleeping pool gets less CPU even alone), so now and then the policy spins for one
 * window as a probe and keeps spinning if that window got its cores; each probe that does not
 * doubles the time to the next one.
 *
 * Only the timing changes, never what is computed. Readings are passed in (milliseconds of wall
 * clock and of process CPU time), so this file is portable and its decisions are tested without
 * a clock.
 */

/** The shortest window judged: long enough for a time slice or two to show. */
export const WINDOW_MS = 100;
/** A gap between steps longer than this is other work, and starts a new window. */
export const GAP_MS = 2;
/** The share of the cores below which a window counts as crowded. */
export const CROWDED_BELOW = 0.8;
/** Crowded windows in a row before the threads stop spinning (one could be a stray hiccup). */
const CROWDED_WINDOWS = 2;
/** The first probe's delay after the threads start sleeping, and the longest one. */
const FIRST_PROBE_MS = 500;
const LAST_PROBE_MS = 8000;

export type WaitMode = 'spin' | 'sleep';

export class SpinPolicy {
  private mode: WaitMode = 'spin';
  private probing = false;
  private crowded = 0;
  private probeDelay = FIRST_PROBE_MS;
  private nextProbe = 0;
  /** The open window's start (wall and CPU ms), or NaN when none is open. */
  private windowStart = NaN;
  private windowCpu = 0;
  private lastEnd = -Infinity;
  /** How often the threads went from spinning to sleeping (for tests and reports). */
  switches = 0;

  /**
   * @param threads the pool's threads (the main one included)
   * @param spinMs the budget while spinning; 0 means never spin (and nothing to adapt)
   */
  constructor(private readonly threads: number, private readonly spinMs: number) {}

  /** Milliseconds a waiting thread spins now before it sleeps. */
  get budgetMs(): number {
    return this.mode === 'spin' ? this.spinMs : 0;
  }

  get waitMode(): WaitMode {
    return this.mode;
  }

  /** At the start of a step: opens a window unless one is open and the gap since the last step was short. */
  stepStarts(now: number, cpu: () => number): void {
    if (this.spinMs === 0) return;
    if (Number.isNaN(this.windowStart) || now - this.lastEnd > GAP_MS) this.open(now, cpu());
  }

  /** At the end of a step: judges the window once it is long enough. */
  stepEnds(now: number, cpu: () => number): void {
    if (this.spinMs === 0 || Number.isNaN(this.windowStart)) return;
    this.lastEnd = now;
    const wall = now - this.windowStart;
    if (wall < WINDOW_MS) return;
    this.judge(now, (cpu() - this.windowCpu) / (wall * this.threads));
    this.windowStart = NaN;
  }

  private open(now: number, cpuMs: number): void {
    this.windowStart = now;
    this.windowCpu = cpuMs;
  }

  /** `share`: the window's CPU time over its wall time and the threads. */
  private judge(now: number, share: number): void {
    const crowded = share < CROWDED_BELOW;
    if (this.mode === 'spin' && this.probing) {
      this.probing = false;
      if (crowded) this.sleep(now, Math.min(2 * this.probeDelay, LAST_PROBE_MS));
      else this.probeDelay = FIRST_PROBE_MS;
    } else if (this.mode === 'spin') {
      this.crowded = crowded ? this.crowded + 1 : 0;
      if (this.crowded >= CROWDED_WINDOWS) this.sleep(now, this.probeDelay);
    } else if (now >= this.nextProbe) {
      this.mode = 'spin';
      this.probing = true;
    }
  }

  private sleep(now: number, delay: number): void {
    this.mode = 'sleep';
    this.crowded = 0;
    this.probeDelay = delay;
    this.nextProbe = now + delay;
    this.switches++;
  }
}
