#!/usr/bin/env node
// Builds the draw-a-digit page into dist/web: the page, its training worker and the training pool's
// worker bundled by esbuild (one request each, pica and the engine included, nothing fetched from
// elsewhere), and the HTML and CSS copied. Type-checking is tsc's job (tsc -p src/web/tsconfig.json runs first, in scripts/build.mjs).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}src/web/`;
const out = `${root}dist/web/`;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${src}page.ts`, `${src}train-worker.ts`, `${src}pool-worker.ts`],
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // WebAssembly SIMD and module workers: every current browser (Chrome 91+, Firefox 89+, Safari 16.4+).
  target: ['chrome100', 'firefox100', 'safari16.4'],
  sourcemap: true,
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
for (const name of ['index.html', 'style.css']) copyFileSync(`${src}${name}`, `${out}${name}`);
