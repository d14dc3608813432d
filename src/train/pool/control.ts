/**
 * The control words: an Int32Array over shared memory through which the main thread drives the
 * pool's workers. The pool's own words come first; each strategy's words (its claim counters and
 * hand-off words) follow from strategyWords(threads).
 *
 * A phase starts when the main thread writes PHASE and bumps SEQ; it ends when every worker has
 * written that SEQ into its DONE word.
 */

/** Indices of the pool's own words. */
export const CTRL = {
  /** 0 = keep going, 1 = stop. */
  COMMAND: 0,
  /** The phase sequence number, bumped by the main thread to start a phase. */
  SEQ: 1,
  /** Examples in this step's batch. */
  BATCH: 2,
  /** 0, or 1 + the index of the thread that failed. */
  FAILED: 3,
  /** The step number t (1-based over the run): schedules, Adam, dropout and shifts read it. */
  STEP: 4,
  /** What the phase started by SEQ is: a strategy's phase (0, 1, …) or one of POOL_PHASE. */
  PHASE: 5,
  /** In an evaluation phase, the index of the data set (WorkerTask.evaluation). */
  EVAL_SET: 6,
  /** Microseconds a waiting thread spins before it sleeps (SpinPolicy's budget, set by the main thread). */
  SPIN_US: 7,
  /** DONE + w: the last SEQ that worker w (1..threads-1) finished. */
  DONE: 8,
} as const;

export const COMMAND_STOP = 1;

/** Phases the pool itself runs, whatever the strategy. A strategy's phases are 0, 1, …; its phase 0 starts a step. */
export const POOL_PHASE = { EVALUATE: -1 } as const;

/** What a worker's part says of a phase its strategy does not have: a bug, never a phase to guess at. */
export function unknownPhase(strategy: string, phase: number): never {
  throw new Error(`pool: ${strategy} has no phase ${phase}`);
}

/** The first of a strategy's words. */
export function strategyWords(threads: number): number {
  return CTRL.DONE + threads;
}

/** Words for `threads` threads and a strategy that needs `words` of its own. */
export function controlWords(threads: number, words: number): number {
  return strategyWords(threads) + words;
}

/**
 * Claims the work whose claim word is `word` for phase `seq`: true for the one thread that gets
 * it. A claim word holds the last SEQ it was claimed in and only grows, so a thread still looking
 * at an older phase can never take work of a newer one.
 */
export function claim(ctrl: Int32Array, word: number, seq: number): boolean {
  for (;;) {
    const last = Atomics.load(ctrl, word);
    if (last >= seq) return false;
    if (Atomics.compareExchange(ctrl, word, last, seq) === last) return true;
  }
}
