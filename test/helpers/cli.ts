/**
 * Runs the built CLI (dist/, as installed; `npm test` builds first) in a child process, as a user
 * would. Set MNIST_TS_TEST_SOURCES=1 to run it from the TypeScript sources instead.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** tsx's loader by absolute URL, so the CLI also runs from sources with another working directory. */
const TSX = import.meta.resolve('tsx');
const BUILT = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; timeout?: number } = {}): CliResult {
  const argv = process.env.MNIST_TS_TEST_SOURCES ? ['--import', TSX, MAIN, ...args] : [BUILT, ...args];
  const r = spawnSync(process.execPath, argv, {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: options.timeout ?? 120_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
