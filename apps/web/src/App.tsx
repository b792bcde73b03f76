import { useEffect, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { api, ApiFailure, type Me } from './api';
import { ErrorBox, Spinner, Toasts, formatTime } from './components/ui';
import { pipelineBannerText } from './components/pipeline-banner';
import type { SystemStatus } from '@fixlify/contracts';
import { Builder } from './pages/Builder';
import { Channels } from './pages/Channels';
import { Dashboard } from './pages/Dashboard';
import { DeadLetters } from './pages/DeadLetters';
import { Replays } from './pages/Replays';
import { Explain } from './pages/Explain';
import { Consent } from './pages/Consent';
import { Executions } from './pages/Executions';
import { Login } from './pages/Login';
import { Outbox } from './pages/Outbox';
import { Templates } from './pages/Templates';
import { matchRoute, navigate, usePath } from './router';

const NAV = [
  { to: '/', label: 'Dashboard', page: 'dashboard' },
  { to: '/executions', label: 'Executions', page: 'executions' },
  { to: '/replays', label: 'Replays', page: 'replays' },
  { to: '/explain', label: 'Why?', page: 'explain' },
  { to: '/consent', label: 'Consent', page: 'consent' },
  { to: '/dead-letters', label: 'Dead letters', page: 'dead_letters' },
  { to: '/templates', label: 'Templates', page: 'templates' },
  { to: '/outbox', label: 'Outbox', page: 'outbox' },
  { to: '/settings/channels', label: 'Settings · Channels', page: 'channels' },
] as const;

/** A banner while automations cannot run (change capture stopped), polled every 15 s. */
const PipelineBanner = () => {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const load = () =>
      void api.get<SystemStatus>('/api/system/status').then(
        (s) => alive && setText(pipelineBannerText(s, formatTime)),
        () => undefined,
      );
    load();
    const t = setInterval(load, 15_000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, []);
  return text ? (
    <div className="notice pipeline-banner" role="alert">
      {text}
    </div>
  ) : null;
};

export const App = () => {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const path = usePath();
  const route = matchRoute(path);

  useEffect(() => {
    api.get<Me>('/api/auth/me').then(setMe, (e: unknown) => (e instanceof ApiFailure && e.status === 401 ? setMe(null) : setError(e)));
    const out = () => setMe(null);
    window.addEventListener('fixlify:signed-out', out);
    return () => window.removeEventListener('fixlify:signed-out', out);
  }, []);

  if (error) return <ErrorBox error={error} onRetry={() => window.location.reload()} />;
  if (me === undefined) return <Spinner />;
  if (me === null)
    return (
      <>
        <Login onSignedIn={setMe} />
        <Toasts />
      </>
    );
  const canEdit = me.role !== 'viewer';
  const current = route.page === 'builder' ? 'dashboard' : route.page;
  return (
    <div className="shell">
      <a href="#main" className="skip">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            F
          </span>{' '}
          Fixlify
        </div>
        <ul>
          {NAV.map((n) => (
            <li key={n.to}>
              <a
                href={n.to}
                aria-current={current === n.page ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(n.to);
                }}
              >
                {n.label}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <div className="small">{me.organization?.name}</div>
          <div className="muted small">
            {me.user?.email} · {me.role}
          </div>
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() =>
              void api.post('/api/auth/logout').finally(() => {
                setMe(null);
                navigate('/');
              })
            }
          >
            Sign out
          </button>
        </div>
      </nav>
      <main id="main" className={route.page === 'builder' ? 'main main-full' : 'main'}>
        <PipelineBanner />
        {route.page === 'dashboard' && <Dashboard canEdit={canEdit} />}
        {route.page === 'builder' && (
          <ReactFlowProvider>
            <Builder key={route.id} id={route.id} canEdit={canEdit} />
          </ReactFlowProvider>
        )}
        {route.page === 'executions' && <Executions selectedId={route.id} canEdit={canEdit} />}
        {route.page === 'templates' && <Templates canEdit={canEdit} />}
        {route.page === 'outbox' && <Outbox />}
        {route.page === 'dead_letters' && <DeadLetters canEdit={canEdit} />}
        {route.page === 'replays' && <Replays canEdit={canEdit} />}
        {route.page === 'explain' && <Explain />}
        {route.page === 'consent' && <Consent />}
        {route.page === 'channels' && <Channels role={me.role} />}
        {route.page === 'not_found' && <ErrorBox error="This page does not exist." onRetry={() => navigate('/')} />}
      </main>
      <Toasts />
    </div>
  );
};
