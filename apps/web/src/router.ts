import { useEffect, useState } from 'react';

/** A tiny history router: the API serves index.html for every app path. */
export const navigate = (to: string): void => {
  if (to === window.location.pathname + window.location.search) return;
  window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
};

export const usePath = (): string => {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const on = () => setPath(window.location.pathname);
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return path;
};

export type Route =
  | { page: 'dashboard' }
  | { page: 'builder'; id: string }
  | { page: 'executions'; id: string | null }
  | { page: 'templates' }
  | { page: 'outbox' }
  | { page: 'dead_letters' }
  | { page: 'replays' }
  | { page: 'explain' }
  | { page: 'consent' }
  | { page: 'channels' }
  | { page: 'not_found' };

export const matchRoute = (path: string): Route => {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/' || p === '/workflows') return { page: 'dashboard' };
  let m = /^\/workflows\/([^/]+)$/.exec(p);
  if (m) return { page: 'builder', id: decodeURIComponent(m[1]!) };
  if (p === '/executions') return { page: 'executions', id: null };
  m = /^\/executions\/([^/]+)$/.exec(p);
  if (m) return { page: 'executions', id: decodeURIComponent(m[1]!) };
  if (p === '/templates') return { page: 'templates' };
  if (p === '/outbox') return { page: 'outbox' };
  if (p === '/dead-letters') return { page: 'dead_letters' };
  if (p === '/replays') return { page: 'replays' };
  if (p === '/explain') return { page: 'explain' };
  if (p === '/consent') return { page: 'consent' };
  if (p === '/settings/channels') return { page: 'channels' };
  return { page: 'not_found' };
};
