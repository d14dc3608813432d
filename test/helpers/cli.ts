/**
 * Two ways to run the CLI. runCli starts the built CLI (dist/, as installed; `npm test` builds
 * first) in a child process, as a user would; set MNIST_TS_TEST_SOURCES=1 to run it from the
 * TypeScript sources instead. runMain calls the CLI's main in this process, as the test process
 * loads it (the build when it is fresh, else the sources: test/README.md), for the many checks of
 * a line, an exit code or a file, where starting a process costs several times the check. What
 * needs a process of its own (a fresh process's view, signals, failing workers, the bin's exit
 * code, a process that must end) uses runCli; readme-commands runs every command of the README in
 * processes of their own, each of which must end.
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

/**
 * The environment of a CLI process a test starts, as a user's: without MNIST_TS_TEST_BUILT, the
 * test runner's word to its own processes (pool workers without tsx: src/node/worker-files.ts).
 */
export function cliEnv(): NodeJS.ProcessEnv {
  const { MNIST_TS_TEST_BUILT: _built, ...env } = process.env;
  return { ...env, FORCE_COLOR: '0' };
}

export function runCli(args: string[], options: { cwd?: string; timeout?: number } = {}): CliResult {
  const argv = process.env.MNIST_TS_TEST_SOURCES ? ['--import', TSX, MAIN, ...args] : [BUILT, ...args];
  const r = spawnSync(process.execPath, argv, {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: options.timeout ?? 120_000,
    env: cliEnv(),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

class Hang extends Error {}
let running = false;
/** The longest runMain waits for main, for a hang only: then the captured output is thrown with the error. */
const RUN_MAIN_MS = 120_000;

/** Shadows a stream's own property for the duration of a run; returns what puts it back. */
function shadow(stream: NodeJS.WriteStream, key: 'isTTY' | 'columns', value: unknown): () => void {
  const own = Object.getOwnPropertyDescriptor(stream, key);
  Object.defineProperty(stream, key, { value, configurable: true, writable: true });
  return () => (own ? Object.defineProperty(stream, key, own) : delete (stream as unknown as Record<string, unknown>)[key]);
}

/**
 * Runs `mnist-ts ARGS` through the CLI's main in this process, in `cwd`, with what it writes to
 * stdout and stderr captured, the two seen as pipes (no terminal: no progress bar, help wrapped
 * as in a pipe). A bug main throws comes back as node would show it: exit code 1 and the stack on
 * stderr. One at a time: the capture and the working directory are the process's.
 */
export async function runMain(args: string[], options: { cwd?: string } = {}): Promise<CliResult> {
  if (running) throw new Error('runMain: one command at a time');
  running = true;
  const captured = { stdout: '', stderr: '' };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const cwd = process.cwd();
  const restore: (() => void)[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    restore.push(shadow(process[stream], 'isTTY', false), shadow(process[stream], 'columns', undefined));
    process[stream].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  }
  let code: number;
  let hung = false;
  try {
    const { main } = await import('../../src/cli/program.js');
    process.chdir(options.cwd ?? ROOT);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Hang()), RUN_MAIN_MS)));
    code = await Promise.race([main(args), hang]).finally(() => clearTimeout(timer));
  } catch (e) {
    if (e instanceof Hang) hung = true;
    code = 1;
    captured.stderr += `${e instanceof Error ? e.stack : String(e)}\n`;
  } finally {
    process.chdir(cwd);
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    for (const put of restore) put();
    running = false;
  }
  if (hung) throw new Error(`runMain: mnist-ts ${args.join(' ')} did not finish within ${RUN_MAIN_MS / 1000} s; it printed:\n${captured.stdout}${captured.stderr}`);
  return { code, ...captured };
}
