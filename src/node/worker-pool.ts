/**
 * Piscina, with a worker that fails to start (its module cannot load, its thread cannot start)
 * failing every task, not the process. Piscina rejects the tasks a failing worker held and starts
 * another, until one fails holding none: that failure comes as an 'error' event, which, unheard,
 * ends the process with a stack trace, and no worker is started after it, so a task given later
 * would wait forever. Here the event is kept, and a later task fails at once with it.
 */
import { Piscina } from 'piscina';

export class WorkerPool extends Piscina {
  /** The failure that left the pool without a worker, as Piscina reported it. */
  failure: Error | undefined;

  constructor(options: ConstructorParameters<typeof Piscina>[0]) {
    super(options);
    // Heard always; kept only when no worker is left: Piscina replaces a worker that fails later.
    this.on('error', (error: Error) => {
      if (this.threads.length === 0) this.failure ??= error;
    });
  }

  override run(task: unknown, options?: Parameters<Piscina['run']>[1]): Promise<unknown> {
    return this.failure ? Promise.reject(this.failure) : super.run(task, options);
  }
}
