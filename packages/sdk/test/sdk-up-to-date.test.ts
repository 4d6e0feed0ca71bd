/**
 * The SDK's committed snapshot of the OpenAPI document (packages/sdk/openapi.json) and the types
 * generated from it (src/generated/openapi.ts) are what the running gateway's document gives now:
 * a changed route or schema fails here until `npm run sdk:generate` is run and committed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '@questline/devstack';
import { startTestStack, type TestStack } from '@questline/testkit';
import { sdkArtifacts } from '../../../scripts/sdk-generate.js';

let stack: TestStack;

before(async () => {
  stack = await startTestStack({ name: 'sdkdoc' });
});

after(async () => {
  await stack?.close();
});

test('the committed snapshot and generated types are up to date (regenerate with: npm run sdk:generate)', async () => {
  const res = await fetch(`${stack.gateway}/api/v1/openapi.json`);
  assert.equal(res.status, 200);
  const doc = (await res.json()) as { paths: Record<string, unknown> };
  assert.ok(Object.keys(doc.paths).length >= 30, 'the document has the whole API');
  for (const { file, text } of await sdkArtifacts(doc)) {
    const committed = await readFile(file, 'utf8');
    // Compared as a whole, but a mismatch names the file and its first differing line, not 12 000 lines.
    if (committed !== text) {
      const [a, b] = [committed.split('\n'), text.split('\n')];
      const line = a.findIndex((l, i) => l !== b[i]);
      assert.fail(`${path.relative(repoRoot, file)} is out of date (first difference at line ${line + 1}: ${JSON.stringify(a[line])} ≠ ${JSON.stringify(b[line])}): run npm run sdk:generate`);
    }
  }
});
