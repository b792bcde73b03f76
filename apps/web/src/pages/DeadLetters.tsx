import { useState } from 'react';
import { api, type DeadLetterEntry, type Redrive, type RedriveResult } from '../api';
import { Empty, ErrorBox, PageHeader, Spinner, formatTime, toast, useAsync } from '../components/ui';

/** The original value, pretty-printed when it is JSON (it may not be). */
const pretty = (value: string): string => {
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
};

const redriveText = (r: Redrive): string =>
  `Re-driven ${r.count}×${r.count > 1 ? ` since ${formatTime(r.firstAt)}` : ''}, last by ${r.lastBy} at ${formatTime(r.lastAt)}`;

/** Messages a service could not process (the dead-letter topic), with a re-drive to their original topic. */
export const DeadLetters = ({ canEdit }: { canEdit: boolean }) => {
  const list = useAsync(() => api.get<{ items: DeadLetterEntry[] }>('/api/dead-letters?limit=100'), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const redrive = async (id: string) => {
    setBusy(id);
    setErrors(({ [id]: _, ...rest }) => rest);
    try {
      const r = await api.post<RedriveResult>(`/api/dead-letters/${encodeURIComponent(id)}/redrive`);
      list.setData((d) => d && { items: d.items.map((x) => (x.id === id ? { ...x, redrive: r.redrive } : x)) });
      toast('ok', `Sent back to ${r.topic}`);
    } catch (e) {
      setErrors((xs) => ({ ...xs, [id]: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="page">
      <PageHeader
        title="Dead letters"
        subtitle="Messages a service could not process, newest first. A re-drive sends the original value back to its original topic, with its key."
        actions={
          <button type="button" className="btn" onClick={list.reload}>
            Refresh
          </button>
        }
      />
      {list.error ? (
        <ErrorBox error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Spinner />
      ) : list.data.items.length === 0 ? (
        <Empty title="No dead letters — every message was processed." />
      ) : (
        <section className="card" aria-label="Dead letters">
          <ul className="messages">
            {list.data.items.map(({ id, deadLetter: d, redrive: r }) => (
              <li key={id} className="message dead-letter" data-dead-letter={id}>
                <div className="message-head">
                  <strong>{formatTime(d.failedAt)}</strong> <span className="muted small">consumer</span> <code>{d.consumer}</code>
                </div>
                <p className="small">
                  From <code>{d.origin.topic}</code> partition {d.origin.partition} · offset {d.origin.offset}
                  {d.origin.key !== null && (
                    <>
                      {' '}
                      · key <code>{d.origin.key}</code>
                    </>
                  )}
                </p>
                <p className="dl-reason error-text">{d.reason}</p>
                {d.value === null ? (
                  <p className="muted small">No value (nothing to re-drive).</p>
                ) : (
                  <details>
                    <summary>Value</summary>
                    <pre>{pretty(d.value)}</pre>
                  </details>
                )}
                <div className="row-actions">
                  {canEdit && (
                    <button type="button" className="btn btn-small btn-primary" disabled={busy === id || d.value === null} onClick={() => void redrive(id)}>
                      {busy === id ? 'Re-driving…' : 'Re-drive'}
                    </button>
                  )}
                  <span className="muted small">
                    {r ? redriveText(r) : 'Not re-driven yet'}
                    {!canEdit && ' · re-driving needs the editor role'}
                  </span>
                </div>
                {errors[id] && (
                  <p className="field-error" role="alert">
                    Not re-driven: {errors[id]}
                  </p>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
};
