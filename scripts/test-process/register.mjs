// The `--import` module scripts/test-parallel.mjs gives each test process: it installs hooks.mjs,
// which hands every `import 'uvu'` the counting wrapper (counted-uvu.mjs) and, when the build is
// fresh, loads source files from dist. Main thread only: pool workers load dist by themselves.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register('./hooks.mjs', import.meta.url);
