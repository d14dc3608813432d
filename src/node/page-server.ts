/**
 * The draw-a-digit page's server (`mnist-ts serve`): a few lines of node:http over a fixed table
 * of what may be served, built at start-up: the page's own files (dist/web), the checkpoints named
 * on the command line, and the four MNIST files. A request is answered only when its path is a key
 * of that table, so no URL (`/../`, `%2e%2e`, absolute paths) can reach any other file, and files
 * that are symbolic links are left out of the table. Only requests naming this server in their Host
 * header are answered (served-hosts.ts). Every answer carries the headers that make the page
 * cross-origin isolated (SharedArrayBuffer, shared WebAssembly memory) and a strict
 * Content-Security-Policy.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, OptionError } from '../engine/errors.js';
import { describeCheckpoint } from '../train/checkpoint.js';
import { loadCheckpointFile } from './checkpoint-file.js';
import { MNIST_FILES, resolveDataDir } from './mnist-files.js';
import { hostName, hostsServed, serverUrl } from './served-hosts.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};
const BYTES = 'application/octet-stream';

/** What the page lists in its model picker. */
export interface ServedCheckpoint {
  /** Its URL on the server. */
  url: string;
  /** The file's name, as given on the command line. */
  file: string;
  description: string;
}

export interface PageServerOptions {
  host: string;
  port: number;
  /** Checkpoint files for the picker (each read at start-up: a bad one is refused there). */
  checkpoints: string[];
  /** The MNIST folder (default: as `train` finds it). */
  dataDir?: string;
  /** The page's built files (default: dist/web of this package). */
  pageDir?: string;
}

export interface PageServer {
  url: string;
  checkpoints: ServedCheckpoint[];
  close(): Promise<void>;
}

interface Route {
  /** A file read at request time (checkpoints may be retrained while the server runs). */
  file?: string;
  /** Or bytes made at start-up. */
  body?: Uint8Array;
  type: string;
}

/** The page's built files: dist/web beside dist/src (installed) or under the repository (sources). */
export function defaultPageDir(): string {
  const candidates = ['../../web/', '../../dist/web/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new DataError(`the page is not built (no index.html in ${candidates.join(' or ')}); run npm run build`);
  return found;
}

/** Regular files directly in `dir` (no folders, no symbolic links), by URL path. */
function pageRoutes(dir: string): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (!lstatSync(file).isFile()) continue;
    routes.set(`/${name}`, { file, type: CONTENT_TYPES[extname(name)] ?? BYTES });
  }
  const index = routes.get('/index.html');
  if (index) routes.set('/', index);
  return routes;
}

function checkpointRoutes(paths: string[]): { routes: Map<string, Route>; served: ServedCheckpoint[] } {
  const routes = new Map<string, Route>();
  const served = paths.map((path, i) => {
    const { meta } = loadCheckpointFile(path);
    const url = `/checkpoints/${i}/${encodeURIComponent(basename(path))}`;
    routes.set(url, { file: path, type: BYTES });
    return { url, file: path, description: describeCheckpoint(meta) };
  });
  routes.set('/checkpoints.json', { body: new TextEncoder().encode(JSON.stringify(served)), type: CONTENT_TYPES['.json'] });
  return { routes, served };
}

/** The four IDX files as `/mnist/<name>` (raw or gzipped as found: the page looks at the bytes). */
function mnistRoutes(dataDir?: string): Map<string, Route> {
  const dir = resolveDataDir(dataDir);
  const routes = new Map<string, Route>();
  for (const name of Object.values(MNIST_FILES)) {
    const file = [join(dir, name), join(dir, `${name}.gz`)].find((f) => existsSync(f))!;
    routes.set(`/mnist/${name}`, { file, type: BYTES });
  }
  return routes;
}

/**
 * What the page may do: its own scripts, styles and workers, WebAssembly compiled from bytes (the
 * kernels are emitted at run time), fetches to this server, canvases' images; nothing inline,
 * nothing from elsewhere, no frames or forms.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'", "connect-src 'self'", "style-src 'self'",
  "img-src 'self' data: blob:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

function answer(routes: Map<string, Route>, hosts: Set<string>, req: IncomingMessage, res: ServerResponse): void {
  const send = (status: number, type: string, body: Uint8Array | string) => {
    res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  // A page elsewhere whose name was made to resolve here (DNS rebinding) sends its own name as Host.
  if (!hosts.has(hostName(req.headers.host))) {
    send(403, 'text/plain; charset=utf-8', '');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  // Only the path's exact text is looked up: no decoding, joining or normalising reaches the disk.
  const path = (req.url ?? '/').split('?')[0];
  const route = routes.get(path);
  if (!route) {
    send(404, 'text/plain; charset=utf-8', 'not found\n');
    return;
  }
  let body: Uint8Array;
  try {
    body = route.body ?? readFileSync(route.file!);
  } catch {
    send(404, 'text/plain; charset=utf-8', 'not found (the file is gone)\n');
    return;
  }
  send(200, route.type, body);
}

/** Why the server could not listen: the host's fault (no such name, not this machine's), or the port's. */
function listenError(e: NodeJS.ErrnoException, o: PageServerOptions): Error {
  if (e.code === 'ENOTFOUND') return new OptionError(`--host ${o.host}: no such host name or address`, 'host');
  if (e.code === 'EAI_AGAIN') return new DataError(`--host ${o.host}: the name could not be looked up now (is the name server reachable?)`);
  if (e.code === 'EADDRNOTAVAIL') return new OptionError(`--host ${o.host}: not an address of this machine`, 'host');
  const why = e.code === 'EADDRINUSE' ? 'already in use' : e.code === 'EACCES' ? 'not allowed (ports below 1024 need root)' : (e.code ?? e.message);
  return new DataError(`--port ${o.port} on --host ${o.host}: ${why}; pick another with --port`);
}

/** Starts the server; resolves once it listens. A port in use or a bad checkpoint is one DataError, a host not of this machine one OptionError. */
export async function startPageServer(o: PageServerOptions): Promise<PageServer> {
  const { routes: ckptRoutes, served } = checkpointRoutes(o.checkpoints);
  const routes = new Map([...pageRoutes(o.pageDir ?? defaultPageDir()), ...ckptRoutes, ...mnistRoutes(o.dataDir)]);
  const hosts = hostsServed(o.host);
  const server: Server = createServer((req, res) => answer(routes, hosts, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, o)));
    server.listen(o.port, o.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    url: serverUrl(o.host, port),
    checkpoints: served,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
