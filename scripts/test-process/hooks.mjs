// Module-resolution hooks for test processes.
// `import 'uvu'` anywhere but in the wrapper itself gets the wrapper (counted-uvu.mjs).
// With MNIST_TS_TEST_BUILT=1 (test-parallel sets it when dist is newer than every source file), a
// source file under src/ or workers/ loads from its build in dist/, as pool workers and CLI runs
// load it: one compilation of each file in a test run, which coverage merges line by line and
// function by function (two compilations map their functions to different columns, so each would
// count twice). A source with no build (src/web, bundled for the page instead) loads as it is.
// The build is loaded as written, past tsx, which would rewrite a file with a dynamic import() and
// give it a source map of its own, pointing at dist instead of src.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const WRAPPER = new URL('./counted-uvu.mjs', import.meta.url).href;
const ROOT = new URL('../../', import.meta.url).href;
const SOURCES = [`${ROOT}src/`, `${ROOT}workers/`];
const BUILT = process.env.MNIST_TS_TEST_BUILT === '1';
const DIST = `${ROOT}dist/`;

export async function resolve(specifier, context, next) {
  if (specifier === 'uvu' && context.parentURL !== WRAPPER) return { url: WRAPPER, shortCircuit: true };
  const resolved = await next(specifier, context);
  if (!BUILT || !resolved.url.endsWith('.ts') || !SOURCES.some((dir) => resolved.url.startsWith(dir))) return resolved;
  const built = `${DIST}${resolved.url.slice(ROOT.length, -'.ts'.length)}.js`;
  return existsSync(fileURLToPath(built)) ? { url: built, format: 'module', shortCircuit: true } : resolved;
}

export async function load(url, context, next) {
  if (!BUILT || !url.startsWith(DIST) || !url.endsWith('.js')) return next(url, context);
  return { format: 'module', source: readFileSync(fileURLToPath(url), 'utf8'), shortCircuit: true };
}
