import type { ChangeListener, ChangeNotice } from './change-feed.js';
import type { EventStream } from './event-stream.js';

export interface FeedFrame {
  event: string;
  data: unknown;
}

export interface UserFeedHandlers<R> {
  /** The first frame, read after the subscription is in place; or why the user may not have a feed. */
  snapshot(): Promise<{ ok: true; frame: FeedFrame } | { ok: false; reason: R }>;
  /**
   * Notices that arrived since the last call, oldest first (several at once when they came while
   * the previous ones were handled: the handler may read each thing once). Returns the frames to
   * send and whether the feed ends after them (a ban).
   */
  onNotices(notices: ChangeNotice[]): Promise<{ frames: FeedFrame[]; end?: boolean }>;
}

export type PreparedFeed<R> =
  | { kind: 'ready'; attach(stream: EventStream): void }
  | { kind: 'refused'; reason: R }
  /** Not listening for changes right now: a stream would miss them (503, retry). */
  | { kind: 'unavailable' };

interface FeedLog {
  warn(obj: object, msg: string): void;
}

/**
 * One user's live feed on one replica. The subscription comes before the snapshot's read, so a
 * change committed in between is in the snapshot or arrives as a notice after it (at worst both:
 * sending a view twice is harmless, missing one is not). Notices are handled one batch at a time
 * in order, so a slower read can never overtake a newer one. A gap in the notices (the listening
 * connection broke) ends the stream: the reconnect's snapshot is the truth.
 */
export async function prepareUserFeed<R>(listener: ChangeListener, userId: string, handlers: UserFeedHandlers<R>, log: FeedLog): Promise<PreparedFeed<R>> {
  if (!listener.listening) return { kind: 'unavailable' };
  let stream: EventStream | undefined;
  let pending: ChangeNotice[] = [];
  let gap = false;
  let draining: Promise<void> | undefined;

  const drain = async () => {
    while (stream && !stream.closed && pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        const { frames, end } = await handlers.onNotices(batch);
        for (const f of frames) stream.send(f.event, f.data);
        if (end) stream.close();
      } catch (err) {
        log.warn({ err, userId }, 'live feed: a change could not be read; ending the stream');
        stream.close();
      }
    }
  };
  // Cleared only once the loop has returned (not inside it, where an empty first pass would clear
  // it before the assignment below); a notice that came in meanwhile starts the next pass.
  const kick = () => {
    if (!stream || draining) return;
    draining = drain().finally(() => {
      draining = undefined;
      if (pending.length > 0) kick();
    });
  };

  const unsubscribe = listener.subscribe(userId, {
    onNotice(notice) {
      pending.push(notice);
      kick();
    },
    onGap() {
      gap = true;
      stream?.close();
    },
  });
  let first;
  try {
    first = await handlers.snapshot();
  } catch (err) {
    unsubscribe();
    throw err;
  }
  if (!first.ok) {
    unsubscribe();
    return { kind: 'refused', reason: first.reason };
  }
  const snapshot = first.frame;
  return {
    kind: 'ready',
    attach(s) {
      stream = s;
      s.onClose(unsubscribe);
      if (gap) return s.close();
      s.send(snapshot.event, snapshot.data);
      kick();
    },
  };
}
