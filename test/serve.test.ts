/**
 * `mnist-ts serve`'s server, without a browser: only what it serves can be read (traversal in its
 * plain, encoded and absolute forms, symbolic links), with the right types and the isolation
 * headers; bad checkpoints and a port in use are refused with one line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTENT_SECURITY_POLICY, startPageServer, type PageServer } from '../src/node/page-server.js';
import { saveCheckpointFile } from '../src/node/checkpoint-file.js';
import { encodeCheckpoint } from '../src/train/checkpoint.js';
import { softmaxRegression } from '../src/engine/index.js';
import { startServe } from '../src/cli/commands/serve.js';
import { runMain } from './helpers/cli.js';
import { writeSyntheticMnist } from './helpers/synthetic-mnist.js';

const dir = mkdtempSync(join(tmpdir(), 'serve-'));
const pageDir = join(dir, 'page');
const secret = join(dir, 'secret.txt');
writeFileSync(secret, 'not for the web\n');
mkdirSync(pageDir);
writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>t</title>');
writeFileSync(join(pageDir, 'page.js'), 'console.log(1)');
writeFileSync(join(pageDir, 'style.css'), 'body{}');
symlinkSync(secret, join(pageDir, 'linked.js'));
mkdirSync(join(pageDir, 'sub'));
writeFileSync(join(pageDir, 'sub', 'inner.js'), '1');

const modelPath = join(dir, 'model.safetensors');
saveCheckpointFile(modelPath, encodeCheckpoint(softmaxRegression({ inputs: 30, classes: 10 }).initialize(1), {}, {
  training: { model: 'softmax', optimizer: 'sgd', lr: 0.01, momentum: 0.9, batchSize: 10, init: 'normal', initStd: 1, validationSize: 10, epochs: 2 },
  epochsCompleted: 2, seed: 1, sampler: { epoch: 2, position: 0 }, metrics: { epochs: [], testAccuracy: 0.5 }, optimizer: 'sgd',
}));
const dataDir = writeSyntheticMnist({ gzip: true });

let server: PageServer;
let port = 0;

/** A raw GET (or other method): the path goes out exactly as written, `..` and all; `host` is the Host header's value (default: the address and port). */
function get(path: string, method = 'GET', host?: string, to = port): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: to, path, method, headers: host === undefined ? {} : { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString('utf8'), bytes });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

test.before(async () => {
  server = await startPageServer({ host: '127.0.0.1', port: 0, checkpoints: [modelPath], dataDir, pageDir });
  port = Number(new URL(server.url).port);
});
test.after(async () => server.close());

test('the page, its files, the checkpoints and the MNIST files, with their types and isolation headers', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const cases: [string, string][] = [
    ['/', 'text/html; charset=utf-8'],
    ['/index.html', 'text/html; charset=utf-8'],
    ['/page.js', 'text/javascript; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
    ['/checkpoints.json', 'application/json; charset=utf-8'],
    ['/mnist/train-images-idx3-ubyte', 'application/octet-stream'],
  ];
  for (const [path, type] of cases) {
    const r = await get(path);
    assert.is(r.status, 200, path);
    assert.is(r.headers['content-type'], type, path);
    assert.is(r.headers['cross-origin-opener-policy'], 'same-origin', path);
    assert.is(r.headers['cross-origin-embedder-policy'], 'require-corp', path);
  }
  const list = JSON.parse((await get('/checkpoints.json')).body);
  assert.equal(list, [{ url: '/checkpoints/0/model.safetensors', file: modelPath, description: 'softmax regression · 2 epochs · test accuracy 0.5000' }]);
  const ckpt = await get(list[0].url);
  assert.is(ckpt.status, 200);
  assert.ok(ckpt.bytes.equals(readFileSync(modelPath)), 'the checkpoint, byte for byte');
  const gz = await get('/mnist/t10k-labels-idx1-ubyte');
  assert.is(gz.bytes[0], 0x1f, 'gzipped files are served as they lie: the page gunzips');
  const head = await get('/page.js', 'HEAD');
  assert.is(head.status, 200, 'HEAD is answered');
  assert.is(head.body, '', 'with no body');
  assert.is(head.headers['content-length'], String(statSync(join(pageDir, 'page.js')).size), "and GET's length");
  const post = await get('/page.js', 'POST');
  assert.is(post.status, 405);
  assert.is(post.headers.allow, 'GET, HEAD', '405 says what is allowed');
});

