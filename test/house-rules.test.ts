/**
 * The size rules the code base keeps: small files and short functions in src/ and workers/, and a
 * pool whose lifecycle fits in one screenful or so. (layering.test.ts keeps the engine portable.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

/** Lines as `wc -l` counts them: a final newline ends the last line rather than starting another. */
function lineCount(file: string): number {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function sources(...dirs: string[]): string[] {
  return dirs.flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)));
}

/** Every function-like node with a body, as `file:line name (lines)`, when longer than the limit. */
function longFunctions(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      const name = 'name' in node && node.name ? node.name.getText(source) : '(anonymous)';
      if (last - first + 1 > MAX_FUNCTION_LINES) found.push(`${file}:${first + 1} ${name} (${last - first + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = sources('src', 'workers');

test('the rules see the sources', () => {
  assert.ok(files.length > 100, `${files.length} files`);
  assert.ok(files.includes(join('src', 'node', 'pool-backend.ts')));
});

test(`no file in src/ or workers/ is over ${MAX_FILE_LINES} lines`, () => {
  const long = files.map((f) => [f, lineCount(f)] as const).filter(([, n]) => n > MAX_FILE_LINES);
  assert.equal(long.map(([f, n]) => `${f} (${n})`), []);
});

test(`no function in src/ or workers/ is over ${MAX_FUNCTION_LINES} lines`, () => {
  assert.equal(files.flatMap(longFunctions), []);
});

test('the function rule can fail: it finds a long function', () => {
  const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const source = ts.createSourceFile('x.ts', `function long() {\n${body}\n}\n`, ts.ScriptTarget.Latest, true);
  let lines = 0;
  ts.forEachChild(source, (n) => {
    if (ts.isFunctionDeclaration(n)) lines = source.getLineAndCharacterOfPosition(n.end).line - source.getLineAndCharacterOfPosition(n.getStart(source)).line + 1;
  });
  assert.ok(lines > MAX_FUNCTION_LINES);
});

test('the kernel set is total: no layer asks whether a kernel exists, and only the selection knows the SIMD set\'s class', () => {
  const optional = sources(join('src', 'engine', 'layers')).filter((f) => /kernels\??\.\w+\?\./.test(readFileSync(f, 'utf8')));
  assert.equal(optional, []);
  const selection = join('src', 'engine', 'kernels', 'kernel-select.ts');
  const asking = files.filter((f) => f !== selection && /instanceof SimdKernels/.test(readFileSync(f, 'utf8')));
  assert.equal(asking, []);
  assert.ok(/instanceof SimdKernels|new SimdKernels/.test(readFileSync(selection, 'utf8')), 'the check reads the selection file');
});

test('the pool\'s lifecycle file stays small', () => {
  const lines = lineCount(join('src', 'node', 'pool-backend.ts'));
  assert.ok(lines <= 250, `${lines} lines`);
});

test.run();
