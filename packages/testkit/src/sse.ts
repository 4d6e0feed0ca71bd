import { createParser } from 'eventsource-parser';

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: any;
}

export interface SseConnection {
  status: number;
  headers: Headers;
  /** The error body when the status is not 200. */
  errorBody: any;
  /** Every event received so far, in order. */
  events: SseEvent[];
  /** Comment lines received (heartbeats). */
  comments: string[];
  /** Resolves with the first event (received already or still to come) that matches. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number, what?: string): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** A real Server-Sent Events client for tests and benchmarks (fetch + the eventsource-parser package). */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let endedResolve!: () => void;
  const ended = new Promise<void>((r) => (endedResolve = r));
  let errorBody: any;
  if (res.status !== 200) {
    const text = await res.text();
    try {
      errorBody = JSON.parse(text);
    } catch {
      errorBody = text;
    }
    endedResolve();
  } else {
    const parser = createParser({
      onEvent: (e) => {
        events.push({ event: e.event ?? 'message', id: e.id, data: JSON.parse(e.data) });
        for (const w of [...waiters]) w();
      },
      onComment: (c) => comments.push(c),
    });
    void (async () => {
      try {
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // aborted by close(), or the connection broke: either way the stream has ended.
      }
      endedResolve();
      for (const w of [...waiters]) w();
    })();
  }
  let done = false;
  void ended.then(() => (done = true));
  return {
    status: res.status,
    headers: res.headers,
    errorBody,
    events,
    comments,
    ended,
    close: () => abort.abort(),
    next(match, timeoutMs = 10_000, what = 'an event') {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) {
            cleanup();
            resolve(found);
          } else if (done) {
            cleanup();
            reject(new Error(`the stream ended before ${what} (got: ${events.map((e) => e.event).join(', ')})`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${what} within ${timeoutMs} ms (got: ${events.map((e) => e.event).join(', ')})`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