test('nothing outside what it serves: traversal, encodings, absolute paths, folders and symbolic links are 404', async () => {
  const outside = [
    '/../package.json', '/../../etc/passwd', '/%2e%2e/package.json', '/%2E%2E%2Fpackage.json', '/..%2fpackage.json',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/index.html/../../package.json', '//etc/passwd', '/etc/passwd', `/${secret}`,
    `${secret}`, '/C:/Windows/win.ini', '/linked.js', '/sub/inner.js', '/sub', '/mnist/../secret.txt', '/checkpoints/0/../../secret.txt',
    '/checkpoints/0/', '/mnist/', '/.%2e/secret.txt', '/page.js%00.html', '/\\..\\package.json',
  ];
  for (const path of outside) {
    const r = await get(path);
    assert.is(r.status, 404, path);
    assert.not.ok(r.body.includes('not for the web'), path);
    assert.is(r.headers['cross-origin-embedder-policy'], 'require-corp', `${path}: 404s are isolated too`);
  }
});

test('only requests naming this server in Host are served: another name (DNS rebinding) gets 403 and nothing', async () => {
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST', '127.0.0.1']) assert.is((await get('/', 'GET', host)).status, 200, host);
  for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', '127.0.0.1.nip.io']) {
    const r = await get('/checkpoints.json', 'GET', host);
    assert.is(r.status, 403, `Host: ${host}`);
    assert.is(r.body, '', `Host: ${host}: no content`);
  }
  // No Host at all (HTTP/1.0 allows it): refused too.
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end('GET / HTTP/1.0\r\n\r\n'));
    let out = '';
    socket.on('data', (d) => (out += d));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 403 /);
});

test('on every address, the addresses it prints are served, and other names are not', async () => {
  const everywhere = await startPageServer({ host: '0.0.0.0', port: 0, checkpoints: [], dataDir, pageDir });
  try {
    const to = Number(new URL(everywhere.url).port);
    const own = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
    for (const host of ['localhost', ...own]) assert.is((await get('/', 'GET', `${host}:${to}`, to)).status, 200, host);
    assert.is((await get('/', 'GET', `evil.example:${to}`, to)).status, 403);
  } finally {
    await everywhere.close();
  }
});

test('a strict Content-Security-Policy on every answer; query strings are ignored; a file gone since start-up is 404', async () => {
  for (const path of ['/', '/page.js', '/checkpoints.json', '/nothing-here']) {
    const csp = String((await get(path)).headers['content-security-policy']);
    assert.is(csp, CONTENT_SECURITY_POLICY, path);
  }
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
  assert.not.match(CONTENT_SECURITY_POLICY, /'unsafe-inline'|'unsafe-eval'|\*/);
  const plain = await get('/page.js');
  for (const query of ['?x=1', '?../../package.json', '?%2e%2e/etc/passwd#frag', '?']) {
    const r = await get(`/page.js${query}`);
    assert.is(r.status, 200, query);
    assert.ok(r.bytes.equals(plain.bytes), `${query}: the same file`);
  }
  const doomed = join(dir, 'doomed.safetensors');
  writeFileSync(doomed, readFileSync(modelPath));
  const short = await startPageServer({ host: '127.0.0.1', port: 0, checkpoints: [doomed], dataDir, pageDir });
  try {
    const to = Number(new URL(short.url).port);
    rmSync(doomed);
    const r = await get('/checkpoints/0/doomed.safetensors', 'GET', undefined, to);
    assert.is(r.status, 404);
    assert.is((await get('/', 'GET', undefined, to)).status, 200, 'and the server answers on');
  } finally {
    await short.close();
  }
});

