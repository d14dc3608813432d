/**
 * An empty app with the package installed as a user installs it: `npm pack` of this checkout,
 * then `npm install <tarball>` (with --omit=optional, or with npm's defaults, sharp included).
 */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, ROOT } from './cli.js';

export interface InstalledApp {
  dir: string;
  /** What npm printed on stderr while installing (its warnings). */
  installWarnings: string;
}

/**
 * The environment for the installed app's processes: a CLI process's (cliEnv), also without c8's
 * NODE_V8_COVERAGE, since their code lies outside the checkout, where coverage is not counted, and
 * writing it is slow.
 */
export function appEnv(): NodeJS.ProcessEnv {
  const { NODE_V8_COVERAGE: _coverage, ...env } = cliEnv();
  return env;
}

/** Runs a command in `cwd`; it must succeed. Returns its stdout. */
export function sh(cwd: string, command: string, args: string[], timeout = 120_000): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: appEnv() });
  assert.is(r.status, 0, `${command} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export function installedApp(options: { omitOptional: boolean }): InstalledApp {
  const dir = mkdtempSync(join(tmpdir(), 'mnist-ts-app-'));
  // --ignore-scripts: npm test has built dist/ already, and prepack's build would rewrite it under
  // the tests running beside this one.
  const tarball = sh(ROOT, 'npm', ['pack', '--ignore-scripts', '--pack-destination', dir]).trim().split('\n').at(-1)!;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
  const flags = ['--prefer-offline', '--no-audit', '--no-fund', ...(options.omitOptional ? ['--omit=optional'] : [])];
  const r = spawnSync('npm', ['install', `./${tarball}`, ...flags], { cwd: dir, encoding: 'utf8', timeout: 180_000, env: appEnv() });
  assert.is(r.status, 0, `npm install ${tarball}: ${r.stderr}`);
  return { dir, installWarnings: r.stderr };
}

/** The TypeScript code blocks of README.md, each by the name of its `<!-- example:NAME -->` marker (null: none). */
export function readmeExamples(): { name: string | null; code: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/(?:<!-- example:([\w-]+) -->\s*)?```ts\n([\s\S]*?)```/g)].map((m) => ({ name: m[1] ?? null, code: m[2] }));
}

/** The shell blocks of README.md, in order, each as its command lines (comments stripped). */
export function readmeCommands(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1].split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean));
}
