/**
 * Steady event load for the chaos run: workers POST /api/v1/events through the gateway with a
 * unique, known event id each, and every request's outcome is recorded, so that the invariants can
 * later be checked against exactly what the server acknowledged.
 */

export interface EventRecord {
  id: string;
  user: number;
  /** HTTP status of the first attempt, or 0 for a connection error / timeout. */
  status: number;
  /** Answered 200 with duplicate:false — the server acknowledged applying it. */
  accepted: boolean;
}

export interface WindowStats {
  sent: number;
  ok: number;
  failed: number;
  /** 'status' or 'error' → count, for the failures only. */
  failures: Record<string, number>;
}

export type Window = 'before' | 'during' | 'after';

export interface LoadOptions {
  gateway: string;
  tokens: string[];
  prefix: string;
  concurrency: number;
  maxRequests: number;
  maxMs: number;
}

export interface Load {
  /** Requests are counted in the window that was current when they started. */
  window: Window;
  stop(): Promise<Record<Window, WindowStats>>;
}

const emptyStats = (): WindowStats => ({ sent: 0, ok: 0, failed: 0, failures: {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one event; resolves with the status (0 = no answer) and the duplicate flag. */
export async function sendEvent(gateway: string, token: string, id: string): Promise<{ status: number; duplicate?: boolean; code?: string }> {
  try {
    const res = await fetch(`${gateway}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ id, type: 'chaos-tap' }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json().catch(() => ({}))) as { duplicate?: boolean; error?: { code?: string } };
    return { status: res.status, duplicate: body.duplicate, code: body.error?.code };
  } catch {
    return { status: 0 };
  }
}

export function startLoad(opts: LoadOptions, book: EventRecord[]): Load {
  const stats: Record<Window, WindowStats> = { before: emptyStats(), during: emptyStats(), after: emptyStats() };
  const deadline = Date.now() + opts.maxMs;
  let stopped = false;
  let next = 0;
  const load: Load = {
    window: 'before',
    async stop() {
      stopped = true;
      await Promise.all(workers);
      return stats;
    },
  };
  const worker = async () => {
    while (!stopped && next < opts.maxRequests && Date.now() < deadline) {
      const seq = next++;
      const user = seq % opts.tokens.length;
      const id = `${opts.prefix}-${seq}`;
      const w = stats[load.window];
      w.sent++;
      const r = await sendEvent(opts.gateway, opts.tokens[user]!, id);
      const accepted = r.status === 200 && r.duplicate === false;
      book.push({ id, user, status: r.status, accepted });
      if (r.status >= 200 && r.status < 300) w.ok++;
      else {
        w.failed++;
        const key = r.status === 0 ? 'connection error/timeout' : `${r.status} ${r.code ?? ''}`.trim();
        w.failures[key] = (w.failures[key] ?? 0) + 1;
        // Without a pause a refused connection makes a busy loop of failures.
        await sleep(50);
      }
    }
  };
  const workers = Array.from({ length: opts.concurrency }, worker);
  return load;
}

export function sumStats(all: Record<Window, WindowStats>): WindowStats {
  const total = emptyStats();
  for (const w of Object.values(all)) {
    total.sent += w.sent;
    total.ok += w.ok;
    total.failed += w.failed;
    for (const [k, v] of Object.entries(w.failures)) total.failures[k] = (total.failures[k] ?? 0) + v;
  }
  return total;
}
