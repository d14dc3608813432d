/**
 * `mnist-ts serve`: the draw-a-digit page on a local HTTP server, with the checkpoints named (and
 * every one `train` saved in log/) in its model picker, until Ctrl-C.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { OptionError } from '../../engine/errors.js';
import { startPageServer, type PageServer } from '../../node/page-server.js';
import { isLoopback, listensEverywhere, networkUrls } from '../../node/served-hosts.js';
import { loadCheckpointFile } from '../../node/checkpoint-file.js';
import { DEFAULT_SAVE_PATH } from '../defaults.js';
import { intFlag, lastGiven, numeric, textFlag } from '../options.js';
import { noteLine, printLine, type Print } from '../output.js';

export interface ServeArgs {
  checkpoint?: string | string[];
  port?: number;
  host?: string;
  dataDir?: string;
}

export function serveOptions<T>(y: Argv<T>) {
  return y
    .option('checkpoint', { type: 'string', array: true, requiresArg: true, describe: `checkpoint files for the page's model picker, the first shown first (every checkpoint in ${dirname(DEFAULT_SAVE_PATH)}/ is added)` })
    .option('port', numeric('port to listen on (0: any free one; default: 8080)'))
    .option('host', { type: 'string', requiresArg: true, describe: 'address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 listens on the network)' })
    .option('data-dir', { type: 'string', requiresArg: true, describe: 'folder with the four MNIST IDX files, for training in the page' })
    .example('$0 serve', `the page, with the model npm start saved; open the URL it prints`)
    .example('$0 serve --checkpoint FILE', 'FILE first in the picker, then every model in log/')
    .example('$0 serve --host 0.0.0.0 --port 8080', 'reachable from other devices on your network (on purpose only)');
}

/** The checkpoints `train` saved in the folder of DEFAULT_SAVE_PATH, the tutorial's first; files that are no checkpoint are left out. */
function savedCheckpoints(): string[] {
  const dir = dirname(DEFAULT_SAVE_PATH);
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).map((f) => join(dir, f)).sort();
  const readable = files.filter((f) => {
    try {
      return loadCheckpointFile(f) !== undefined;
    } catch {
      return false;
    }
  });
  return readable.sort((a, b) => Number(resolve(b) === resolve(DEFAULT_SAVE_PATH)) - Number(resolve(a) === resolve(DEFAULT_SAVE_PATH)));
}

/**
 * The checkpoints for the picker: the ones given (the first is shown first), then every one
 * `train` saved in log/ that was not given.
 */
function checkpointList(given: string | string[] | undefined): string[] {
  const list = given === undefined ? [] : (Array.isArray(given) ? given : [given]).map(String);
  if (list.some((f) => f.trim() === '')) throw new OptionError("--checkpoint: '', expected a checkpoint file");
  const unique = [...new Map(list.map((f) => [resolve(f), f])).values()];
  for (const saved of savedCheckpoints()) if (!unique.some((f) => resolve(f) === resolve(saved))) unique.push(saved);
  return unique;
}

export async function startServe(args: ServeArgs, print: Print = printLine, note: Print = noteLine): Promise<PageServer> {
  const port = intFlag('port', args.port ?? 8080, 0, 65535);
  const host = String(lastGiven(args.host ?? '127.0.0.1'));
  const checkpoints = checkpointList(args.checkpoint);
  const dataDir = textFlag(args.dataDir);
  const server = await startPageServer({ host, port, checkpoints, dataDir });
  if (checkpoints.length === 0) note(`no checkpoint: ${DEFAULT_SAVE_PATH} does not exist yet (npm start saves it); the page can train one`);
  if (!isLoopback(host)) {
    note(`listening on ${host}: other machines on the network can open the page`);
    // Over plain HTTP from another machine the page is not a secure context: no SharedArrayBuffer, so JS kernels.
    const listening = Number(new URL(server.url).port);
    if (listensEverywhere(host)) for (const url of networkUrls(listening)) print(`on the network: ${url} (JavaScript kernels there: SIMD needs localhost or HTTPS)`);
  }
  for (const c of server.checkpoints) print(`model: ${c.file} (${c.description})`);
  print(`draw a digit at ${server.url} (Ctrl-C stops the server)`);
  return server;
}

export async function runServe(args: ServeArgs): Promise<void> {
  const server = await startServe(args);
  await new Promise<void>((stopped) => {
    const stop = () => void server.close().then(stopped);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
