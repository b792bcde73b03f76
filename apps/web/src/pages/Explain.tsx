import { useState, type FormEvent } from 'react';
import { TRIGGER_ENTITIES, type Explanation } from '@fixlify/contracts';
import { api } from '../api';
import { Empty, ErrorBox, PageHeader, Spinner, formatTime } from '../components/ui';
import { verdictText } from '../history/verdict';

const DAY = 86_400_000;

/** "Why did or didn't this fire?" for one record: its events from the log and each workflow's verdict. */
export const Explain = () => {
  const [entityType, setEntityType] = useState<(typeof TRIGGER_ENTITIES)[number]>('invoice');
  const [entityId, setEntityId] = useState('');
  const [days, setDays] = useState(7);
  const [state, setState] = useState<{ loading: boolean; error: unknown; data: Explanation | null }>({ loading: false, error: null, data: null });
  const ask = async (e: FormEvent) => {
    e.preventDefault();
    setState({ loading: true, error: null, data: null });
    try {
      const qs = new URLSearchParams({ entityType, entityId: entityId.trim(), from: new Date(Date.now() - days * DAY).toISOString() });
      setState({ loading: false, error: null, data: await api.get<Explanation>(`/api/explain?${qs.toString()}`) });
    } catch (err) {
      setState({ loading: false, error: err, data: null });
    }
  };
  return (
    <div className="page">
      <PageHeader
        title="Why did or didn't it fire?"
        subtitle="A record's events, read back from the log, and for each what every workflow of that trigger did with it."
      />
      <form className="card" onSubmit={(e) => void ask(e)} aria-label="Explain a record">
        <label>
          Record{' '}
          <select value={entityType} onChange={(e) => setEntityType(e.target.value as (typeof TRIGGER_ENTITIES)[number])}>
            {TRIGGER_ENTITIES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          id <input value={entityId} onChange={(e) => setEntityId(e.target.value)} placeholder="the record's id" required size={38} />
        </label>{' '}
        <label>
          last{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[1, 7, 30, 92].map((d) => (
              <option key={d} value={d}>
                {d} day{d > 1 ? 's' : ''}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="submit" className="btn primary" disabled={state.loading || !entityId.trim()}>
          Explain
        </button>
      </form>
      {state.loading ? <Spinner /> : null}
      {state.error ? <ErrorBox error={state.error} /> : null}
      {state.data && state.data.events.length === 0 ? <Empty title="No events of this record in the range." /> : null}
      {state.data?.truncated ? <p className="muted small">The range held more than one request reads: showing the first part; narrow the range.</p> : null}
      {state.data?.events.map((ev) => (
        <section key={ev.eventId} className="card" data-event={ev.eventId}>
          <h3>
            {ev.type} <span className="muted small">{formatTime(ev.occurredAt)}</span>
          </h3>
          {ev.workflows.length === 0 ? (
            <p className="muted small">No workflow of the organization starts on {ev.type}.</p>
          ) : (
            <ul>
              {ev.workflows.map((w) => (
                <li key={w.workflowId} data-verdict={w.outcome} data-reason={w.reason ?? ''}>
                  <strong>{w.workflowName}</strong>: {verdictText(w)}
                  {w.executionId ? (
                    <>
                      {' '}
                      <a href={`/executions/${w.executionId}`}>execution</a>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      ))}
    </div>
  );
};
