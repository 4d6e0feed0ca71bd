/**
 * The player's live stream (api.md v1.2) as an async iterator: a one-time ticket, the SSE response
 * parsed with eventsource-parser, typed events out; a dropped connection is reopened with a new
 * ticket after a backoff (each reconnect starts with a fresh snapshot). It ends when the caller
 * aborts or breaks out of the loop, when a ban ends the stream, or when a reconnect is refused.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { errorFromResponse, QuestlineError } from './errors.js';
import { backoffDelay, isNetworkError, retryAfterMs, retryPolicy, sleep, RETRY_STATUSES, type RetryOptions } from './retry.js';
import type { StreamEvent, StreamEventType } from './types.js';

export interface StreamOptions {
  /** Ends the iteration (it returns; it does not throw). */
  signal?: AbortSignal;
  /** Reopen a dropped connection (default true). */
  reconnect?: boolean;
  /** The backoff between reconnects; `maxAttempts` counts consecutive failed opens (default: unlimited). */
  backoff?: RetryOptions;
}

export interface StreamDeps {
  baseUrl: string;
  baseFetch: typeof fetch;
  /** A new one-time ticket (through the player's session, refreshed when needed). */
  ticket(signal: AbortSignal): Promise<string>;
}

const TYPES: ReadonlySet<string> = new Set<StreamEventType>(['snapshot', 'quest', 'quests', 'reward', 'user']);

/** Chunks of the body, decoded and parsed; the parsed events are queued for the iterator. */
async function* eventsOf(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => queue.push(e) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length > 0) {
        const e = queue.shift()!;
        // Types newer than this SDK are skipped, so the union stays exhaustive for callers.
        if (!e.event || !TYPES.has(e.event)) continue;
        yield { type: e.event, id: e.id, data: JSON.parse(e.data) } as StreamEvent;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

export async function* liveStream(deps: StreamDeps, opts: StreamOptions = {}): AsyncGenerator<StreamEvent, void, undefined> {
  const policy = retryPolicy({ maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 500, maxDelayMs: 30_000, ...opts.backoff });
  const reconnect = opts.reconnect ?? true;
  // One controller for this iteration: the caller's abort, or the end of the loop, closes the connection.
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) return;
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  let failures = 0;
  try {
    while (!signal.aborted) {
      let wait: number | undefined;
      try {
        const ticket = await deps.ticket(signal);
        const res = await deps.baseFetch(`${deps.baseUrl}/api/v1/me/stream?ticket=${encodeURIComponent(ticket)}`, {
          headers: { accept: 'text/event-stream' },
          signal,
        });
        if (!res.ok || !res.body) {
          // 429/502/503 are waited out below (retry-after first); any other refusal ends the iteration.
          wait = retryAfterMs(res);
          throw errorFromResponse(res, parseJson(await res.text().catch(() => '')));
        }
        for await (const event of eventsOf(res.body)) {
          failures = 0;
          yield event;
          // The server ends a banned user's stream; reconnecting would only be refused.
          if (event.type === 'user' && event.data.status === 'banned') return;
        }
        // The server closed the stream (a restart, a deploy): reopen at once, once.
        if (!reconnect) return;
        if (failures === 0) {
          failures++;
          continue;
        }
      } catch (err) {
        if (signal.aborted) return;
        const transient = isNetworkError(err) || (err instanceof QuestlineError && RETRY_STATUSES.has(err.status));
        if (!transient || !reconnect) throw err;
      }
      failures++;
      if (failures >= policy.maxAttempts) throw new QuestlineError({ code: 'SERVICE_UNAVAILABLE', status: 503, message: `the live stream could not be reopened after ${failures} attempts` });
      await sleep(wait !== undefined ? Math.min(wait, policy.maxDelayMs) : backoffDelay(policy, Math.min(failures - 1, 16)), signal).catch(() => undefined);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
