/**
 * The one way a pool thread waits for another: spin while the budget in the SPIN_US word lasts
 * (a spin answers a hand-off at once, where waking from Atomics.wait is slow), then sleep on the
 * word it waits for, which its writer notifies. SpinPolicy sets the budget to 0 while other
 * processes take the cores, since a spinning thread may then hold the core its writer needs.
 */
import { CTRL } from './control.js';

export interface WaitOptions {
  /** The longest one sleep lasts, so that a change nobody notifies is still seen. */
  sleepMs: number;
  /** When the wait began (performance.now()): the spin budget counts from there. Default: now. */
  startedAt?: number;
  /** Give up (return false) at this performance.now(), so that the main thread can let its event loop run. */
  giveUpAt?: number;
}

/**
 * Waits until `pending()` returns -1; until then it returns the index of a word whose change it
 * waits for. True once nothing is pending; false when `giveUpAt` came first.
 */
export function waitUntil(ctrl: Int32Array, pending: () => number, o: WaitOptions): boolean {
  const startedAt = o.startedAt ?? performance.now();
  const giveUpAt = o.giveUpAt ?? Infinity;
  for (;;) {
    const word = pending();
    if (word < 0) return true;
    // Reading the clock every round also paces the spin (scripts/BENCHMARKS.md, "Memory layout").
    const now = performance.now();
    if (now >= giveUpAt) return false;
    if (now - startedAt < Atomics.load(ctrl, CTRL.SPIN_US) / 1000) continue;
    const value = Atomics.load(ctrl, word);
    // Asked again after reading the value: a change in between makes the wait return at once.
    if (pending() === word) Atomics.wait(ctrl, word, value, o.sleepMs);
  }
}
