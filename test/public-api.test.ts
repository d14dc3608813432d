/**
 * The public API is a decision: each package entry point's exported names (values and types) are
 * listed in test/public-api.txt, and this test fails when the code exports anything else, so a
 * change to the API is a reviewed diff of that file. After a deliberate change:
 *   UPDATE_PUBLIC_API=1 node --import tsx node_modules/uvu/bin.js test '^public-api.test.ts$'
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';

const LIST = 'test/public-api.txt';
const ENTRIES: Record<string, string> = { 'mnist-ts': 'src/index.ts', 'mnist-ts/train': 'src/train/index.ts', 'mnist-ts/node': 'src/node/index.ts', 'mnist-ts/interop': 'src/interop/index.ts' };

/** Every entry point's exported names, as the list file lays them out: `## entry` then one name a line. */
function exportedNames(): string {
  const program = ts.createProgram(Object.values(ENTRIES), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const sections = Object.entries(ENTRIES).map(([entry, file]) => {
    const source = program.getSourceFile(file)!;
    const names = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).map((s) => s.getName()).sort();
    return [`## ${entry}`, ...names].join('\n');
  });
  return `${sections.join('\n\n')}\n`;
}

test('each entry point exports exactly the names in test/public-api.txt', () => {
  const actual = exportedNames();
  if (process.env.UPDATE_PUBLIC_API === '1') writeFileSync(LIST, actual);
  const listed = readFileSync(LIST, 'utf8');
  const lines = (text: string) => new Set(text.split('\n'));
  const added = [...lines(actual)].filter((l) => !lines(listed).has(l));
  const removed = [...lines(listed)].filter((l) => !lines(actual).has(l));
  assert.equal({ added, removed }, { added: [], removed: [] }, 'the exports differ from test/public-api.txt');
  assert.is(actual, listed, 'same names, in the list\'s order and sections');
});

test('the list is not empty: the check can fail', () => {
  const listed = readFileSync(LIST, 'utf8');
  for (const entry of Object.keys(ENTRIES)) assert.ok(listed.includes(`## ${entry}\n`), entry);
  assert.ok(listed.split('\n').length > 30);
});

test.run();
