export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (for malformed JSON tests); overrides body. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A tiny JSON client for tests that talk to the gateway (or a service) over real HTTP. */
export function apiClient(baseUrl: string) {
  return async function call<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.rawBody !== undefined) {
      body = opts.rawBody;
      headers['content-type'] ??= 'application/json';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
}

export type ApiCall = ReturnType<typeof apiClient>;

/** Polls until check() returns a truthy value or the deadline passes (for asynchronous effects). */
export async function eventually<T>(check: () => Promise<T | undefined | false | null>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * Sign-up and login of test players through the public API (all with one password), failing
 * loudly with the answer when either is refused.
 */
export function playerAccounts(api: ApiCall, password: string) {
  const expect = (res: ApiResponse, status: number, what: string) => {
    if (res.status !== status) throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  };
  return {
    /** Creates the account; resolves with its user id. */
    async signup(username: string): Promise<string> {
      const res = await api('POST', '/api/v1/auth/signup', { body: { username, password } });
      expect(res, 201, `signup of ${username}`);
      return res.body.user.id as string;
    },
    /** Logs in; resolves with an access token. */
    async login(username: string): Promise<string> {
      const res = await api('POST', '/api/v1/auth/login', { body: { username, password } });
      expect(res, 200, `login of ${username}`);
      return res.body.accessToken as string;
    },
  };
}
