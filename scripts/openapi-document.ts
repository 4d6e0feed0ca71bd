/**
 * The gateway's merged OpenAPI document, from a throwaway stack (its own PostgreSQL when no test
 * server is given) or from a running gateway's URL. Shared by the generators that start from the
 * document (scripts/postman.ts, scripts/sdk-generate.ts), so both see the same document.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startEmbeddedPostgres } from '@questline/devstack';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is loosely-typed JSON
export type OpenApiJson = any;

/** The document of a throwaway stack; `name` names its test databases. */
export async function openApiFromStack(name: string): Promise<OpenApiJson> {
  let stopPg: (() => Promise<void>) | undefined;
  let base: string | undefined;
  if (!process.env.QUESTLINE_TEST_PG_URL) {
    base = await mkdtemp(path.join(tmpdir(), `questline-${name}-`));
    const pg = await startEmbeddedPostgres({ dir: path.join(base, 'pg'), port: await freePort(), password: randomBytes(12).toString('hex'), ephemeral: true });
    process.env.QUESTLINE_TEST_PG_URL = pg.url;
    stopPg = () => pg.stop();
  }
  process.env.STACK_LOG_LEVEL ??= 'warn';
  // Imported only now: the testkit reads QUESTLINE_TEST_PG_URL when it loads.
  const { startTestStack } = await import('@questline/testkit');
  const stack = await startTestStack({ name });
  try {
    return await openApiFromUrl(`${stack.gateway}/api/v1/openapi.json`);
  } finally {
    await stack.close();
    await stopPg?.();
    if (base) await rm(base, { recursive: true, force: true });
  }
}

export async function openApiFromUrl(url: string): Promise<OpenApiJson> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return await res.json();
}

/** `--url <document url>` if given, else a throwaway stack. */
export async function openApiFromArgs(args: string[], name: string): Promise<OpenApiJson> {
  const at = args.indexOf('--url');
  return at >= 0 && args[at + 1] ? await openApiFromUrl(args[at + 1]!) : await openApiFromStack(name);
}
