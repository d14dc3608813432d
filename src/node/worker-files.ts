/**
 * Which module a pool's workers load (workers/gradient-worker, workers/inference-worker), and with
 * which Node options.
 *
 * Built (dist/src/node/*.js), a pool's workers load the .js files of dist/workers, with this
 * process's options. Run from sources under tsx, as the tests run, they would load the .ts files
 * through tsx, whose loader every worker then starts again in a thread of its own, several times
 * slower than from dist; pools starting would make up most of the test suite's time. So when MNIST_TS_BUILT_WORKERS is 1 (scripts/test-parallel.mjs
 * sets it, and only when dist is newer than every source file), workers of a pool started from
 * sources load dist's .js instead, without tsx. Anywhere else nothing changes.
 */
export type WorkerName = 'gradient-worker' | 'inference-worker';

/** The worker module, and the options for Piscina that start it (`filename`, and `execArgv` where they differ from this process's). */
export function workerModule(name: WorkerName): { filename: string; execArgv?: string[] } {
  const fromSources = import.meta.url.endsWith('.ts');
  if (fromSources && process.env.MNIST_TS_BUILT_WORKERS === '1') {
    // This file is src/node/worker-files.ts; the build is under dist/ beside src/.
    return { filename: new URL(`../../dist/workers/${name}.js`, import.meta.url).href, execArgv: [] };
  }
  return { filename: new URL(`../../workers/${name}${fromSources ? '.ts' : '.js'}`, import.meta.url).href };
}
