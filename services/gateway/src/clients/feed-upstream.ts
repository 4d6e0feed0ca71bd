import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { signInternal } from '@questline/platform';

export interface FeedUpstreamOptions {
  internalToken: string;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  /**
   * Longest silence accepted on an open feed. The services send a comment every 15 s, so a
   * longer silence means the upstream or the path to it is gone: the player's stream ends and
   * their client reconnects (to a fresh snapshot) instead of hanging.
   */
  idleTimeoutMs: number;
}

export type FeedOpening = { kind: 'open'; body: Readable } | { kind: 'refused'; status: number; code: string | undefined } | { kind: 'unreachable'; error: Error };

/**
 * Long-lived GETs of the services' internal feeds, on an agent of their own: a feed holds its
 * connection for as long as the player watches, so it must never take one of the proxy pool's
 * keep-alive connections (a thousand watchers would starve every other request).
 */
export function createFeedUpstream(opts: FeedUpstreamOptions) {
  const agent = new Agent({
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: opts.headersTimeoutMs,
    bodyTimeout: opts.idleTimeoutMs,
  });
  return {
    async open(baseUrl: string, path: string, requestId: string, signal: AbortSignal): Promise<FeedOpening> {
      try {
        const res = await request(baseUrl.replace(/\/$/, '') + path, {
          method: 'GET',
          dispatcher: agent,
          signal,
          headers: { accept: 'text/event-stream', 'x-request-id': requestId, ...signInternal(opts.internalToken, { method: 'GET', path }) },
        });
        if (res.statusCode === 200) return { kind: 'open', body: res.body };
        const text = await res.body.text().catch(() => '');
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        } catch {
          code = undefined;
        }
        return { kind: 'refused', status: res.statusCode, code };
      } catch (err) {
        return { kind: 'unreachable', error: err as Error };
      }
    },
    /** Ends every feed connection at once (the app is closing; its streams are closed already). */
    destroy: () => agent.destroy(),
  };
}

export type FeedUpstream = ReturnType<typeof createFeedUpstream>;
