/**
 * Waiting for a Piscina pool's workers to finish loading their module before destroying it.
 *
 * Piscina loads a worker's module with require(), which on Node 20 is require(esm): the module
 * graph is instantiated synchronously, and a worker terminated in the middle of that brings the
 * whole process down (seen here once in CI, in a command that failed on a bad flag right after
 * starting its pool: "FATAL ERROR: v8::Module::IsGraphAsync must be used on an instantiated
 * module"). So each worker module posts WORKER_LOADED when it has loaded, and a pool that may be
 * destroyed before its workers ever ran a task waits for that first.
 */
import type { Piscina } from 'piscina';

/** The longest a pool waits for its workers to load before destroying them anyway (a worker that failed to load never says). */
export const LOAD_WAIT_MS = 5000;

/** The message a worker module posts to its pool once it has loaded (workers/*.ts). */
export const WORKER_LOADED = { mnistTsWorkerLoaded: true } as const;

function isLoadedMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as Record<string, unknown>).mnistTsWorkerLoaded === true;
}

/**
 * Counts the WORKER_LOADED messages of `pool`'s `workers` workers: `whenLoaded` waits for all of
 * them (bounded), `destroy` destroys the pool after that wait. Call it right after making the
 * pool, before its workers can post. Never rejects: a worker that fails to load is the pool's
 * error to report.
 */
export function workersLoaded(pool: Piscina, workers: number): { whenLoaded: (ms: number) => Promise<boolean>; destroy: () => Promise<void> } {
  let count = 0;
  let done!: () => void;
  const all = new Promise<boolean>((resolve) => (done = () => resolve(true)));
  const onMessage = (message: unknown) => {
    if (!isLoadedMessage(message)) return;
    if (++count >= workers) {
      pool.off('message', onMessage);
      done();
    }
  };
  if (workers <= 0) done();
  else pool.on('message', onMessage);
  /**
   * Waits until every worker has loaded (true), or `ms` at most (false). The timer is cleared, so
   * it keeps no process alive.
   */
  const whenLoaded = async (ms: number): Promise<boolean> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([all, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  };
  /** Destroys the pool once its workers have loaded, or after LOAD_WAIT_MS. */
  const destroy = async (): Promise<void> => {
    await whenLoaded(LOAD_WAIT_MS);
    await pool.destroy();
  };
  return { whenLoaded, destroy };
}
