import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { call } from '../api/client';
import { BANNED_MESSAGE, currentUser, signedOut, userChanged } from '../api/session';
import type { QuestView, User } from '../api/types';
import type { StreamMode } from '../api/live-stream';
import { applyQuestView, applyReward, nextPeriodEnd, pushToast, toastsFor, type StreamEvent, type Toast } from './live-events';
import { reloadMe } from '../api/auth';
import { useInterval, type AsyncState } from './use-async';
import { useLiveStream } from './use-live-stream';

/** The old polling period, now only the fallback when the stream is unavailable. */
const POLL_MS = 4000;
function userFromStream(user: User) {
  // What the api client does on a 403 USER_BANNED: end the session with the same notice.
  if (user.status === 'banned') signedOut({ kind: 'banned', text: BANNED_MESSAGE });
  else userChanged(user);
}

export interface LiveQuests {
  quests: AsyncState<QuestView[]>;
  mode: StreamMode;
  toasts: Toast[];
  dismissToast: (id: number) => void;
  /** GET /me/quests and /me once (the Refresh button, the fallback poll, a period's end). */
  refresh: () => void;
}

/**
 * The player's quests and user, kept current by the live stream: the snapshot replaces both, a
 * `quest` event replaces one view, `quests` (a catalog or timezone change) the list, `reward` and
 * `user` events the balances. Without a stream the
 * page polls as it used to.
 */
export function useLiveQuests(): LiveQuests {
  const [list, setListState] = useState<{ data: QuestView[] | undefined; error: Error | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  // Events can arrive faster than renders: each applies to the newest list, not the rendered one.
  const current = useRef<QuestView[] | undefined>(undefined);
  const setList = (data: QuestView[]) => {
    current.current = data;
    setListState({ data, error: undefined, loading: false });
  };
  const [toasts, setToasts] = useState<Toast[]>([]);
  const toastId = useRef(0);
  const seq = useRef(0);

  const loadList = useCallback(async () => {
    const id = ++seq.current;
    try {
      const items = await call((ql) => ql.myQuests());
      if (id === seq.current) setList(items);
    } catch (err) {
      if (id === seq.current) setListState((s) => ({ ...s, error: err as Error, loading: false }));
    }
  }, []);
  const refresh = useCallback(() => {
    void loadList();
    void reloadMe().catch(() => undefined);
  }, [loadList]);

  const mode = useLiveStream((event: StreamEvent) => {
    const raised = toastsFor(event, current.current);
    if (raised.length) setToasts((shown) => raised.reduce((acc, spec) => pushToast(acc, spec, ++toastId.current), shown));
    switch (event.type) {
      case 'snapshot':
        // Newer than any list request still on its way.
        seq.current++;
        setList(event.quests);
        userFromStream(event.user);
        break;
      case 'quest':
        // Newer than any list request still on its way, which must not overwrite this view.
        seq.current++;
        setList(applyQuestView(current.current ?? [], event.view));
        break;
      case 'quests':
        seq.current++;
        setList(event.quests);
        break;
      case 'reward': {
        const user = currentUser();
        if (user) userChanged(applyReward(user, event.balances));
        break;
      }
      case 'user':
        userFromStream(event.user);
        break;
    }
  });
  const live = mode === 'live';

  // Fallback: the old poll, only while there is no stream.
  useInterval(() => {
    if (mode === 'polling') refresh();
  }, POLL_MS);
  useEffect(() => {
    if (mode === 'polling' || (mode === 'reconnecting' && !current.current)) refresh();
  }, [mode, refresh]);

  // A period that ends (a daily quest available again) changes the list without an event: one request then.
  useEffect(() => {
    if (!live || !list.data) return;
    const at = nextPeriodEnd(list.data, Date.now());
    if (at === undefined) return;
    const timer = window.setTimeout(() => void loadList(), Math.min(at - Date.now() + 1000, 2 ** 31 - 1));
    return () => window.clearTimeout(timer);
  }, [live, list.data]);

  const dismissToast = useCallback((id: number) => setToasts((shown) => shown.filter((t) => t.id !== id)), []);
  const quests: AsyncState<QuestView[]> = { ...list, reload: () => loadList() };
  return { quests, mode, toasts, dismissToast, refresh };
}
