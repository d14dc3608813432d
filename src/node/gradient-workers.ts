/**
 * A training pool's workers, started ahead of the backend that will drive them: they start and
 * load the engine while the caller reads and prepares the data, instead of during the first
 * step. Hand them to the backend (PoolBackend's `workers` option), which then owns them;
 * `releaseUnused` destroys them when no backend took them (an error on the way, say), since live
 * workers would keep the process running.
 */
import { MnistTsError } from '../engine/errors.js';
import { destroyWhenLoaded } from './worker-loaded.js';
import { workerModule } from './worker-files.js';
import { WorkerPool } from './worker-pool.js';

export class GradientWorkers {
  readonly pool: WorkerPool;
  private taken = false;

  constructor(readonly threads: number) {
    const workers = threads - 1;
    this.pool = new WorkerPool({ ...workerModule('gradient-worker'), minThreads: workers, maxThreads: workers, idleTimeout: 60_000 });
  }

  /** Destroys the pool, once its workers have loaded their module (worker-loaded.ts says why). */
  async destroy(): Promise<void> {
    await destroyWhenLoaded(this.pool, this.threads - 1);
  }

  /** The pool, for the one backend that drives it. */
  take(threads: number): WorkerPool {
    if (this.taken) throw new MnistTsError('GradientWorkers: already taken by a backend');
    if (threads !== this.threads) throw new MnistTsError(`GradientWorkers: started for ${this.threads} threads, asked for ${threads}`);
    this.taken = true;
    return this.pool;
  }

  async releaseUnused(): Promise<void> {
    if (this.taken) return;
    this.taken = true;
    await this.destroy();
  }
}
