/**
 * Kernel paths through the CLI: the tutorial on the JS kernels follows the SIMD run (which
 * cli-train holds to numpy's range) epoch by epoch, and a platform without WebAssembly SIMD runs
 * everything on the JS kernels, where asking for SIMD is one clear line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, ROOT, runCli, runMain } from './helpers/cli.js';
import { KernelMemory } from '../src/engine/wasm/kernel-memory.js';
import { ShapeError } from '../src/engine/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'kernels-cli-'));

test('the tutorial on the JS kernels follows the SIMD run: each epoch\'s cost, and the test accuracy, within rounding', () => {
  const lines = (kernels: string) => {
    const r = runCli(['train', '--kernels', kernels, '--epochs', '2', '--threads', '2', '--no-save', '--json']);
    assert.is(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  };
  const [js, simd] = [lines('js'), lines('simd')];
  for (let e = 0; e < 2; e++) assert.ok(Math.abs(js[e].cost - simd[e].cost) < 1e-4 * simd[e].cost, `epoch ${e + 1}: ${js[e].cost} against ${simd[e].cost}`);
  // Rounding may tip an image or two at a class boundary.
  assert.ok(Math.abs(js[2].test_accuracy - simd[2].test_accuracy) <= 0.0005, `accuracy ${js[2].test_accuracy} against ${simd[2].test_accuracy}`);
  assert.ok(js[0].cost > js[1].cost, 'it learns');
});

test('without WebAssembly SIMD: auto runs the JS kernels, and --kernels simd is one clear line', () => {
  // A platform without SIMD, as far as the engine can tell: validate refuses every module with a
  // SIMD instruction (the 0xFD prefix).
  const preload = join(dir, 'no-simd.mjs');
  writeFileSync(preload, 'const validate = WebAssembly.validate;\nWebAssembly.validate = (bytes) => !new Uint8Array(bytes).includes(0xfd) && validate(bytes);\n');
  const cli = (args: string[]) => spawnSync(process.execPath, ['--import', preload, join(ROOT, 'dist/src/cli/main.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: cliEnv() });
  const simd = cli(['train', '--kernels', 'simd', '--epochs', '1']);
  assert.is(simd.status, 2);
  assert.is(simd.stderr, "mnist-ts: --kernels: 'simd', but this platform's WebAssembly has no SIMD; use auto or js\n");
  const auto = cli(['train', '--epochs', '1', '--threads', '2', '--save', join(dir, 'm.safetensors')]);
  assert.is(auto.status, 0, auto.stderr);
  assert.match(auto.stdout, ', 2 threads, JS kernels, seed 0');
  const ev = cli(['evaluate', '--checkpoint', join(dir, 'm.safetensors'), '--json']);
  assert.is(ev.status, 0, ev.stderr);
  assert.is(JSON.parse(ev.stdout).accuracy.toFixed(4), /Accuracy: ([\d.]+)/.exec(auto.stdout)![1]);
});

test('a model over MAX_PARAMETERS: one line naming the flag and the count, exit 2, nothing written', async () => {
  const save = join(dir, 'huge.safetensors');
  const r = await runMain(['train', '--model', 'mlp', '--hidden', '2000000', '--epochs', '1', '--save', save]);
  assert.is(r.code, 2);
  assert.is(r.stderr, 'mnist-ts: --hidden: 1,590,000,010 parameters, more than the 100,000,000 a model may have (MAX_PARAMETERS)\n');
  assert.is(r.stdout, '');
  assert.not.ok(existsSync(save));
});

test('more than a WebAssembly memory holds: one line naming the size, before anything is allocated', () => {
  assert.throws(() => new KernelMemory().f32(1_200_000_000), (e: Error) => e instanceof ShapeError && /^kernel memory: 4\d\d\d MiB needed, more than the 4096 MiB a WebAssembly memory can hold/.test(e.message));
});

test.run();
