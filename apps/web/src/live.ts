import { useEffect, useRef, useState } from 'react';
import type { LiveEvent } from './api';

/** The organization's live feed (SSE); reconnects by itself. `onEvent` sees every execution event. */
export const useLiveFeed = (onEvent: (e: LiveEvent) => void): 'connecting' | 'live' | 'offline' => {
  const [state, setState] = useState<'connecting' | 'live' | 'offline'>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    const es = new EventSource('/api/live');
    es.addEventListener('ready', () => setState('live'));
    es.addEventListener('execution', (m) => {
      try {
        handler.current(JSON.parse((m as MessageEvent<string>).data) as LiveEvent);
      } catch {
        // a malformed frame is dropped
      }
    });
    es.onerror = () => setState(es.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    return () => es.close();
  }, []);
  return state;
};
