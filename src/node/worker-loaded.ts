/**
 * Destroying a Piscina pool only once its workers have finished loading their module.
 *
 * Piscina loads a worker's module with require(), which on Node 20 is require(esm): the module
 * graph is instantiated synchronously, and a worker terminated in the middle of that brings the
 * whole process down (seen here in CI, in commands that failed on bad input right after starting
 * their pool: "FATAL ERROR: v8::Module::IsGraphAsync must be used on an instantiated module").
 * So before destroying a pool its workers may not have used yet, give each a no-op task (the worker
 * modules return at once for `null`): Piscina hands a worker its task only through the module's
 * handler, so a task's answer means that worker's require() has returned. A message posted from
 * the module's last line, tried first, still left a window: the crash came back once in a suite run.
 */
import type { Piscina } from 'piscina';

/** The longest a pool waits for its workers to load before destroying them anyway (a worker that failed to load never answers). */
export const LOAD_WAIT_MS = 30_000;

/** The task that asks a worker only to answer: both worker modules return at once for it. */
export const NO_OP_TASK = null;

/**
 * Waits until each of `pool`'s `workers` workers has answered a no-op task (true: every module has
 * loaded), or `ms` at most (false). One task each, since a Piscina worker takes one task at a time.
 * Never rejects: a worker that fails is the pool's error to report. The timer is cleared, so it
 * keeps no process alive.
 */
export async function workersLoaded(pool: Piscina, workers: number, ms = LOAD_WAIT_MS): Promise<boolean> {
  const answers = Promise.allSettled(Array.from({ length: workers }, () => pool.run(NO_OP_TASK))).then((r) => r.every((a) => a.status === 'fulfilled'));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([answers, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Destroys the pool once its workers have loaded their module, or after LOAD_WAIT_MS. */
export async function destroyWhenLoaded(pool: Piscina, workers: number): Promise<void> {
  await workersLoaded(pool, workers);
  await pool.destroy();
}
