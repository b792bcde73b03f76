import { useState } from 'react';
import { api, type MetricsPoint, type WorkflowDetail, type WorkflowSummary } from '../api';
import { LineChart, StackedBars } from '../components/charts';
import { Empty, ErrorBox, PageHeader, Spinner, StatusBadge, formatMs, formatTime, toast, toastError, useAsync } from '../components/ui';
import { navigate } from '../router';
import { EnrollDialog, offersEnrollment } from './builder/EnrollDialog';

const label = (iso: string, period: 'hour' | 'day'): string => {
  const d = new Date(iso);
  return period === 'hour' ? `${String(d.getHours()).padStart(2, '0')}:00` : `${d.getMonth() + 1}/${d.getDate()}`;
};

/** Every period of the range, so gaps show as zero rather than vanish. */
const fill = (points: MetricsPoint[], period: 'hour' | 'day'): MetricsPoint[] => {
  const step = period === 'hour' ? 3600_000 : 86_400_000;
  const n = period === 'hour' ? 24 : 30;
  const now = new Date();
  if (period === 'hour') now.setMinutes(0, 0, 0);
  else now.setHours(0, 0, 0, 0);
  const byStart = new Map(points.map((p) => [new Date(p.periodStart).getTime(), p]));
  const out: MetricsPoint[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const t = now.getTime() - i * step;
    const hit = [...byStart.entries()].find(([k]) => k >= t && k < t + step)?.[1];
    out.push(
      hit ?? {
        periodStart: new Date(t).toISOString(),
        total: 0,
        successful: 0,
        failed: 0,
        successRate: null,
        avgMs: 0,
        p95Ms: 0,
        emails: 0,
        sms: 0,
        push: 0,
        webhooks: 0,
        suppressed: 0,
        backfilled: { total: 0, successful: 0, failed: 0, messages: 0 },
      },
    );
  }
  return out;
};

const Charts = () => {
  const [period, setPeriod] = useState<'hour' | 'day'>('hour');
  const m = useAsync(() => api.get<{ points: MetricsPoint[] }>(`/api/metrics/series?period=${period}`), [period]);
  const points = fill(m.data?.points ?? [], period);
  const labels = points.map((p) => label(p.periodStart, period));
  const backfilled = points.reduce(
    (a, p) => ({ total: a.total + p.backfilled.total, failed: a.failed + p.backfilled.failed, messages: a.messages + p.backfilled.messages }),
    {
      total: 0,
      failed: 0,
      messages: 0,
    },
  );
  return (
    <section className="card" aria-labelledby="charts-title">
      <div className="card-head">
        <h2 id="charts-title">Activity</h2>
        <div className="segmented" role="group" aria-label="Period">
          <button type="button" aria-pressed={period === 'hour'} onClick={() => setPeriod('hour')}>
            Last 24 hours
          </button>
          <button type="button" aria-pressed={period === 'day'} onClick={() => setPeriod('day')}>
            Last 30 days
          </button>
        </div>
      </div>
      {m.error ? (
        <ErrorBox error={m.error} onRetry={m.reload} />
      ) : !m.data ? (
        <Spinner />
      ) : (
        <div className="charts">
          <StackedBars
            title="Executions"
            labels={labels}
            series={[
              // backfilled executions apart, so a replay's burst does not read as live activity
              { name: 'Succeeded (live)', color: '#16a34a', values: points.map((p) => p.successful - p.backfilled.successful) },
              { name: 'Failed (live)', color: '#dc2626', values: points.map((p) => p.failed - p.backfilled.failed) },
              { name: 'Backfilled', color: '#a8a29e', values: points.map((p) => p.backfilled.total) },
            ]}
          />
          <LineChart
            title="Success rate"
            labels={labels}
            values={points.map((p) => (p.successRate === null ? null : p.successRate * 100))}
            color="#2563eb"
            max={100}
            fmt={(n) => `${Math.round(n)}%`}
          />
          <StackedBars
            title="Messages by channel"
            labels={labels}
            series={[
              { name: 'Email', color: '#7c3aed', values: points.map((p) => p.emails) },
              { name: 'SMS', color: '#0891b2', values: points.map((p) => p.sms) },
              { name: 'Push', color: '#f59e0b', values: points.map((p) => p.push) },
              { name: 'Webhooks', color: '#64748b', values: points.map((p) => p.webhooks) },
            ]}
          />
          <LineChart title="Average duration" labels={labels} values={points.map((p) => (p.total ? p.avgMs : null))} color="#9333ea" fmt={(n) => formatMs(n)} />
          <p className="muted small" data-backfilled-total={backfilled.total}>
            Backfilled (replays) in this range: {backfilled.total} executions ({backfilled.failed} failed), {backfilled.messages} messages; the counters include
            them.
          </p>
        </div>
      )}
    </section>
  );
};

