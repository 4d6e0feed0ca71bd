/**
 * No import cycles anywhere, type-only imports included: ESLint's import-x/no-cycle does not follow
 * `import type`, and a cycle of types is still two modules that cannot be understood apart (the
 * auth context once sat in context.ts, which imports the use cases that import it). madge resolves
 * our `.js`-suffixed imports through tsconfig.json and reads type imports as edges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '@questline/devstack';

interface MadgeResult {
  circular(): string[][];
  obj(): Record<string, string[]>;
}
type Madge = (paths: string[], config: { fileExtensions: string[]; tsConfig: string; baseDir: string; excludeRegExp?: RegExp[] }) => Promise<MadgeResult>;
const madge = createRequire(import.meta.url)('madge') as Madge;

const cyclesIn = (paths: string[], baseDir = repoRoot) =>
  madge(paths, { fileExtensions: ['ts', 'tsx'], tsConfig: path.join(repoRoot, 'tsconfig.json'), baseDir, excludeRegExp: [/node_modules/, /\/dist\//] });

test('the repository has no import cycle, type-only imports included', async () => {
  const result = await cyclesIn(['apps/web/src', 'packages', 'services', 'scripts', 'tests', 'bench'].map((d) => path.join(repoRoot, d)));
  assert.ok(Object.keys(result.obj()).length > 200, 'the sources were read');
  assert.deepEqual(result.circular(), []);
});

test('the check sees a cycle made only of type imports', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'questline-cycle-'));
  try {
    await writeFile(path.join(dir, 'a.ts'), "import type { B } from './b.js';\nexport interface A { b?: B }\n");
    await writeFile(path.join(dir, 'b.ts'), "import type { A } from './a.js';\nexport interface B { a?: A }\n");
    const result = await cyclesIn([dir], dir);
    assert.equal(result.circular().length, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
