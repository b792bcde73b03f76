import { api } from '../api';
import { Empty, ErrorBox, PageHeader, Spinner, formatTime, useAsync } from '../components/ui';

interface Box<T> {
  configured: boolean;
  items: T[];
  error: string | null;
}
interface Sms {
  id: string;
  from: string;
  to: string;
  text: string;
  receivedAt: string;
}
interface Email {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text?: string;
  html?: string;
  receivedAt: string;
}

/** Local development: what the Mailgun and Telnyx stand-ins received, so a newcomer sees what a workflow sent. */
export const Outbox = () => {
  const o = useAsync(() => api.get<{ email: Box<Email>; sms: Box<Sms> }>('/api/outbox'), []);
  return (
    <div className="page">
      <PageHeader
        title="Outbox"
        subtitle="Messages the local provider stand-ins received for this organization (development only)."
        actions={
          <button type="button" className="btn" onClick={o.reload}>
            Refresh
          </button>
        }
      />
      {o.error ? (
        <ErrorBox error={o.error} onRetry={o.reload} />
      ) : !o.data ? (
        <Spinner />
      ) : (
        <div className="two-col">
          <section className="card" aria-labelledby="sms-title">
            <h2 id="sms-title">SMS ({o.data.sms.items.length})</h2>
            {!o.data.sms.configured ? (
              <Empty title="No SMS stand-in configured">Set OUTBOX_TELNYX_URL for the API (npm start does).</Empty>
            ) : o.data.sms.error ? (
              <ErrorBox error={o.data.sms.error} />
            ) : o.data.sms.items.length === 0 ? (
              <Empty title="No SMS yet">Complete a job to see a workflow's text here.</Empty>
            ) : (
              <ul className="messages" aria-label="SMS messages">
                {o.data.sms.items.map((m) => (
                  <li key={m.id} className="message" data-sms-to={m.to}>
                    <div className="message-head">
                      <strong>To {m.to}</strong>{' '}
                      <span className="muted small">
                        from {m.from} · {formatTime(m.receivedAt)}
                      </span>
                    </div>
                    <p className="sms-text">{m.text}</p>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="card" aria-labelledby="email-title">
            <h2 id="email-title">Email ({o.data.email.items.length})</h2>
            {!o.data.email.configured ? (
              <Empty title="No email stand-in configured">Set OUTBOX_MAILGUN_URL for the API (npm start does).</Empty>
            ) : o.data.email.error ? (
              <ErrorBox error={o.data.email.error} />
            ) : o.data.email.items.length === 0 ? (
              <Empty title="No email yet" />
            ) : (
              <ul className="messages" aria-label="Email messages">
                {o.data.email.items.map((m) => (
                  <li key={m.id} className="message">
                    <div className="message-head">
                      <strong>{m.subject}</strong>{' '}
                      <span className="muted small">
                        to {m.to.join(', ')} · {formatTime(m.receivedAt)}
                      </span>
                    </div>
                    <pre className="email-text">{m.text ?? m.html ?? ''}</pre>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </div>
  );
};
