import pg from 'pg';

/** One short-lived connection for a bench's setup or read-out (not a measured path). */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** One statement on its own connection (the bench's occasional reads of a service's database). */
export async function query<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  return withClient(url, async (c) => (await c.query(text, values)).rows as T[]);
}
