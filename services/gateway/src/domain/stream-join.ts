/**
 * Joins a player's two upstream feeds (auth: the user and the wallet; progress: the quests) into
 * the one stream api.md v1.2 describes: a single `snapshot` `{user, quests}` once both halves have
 * theirs, then every other event as it comes. Events that arrive before the second half's snapshot
 * wait behind it, in their order, so nothing sent is older than the snapshot it follows.
 */
export type FeedHalf = 'auth' | 'progress';

export interface UpstreamEvent {
  event: string;
  /** The JSON text as the upstream sent it (passed on without parsing, except snapshots). */
  data: string;
}

export interface OutgoingEvent {
  event: string;
  data: string;
}

export class StreamJoin {
  private user: unknown;
  private quests: unknown;
  private started = false;
  private waiting: OutgoingEvent[] = [];

  /** What to send now in reaction to one upstream event (in order); throws on a malformed snapshot. */
  accept(half: FeedHalf, e: UpstreamEvent): OutgoingEvent[] {
    if (e.event === 'snapshot') {
      const parsed = JSON.parse(e.data) as { user?: unknown; quests?: unknown };
      if (half === 'auth') this.user = parsed.user;
      else this.quests = parsed.quests;
      if (this.started || this.user === undefined || this.quests === undefined) return [];
      this.started = true;
      const out = [{ event: 'snapshot', data: JSON.stringify({ user: this.user, quests: this.quests }) }, ...this.waiting];
      this.waiting = [];
      return out;
    }
    const out = { event: e.event, data: e.data };
    if (!this.started) {
      this.waiting.push(out);
      return [];
    }
    return [out];
  }
}
