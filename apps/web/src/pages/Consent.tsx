import { useState, type FormEvent } from 'react';
import type { ConsentChannel, ConsentRecord } from '@fixlify/contracts';
import { api } from '../api';
import { ErrorBox, PageHeader, Spinner, formatTime } from '../components/ui';

const SOURCE: Record<ConsentRecord['history'][number]['source'], string> = {
  inbound_sms: 'texted a keyword',
  unsubscribe_link: 'unsubscribe link',
  provider_event: 'mailbox provider',
  owner: 'by hand (web app)',
  api: 'API key',
};

/** A recipient's consent (phone or e-mail): the state, why, its history, and suppress / restore by hand. */
export const Consent = () => {
  const [channel, setChannel] = useState<ConsentChannel>('sms');
  const [address, setAddress] = useState('');
  const [state, setState] = useState<{ loading: boolean; error: unknown; data: ConsentRecord | null }>({ loading: false, error: null, data: null });
  const run = async (fn: () => Promise<ConsentRecord>) => {
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      setState({ loading: false, error: null, data: await fn() });
    } catch (err) {
      setState((s) => ({ ...s, loading: false, error: err }));
    }
  };
  const look = (e: FormEvent) => {
    e.preventDefault();
    const qs = new URLSearchParams({ channel, address: address.trim() });
    void run(() => api.get<ConsentRecord>(`/api/consent?${qs.toString()}`));
  };
  const change = (to: 'suppressed' | 'allowed') => {
    const d = state.data;
    if (d) void run(() => api.post<ConsentRecord>('/api/consent', { channel: d.channel, address: d.address, state: to }));
  };
  const d = state.data;
  return (
    <div className="page">
      <PageHeader title="Consent" subtitle="Whether a client may be texted or e-mailed, why, and every change with where it came from." />
      <form className="card" onSubmit={look} aria-label="Look up a recipient">
        <label>
          Channel{' '}
          <select value={channel} onChange={(e) => setChannel(e.target.value as ConsentChannel)}>
            <option value="sms">SMS (phone)</option>
            <option value="email">E-mail</option>
          </select>
        </label>{' '}
        <label>
          address{' '}
          <input
            value={address}
            onChange={(e) => setAddress(e.target.value)}
            placeholder={channel === 'sms' ? '+15551234567' : 'client@example.com'}
            required
          />
        </label>{' '}
        <button type="submit" className="btn primary" disabled={state.loading || address.trim().length < 3}>
          Look up
        </button>
      </form>
      {state.loading ? <Spinner /> : null}
      {state.error ? <ErrorBox error={state.error} /> : null}
      {d ? (
        <section className="card" data-consent={d.state} aria-label="Consent of the recipient">
          <h3>
            {d.address}: {d.state === 'suppressed' ? 'suppressed' : 'may be messaged'}
          </h3>
          {d.reason ? <p data-consent-reason>{d.reason}</p> : null}
          {d.state === 'allowed' ? (
            <button type="button" className="btn" onClick={() => change('suppressed')} disabled={state.loading}>
              Suppress
            </button>
          ) : d.restorableByOwner ? (
            <button type="button" className="btn" onClick={() => change('allowed')} disabled={state.loading}>
              Restore
            </button>
          ) : (
            <p className="muted small" data-restore-needs-start>
              The recipient opted out by text: only their START (texted to your number) can lift it. Carriers do not allow a business to restore it.
            </p>
          )}
          {d.history.length === 0 ? (
            <p className="muted small">No change recorded.</p>
          ) : (
            <table className="table" aria-label="Consent history">
              <thead>
                <tr>
                  <th>when</th>
                  <th>change</th>
                  <th>source</th>
                  <th>reason</th>
                </tr>
              </thead>
              <tbody>
                {d.history.map((h, i) => (
                  <tr key={i} data-change={h.state} data-source={h.source}>
                    <td>{formatTime(h.at)}</td>
                    <td>{h.state === 'suppressed' ? 'suppressed' : 'allowed'}</td>
                    <td>{SOURCE[h.source]}</td>
                    <td>{h.reason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ) : null}
    </div>
  );
};
