import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiFailure } from '../api';

export const StatusBadge = ({ status }: { status: string }) => (
  <span className={`badge badge-${status}`} data-status={status}>
    {status === 'processing' ? 'running' : status}
  </span>
);

export const Spinner = ({ label = 'Loading…' }: { label?: string }) => (
  <div className="loading" role="status" aria-live="polite">
    <span className="spinner" aria-hidden="true" /> {label}
  </div>
);

export const ErrorBox = ({ error, onRetry }: { error: unknown; onRetry?: () => void }) => (
  <div className="error-box" role="alert">
    <strong>Something went wrong.</strong> {error instanceof Error ? error.message : String(error)}
    {onRetry && (
      <button type="button" className="btn btn-small" onClick={onRetry}>
        Try again
      </button>
    )}
  </div>
);

export const Empty = ({ title, children }: { title: string; children?: ReactNode }) => (
  <div className="empty">
    <div className="empty-icon" aria-hidden="true">
      ◇
    </div>
    <h3>{title}</h3>
    {children}
  </div>
);

export const PageHeader = ({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) => (
  <header className="page-header">
    <div>
      <h1>{title}</h1>
      {subtitle && <p className="muted">{subtitle}</p>}
    </div>
    {actions && <div className="page-actions">{actions}</div>}
  </header>
);

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (fn: (d: T | undefined) => T | undefined) => void;
}

/** Loads on mount and when `deps` change; `reload` loads again without clearing what is shown. */
export const useAsync = <T,>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> => {
  const [data, setDataState] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef.current().then(
      (d) => {
        if (!live) return;
        setDataState(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback((fn: (d: T | undefined) => T | undefined) => setDataState((d) => fn(d)), []);
  return { data, error, loading, reload, setData };
};

export interface Toast {
  id: number;
  kind: 'ok' | 'error';
  text: string;
}

let toastId = 0;
const listeners = new Set<(t: Toast) => void>();

export const toast = (kind: Toast['kind'], text: string): void => {
  const t = { id: ++toastId, kind, text };
  for (const l of listeners) l(t);
};

export const toastError = (e: unknown): void => toast('error', e instanceof ApiFailure || e instanceof Error ? e.message : String(e));

export const Toasts = () => {
  const [items, setItems] = useState<Toast[]>([]);
  useEffect(() => {
    const on = (t: Toast) => {
      setItems((xs) => [...xs, t]);
      setTimeout(() => setItems((xs) => xs.filter((x) => x.id !== t.id)), t.kind === 'error' ? 8000 : 4000);
    };
    listeners.add(on);
    return () => void listeners.delete(on);
  }, []);
  // a popover sits in the top layer: shown again at each toast, it goes above an open modal dialog
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof el.showPopover !== 'function') return;
    if (el.matches(':popover-open')) el.hidePopover();
    if (items.length > 0) el.showPopover();
  }, [items]);
  return (
    <div ref={box} className="toasts" popover="manual" aria-live="polite">
      {items.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          {t.text}
        </div>
      ))}
    </div>
  );
};

export const formatTime = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '—';
export const formatMs = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
