#!/usr/bin/env node
// `npm run build`: tsc compiles src/ and workers/ into dist/, while the page is type-checked with
// the DOM's types (tsc -p src/web/tsconfig.json, no output) and bundled by esbuild
// (scripts/build-web.mjs). The two need nothing of each other, so they run side by side.
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';

const TSC = 'node_modules/typescript/bin/tsc';
function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}
const codes = await Promise.all([
  run([TSC, '-p', 'tsconfig.json']),
  run([TSC, '-p', 'src/web/tsconfig.json']).then((code) => (code === 0 ? run(['scripts/build-web.mjs']) : code)),
]);
// tsc writes files without the execute bit; npm marks a bin executable only when it links one
// (npx's link to this checkout is made once), so `npx mnist-ts` after a rebuild needs it set here.
if (codes[0] === 0) for (const bin of Object.values(JSON.parse(readFileSync('package.json', 'utf8')).bin)) chmodSync(bin, 0o755);
process.exitCode = codes.every((c) => c === 0) ? 0 : 1;