test('a bad or missing checkpoint, a bad port, a port in use, a host not of this machine: one line each', async () => {
  const notModel = join(dir, 'notes.txt');
  writeFileSync(notModel, 'hello');
  const missing = await runMain(['serve', '--checkpoint', join(dir, 'nope.safetensors'), '--port', '0']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /nope\.safetensors: cannot read the model \(no such file\)\n$/);
  assert.is(missing.stderr.trim().split('\n').length, 1);
  const bad = await runMain(['serve', '--checkpoint', notModel, '--port', '0']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /notes\.txt: not a safetensors file/);
  const word = await runMain(['serve', '--port', 'http']);
  assert.is(word.code, 2);
  assert.match(word.stderr, /^mnist-ts: --port: http, expected a whole number from 0 to 65535\n$/);
  const busy = await runMain(['serve', '--checkpoint', modelPath, '--port', String(port), '--data-dir', dataDir]);
  assert.is(busy.code, 1);
  assert.is(busy.stderr, `mnist-ts: --port ${port} on --host 127.0.0.1: already in use; pick another with --port\n`);
  // An address of the documentation range (RFC 5737), on no machine: the host's fault, a flag's exit code.
  // (Where the kernel lets a server listen on any address, ip_nonlocal_bind, it would serve instead.)
  if (readFileSync('/proc/sys/net/ipv4/ip_nonlocal_bind', 'utf8').trim() === '0') {
    const elsewhere = await runMain(['serve', '--checkpoint', modelPath, '--port', '0', '--host', '192.0.2.1', '--data-dir', dataDir]);
    assert.is(elsewhere.code, 2, elsewhere.stderr);
    assert.is(elsewhere.stderr, 'mnist-ts: --host 192.0.2.1: not an address of this machine\n');
  }
});

test("the picker: the checkpoints given, first first, then every checkpoint in log/, npm start's first", async () => {
  const home = mkdtempSync(join(tmpdir(), 'serve-home-'));
  const cwd = process.cwd();
  process.chdir(home);
  try {
    const lines: string[] = [];
    const notes: string[] = [];
    let s = await startServe({ port: 0, dataDir }, (l) => lines.push(l), (l) => notes.push(l));
    await s.close();
    assert.equal(s.checkpoints, []);
    assert.match(notes.join('\n'), /no checkpoint: log\/model\.safetensors does not exist yet \(npm start saves it\); the page can train one/);
    mkdirSync('log');
    writeFileSync('log/model.safetensors', readFileSync(modelPath));
    s = await startServe({ port: 0, dataDir, checkpoint: [modelPath, `${modelPath}`] }, (l) => lines.push(l), (l) => notes.push(l));
    await s.close();
    assert.equal(s.checkpoints.map((c) => c.file), [modelPath, 'log/model.safetensors'], 'given first, the default after, each once');
    // Other models train saved in log/ are listed too, after npm start's; a file that is no checkpoint is not.
    writeFileSync('log/cnn.safetensors', readFileSync(modelPath));
    writeFileSync('log/a-mlp.safetensors', readFileSync(modelPath));
    writeFileSync('log/broken.safetensors', 'not a checkpoint');
    s = await startServe({ port: 0, dataDir }, (l) => lines.push(l), (l) => notes.push(l));
    await s.close();
    assert.equal(s.checkpoints.map((c) => c.file), ['log/model.safetensors', 'log/a-mlp.safetensors', 'log/cnn.safetensors']);
    assert.match(lines.at(-1)!, /^draw a digit at http:\/\/127\.0\.0\.1:\d+\/ \(Ctrl-C stops the server\)$/);
  } finally {
    process.chdir(cwd);
  }
});

test.run();
