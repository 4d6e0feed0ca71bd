import { backoffDelay, parseStreamEvent, STREAM_EVENT_NAMES, type StreamEvent } from '../lib/live-events';
import { unwrap } from '@questline/sdk';
import { ApiError, call } from './client';

/**
 * - `connecting`: the first attempt, nothing received yet;
 * - `live`: a stream is open and its snapshot arrived (no polling needed);
 * - `reconnecting`: the stream broke, a new one is on its way (after a backoff);
 * - `polling`: the server has no stream (404) or it failed repeatedly: the page polls as it used to.
 */
export type StreamMode = 'connecting' | 'live' | 'reconnecting' | 'polling';

export interface LiveStreamHandlers {
  onEvent(event: StreamEvent): void;
  onMode(mode: StreamMode): void;
}

/** Failed attempts in a row (none reaching a snapshot) after which the page polls meanwhile. */
const FALLBACK_AFTER = 3;
/** A stream that stayed open this long was healthy: the next break starts the backoff afresh. */
const STABLE_MS = 30_000;

/**
 * Opens the signed-in player's live stream (api.md v1.2) and keeps it open until the returned
 * function is called. Every attempt takes a new one-time ticket through the SDK client (which
 * refreshes an expired access token; a USER_BANNED ends the session), because the browser's
 * own EventSource reconnect would reuse the spent ticket in the URL and be refused.
 */
export function openLiveStream(handlers: LiveStreamHandlers): () => void {
  let stopped = false;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let failures = 0;
  let liveSince = 0;
  let mode: StreamMode = 'connecting';
  const setMode = (next: StreamMode) => {
    if (next === mode || stopped) return;
    mode = next;
    handlers.onMode(next);
  };

  function retry() {
    if (stopped) return;
    failures += 1;
    setMode(failures >= FALLBACK_AFTER ? 'polling' : 'reconnecting');
    // Polling meanwhile does not end the attempts: the stream takes over again once it opens.
    timer = setTimeout(() => void connect(), backoffDelay(attempt++));
  }

  async function connect() {
    if (stopped) return;
    let ticket: string;
    try {
      ({ ticket } = await call((ql) => unwrap(ql.raw.POST('/api/v1/me/stream-tickets'))));
    } catch (err) {
      if (stopped) return;
      if (err instanceof ApiError && err.status === 404) {
        // A server from before v1.2 has no stream: polling for good.
        failures = FALLBACK_AFTER;
        setMode('polling');
        return;
      }
      // Banned or signed out: the api client has ended the session, and the page is going away.
      if (err instanceof ApiError && (err.code === 'USER_BANNED' || err.status === 401)) return;
      return retry();
    }
    if (stopped) return;
    const es = new EventSource(`/api/v1/me/stream?ticket=${encodeURIComponent(ticket)}`);
    source = es;
    for (const name of STREAM_EVENT_NAMES) {
      es.addEventListener(name, (message) => {
        if (source !== es) return;
        const event = parseStreamEvent(name, (message as MessageEvent<string>).data);
        if (!event) return;
        if (event.type === 'snapshot') {
          liveSince = Date.now();
          failures = 0;
          setMode('live');
        }
        handlers.onEvent(event);
      });
    }
    es.onerror = () => {
      // Also fired when the server ends the stream (a ban, a restarting service): close before the
      // browser reconnects with the spent ticket, and take a new one.
      es.close();
      if (source !== es) return;
      source = null;
      if (liveSince && Date.now() - liveSince >= STABLE_MS) attempt = 0;
      liveSince = 0;
      retry();
    };
  }

  if (typeof EventSource === 'undefined') {
    setMode('polling');
  } else {
    void connect();
  }
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
    source = null;
  };
}
