/**
 * Which module a pool's workers load (workers/gradient-worker, workers/inference-worker), and with
 * which Node options.
 *
 * Built (dist/src/node/*.js), a pool's workers load the .js files of dist/workers, with this
 * process's options; run from sources under tsx, the .ts files. A test process runs under tsx,
 * whose loader every worker would start again in a thread of its own, several times slower; pools
 * starting would make up most of the test suite's time. So when MNIST_TS_TEST_BUILT is 1
 * (scripts/test-parallel.mjs sets it for its test processes, and only when dist is newer than
 * every source file; the CLI processes tests start are not given it), workers load dist's .js
 * without tsx. Anywhere else nothing changes.
 */
export type WorkerName = 'gradient-worker' | 'inference-worker';

/** The worker module, and the options for Piscina that start it (`filename`, and `execArgv` where they differ from this process's). */
export function workerModule(name: WorkerName): { filename: string; execArgv?: string[] } {
  const fromSources = import.meta.url.endsWith('.ts');
  if (process.env.MNIST_TS_TEST_BUILT === '1') {
    // This file is src/node/worker-files.ts or dist/src/node/worker-files.js.
    return { filename: new URL(`../../${fromSources ? 'dist/' : ''}workers/${name}.js`, import.meta.url).href, execArgv: [] };
  }
  return { filename: new URL(`../../workers/${name}${fromSources ? '.ts' : '.js'}`, import.meta.url).href };
}