export const Dashboard = ({ canEdit }: { canEdit: boolean }) => {
  const list = useAsync(() => api.get<{ items: WorkflowSummary[] }>('/api/workflows'), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [enrollFor, setEnrollFor] = useState<string | null>(null);
  const toggle = async (w: WorkflowSummary) => {
    setBusy(w.id);
    try {
      const r = await api.post<WorkflowDetail>(`/api/workflows/${w.id}/${w.isActive ? 'deactivate' : 'activate'}`);
      list.setData((d) => d && { items: d.items.map((x) => (x.id === w.id ? { ...x, isActive: r.isActive, status: r.status } : x)) });
      toast('ok', `${w.name}: ${r.isActive ? 'active' : 'inactive'}`);
      if (offersEnrollment(r)) setEnrollFor(w.id);
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(null);
    }
  };
  const create = async () => {
    try {
      const w = await api.post<WorkflowDetail>('/api/workflows', { name: 'Untitled workflow' });
      navigate(`/workflows/${w.id}`);
    } catch (e) {
      toastError(e);
    }
  };
  const items = list.data?.items ?? [];
  const totals = items.reduce((a, w) => ({ runs: a.runs + w.executionCount, ok: a.ok + w.successCount, failed: a.failed + w.failureCount }), {
    runs: 0,
    ok: 0,
    failed: 0,
  });
  return (
    <div className="page">
      {enrollFor && <EnrollDialog workflowId={enrollFor} onClose={() => setEnrollFor(null)} />}
      <PageHeader
        title="Dashboard"
        subtitle="Your automations, how often they run and how they do."
        actions={
          canEdit && (
            <>
              <button type="button" className="btn" onClick={() => navigate('/templates')}>
                Start from a template
              </button>
              <button type="button" className="btn btn-primary" onClick={() => void create()}>
                New workflow
              </button>
            </>
          )
        }
      />
      <div className="stats">
        <div className="stat">
          <span>Active workflows</span>
          <strong>{items.filter((w) => w.isActive).length}</strong>
        </div>
        <div className="stat">
          <span>Executions</span>
          <strong>{totals.runs}</strong>
        </div>
        <div className="stat">
          <span>Succeeded</span>
          <strong className="ok-text">{totals.ok}</strong>
        </div>
        <div className="stat">
          <span>Failed</span>
          <strong className="error-text">{totals.failed}</strong>
        </div>
      </div>
      <Charts />
      <section className="card" aria-labelledby="wf-title">
        <div className="card-head">
          <h2 id="wf-title">Workflows</h2>
        </div>
        {list.error ? (
          <ErrorBox error={list.error} onRetry={list.reload} />
        ) : !list.data ? (
          <Spinner />
        ) : items.length === 0 ? (
          <Empty title="No workflows yet">
            <p>Start from a template such as an appointment reminder, or build one from scratch.</p>
          </Empty>
        ) : (
          <table className="table" aria-label="Workflows">
            <thead>
              <tr>
                <th>Name</th>
                <th>Trigger</th>
                <th>Status</th>
                <th className="num">Runs</th>
                <th className="num">Succeeded</th>
                <th className="num">Failed</th>
                <th>Last run</th>
                <th>Active</th>
              </tr>
            </thead>
            <tbody>
              {items.map((w) => (
                <tr key={w.id} data-workflow-row={w.id}>
                  <td>
                    <button type="button" className="link" onClick={() => navigate(`/workflows/${w.id}`)}>
                      {w.name}
                    </button>
                    {w.currentVersion > 0 && <span className="muted small"> v{w.currentVersion}</span>}
                  </td>
                  <td className="small">{w.triggerType ?? '—'}</td>
                  <td>
                    <StatusBadge status={w.status} />
                  </td>
                  <td className="num">{w.executionCount}</td>
                  <td className="num">{w.successCount}</td>
                  <td className="num">{w.failureCount}</td>
                  <td className="small">{formatTime(w.lastTriggeredAt)}</td>
                  <td>
                    <label className="switch">
                      <input
                        type="checkbox"
                        role="switch"
                        checked={w.isActive}
                        disabled={!canEdit || busy === w.id || !w.publishedVersionId}
                        onChange={() => void toggle(w)}
                        aria-label={`${w.name} active`}
                        title={w.publishedVersionId ? undefined : 'Publish it first'}
                      />
                      <span aria-hidden="true" />
                    </label>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
};
