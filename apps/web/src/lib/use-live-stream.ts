import { useEffect, useRef, useState } from 'preact/hooks';
import { openLiveStream, type StreamMode } from '../api/live-stream';
import type { StreamEvent } from './live-events';

/**
 * The signed-in player's live stream while the calling component is mounted (a logout or a ban
 * unmounts the pages, which closes it). `onEvent` may change on every render; the newest is called.
 */
export function useLiveStream(onEvent: (event: StreamEvent) => void): StreamMode {
  const [mode, setMode] = useState<StreamMode>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => openLiveStream({ onEvent: (e) => handler.current(e), onMode: setMode }), []);
  return mode;
}
