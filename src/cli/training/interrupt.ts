/**
 * Ctrl-C during training: the loop checks between steps (and yields to the event loop now and then
 * to hear the signal), so training stops within a step or two of the key press, and the last
 * complete epoch's checkpoint is kept.
 */
export interface InterruptWatch {
  /** True once Ctrl-C was pressed (or the test hook's step count was reached). */
  stop(): boolean;
  /** Counts a step, for the test hook. */
  step(): void;
  dispose(): void;
}

/** `afterSteps` is a test hook (hidden flag --interrupt-after): act as if Ctrl-C came then. */
export function watchInterrupt(afterSteps?: number): InterruptWatch {
  let interrupted = false;
  let steps = 0;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  return {
    stop: () => interrupted,
    step: () => {
      if (afterSteps !== undefined && ++steps >= afterSteps) interrupted = true;
    },
    dispose: () => process.removeListener('SIGINT', onSignal),
  };
}
