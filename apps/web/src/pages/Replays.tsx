import { useEffect, useState } from 'react';
import { isFinishedReplay, type ReplayList, type ReplayView } from '@fixlify/contracts';
import { api } from '../api';
import { Empty, ErrorBox, PageHeader, Spinner, formatTime, toast, useAsync } from '../components/ui';
import { PreviewReportView } from '../components/preview-report';
import { replayControls, replayPercent, skipSummary } from '../history/replay-view';

/** Replays (backfills and dry runs) of the organization with their live counts, polled while any runs. */
export const Replays = ({ canEdit }: { canEdit: boolean }) => {
  const list = useAsync(() => api.get<ReplayList>('/api/replays?limit=100'), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const running = list.data?.replays.some((r) => !isFinishedReplay(r.status)) ?? false;
  useEffect(() => {
    if (!running) return;
    const t = setInterval(list.reload, 2000);
    return () => clearInterval(t);
  }, [running, list.reload]);
  const control = async (r: ReplayView, c: 'pause' | 'resume' | 'abort') => {
    setBusy(r.id);
    try {
      const next = await api.post<ReplayView>(`/api/replays/${r.id}/${c}`);
      list.setData((d) => d && { replays: d.replays.map((x) => (x.id === r.id ? next : x)) });
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="page">
      <PageHeader
        title="Replays"
        subtitle="History run through a workflow again: dry runs preview what would start and what it would do (nothing is sent), runs start only what is missing. Start one with npx fixlify replay or POST /api/workflows/:id/replays."
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
      ) : list.data.replays.length === 0 ? (
        <Empty title="No replays yet." />
      ) : (
        <section className="card" aria-label="Replays">
          <table className="table">
            <thead>
              <tr>
                <th>Created</th>
                <th>Workflow</th>
                <th>Mode</th>
                <th>Range</th>
                <th>Status</th>
                <th>Read</th>
                <th>Matched</th>
                <th>Started</th>
                <th>Not started</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.replays.map((r) => {
                const pct = replayPercent(r);
                return [
                  <tr key={r.id} data-replay={r.id} data-status={r.status}>
                    <td>{formatTime(r.createdAt)}</td>
                    <td>
                      <a href={`/workflows/${r.workflowId}`}>{r.draft ? `draft (v${r.version})` : `v${r.version}`}</a>
                      {r.compareVersion ? <span className="muted small"> vs v{r.compareVersion}</span> : null}
                    </td>
                    <td>{r.mode === 'run' ? (r.force ? 'run (forced)' : 'run') : 'dry run (preview)'}</td>
                    <td className="small">
                      {formatTime(r.from)} → {formatTime(r.to)}
                    </td>
                    <td>
                      {r.status}
                      {r.requested ? ` (${r.requested} requested)` : ''}
                      {r.error ? <div className="small error">{r.error}</div> : null}
                    </td>
                    <td>{pct === null ? '—' : `${pct} %`}</td>
                    <td>{r.counts.matched}</td>
                    <td data-started>{r.counts.started}</td>
                    <td className="small">{skipSummary(r)}</td>
                    <td>
                      {r.report && (
                        <button type="button" className="btn small" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? null : r.id)}>
                          {open === r.id ? 'hide preview' : 'preview'}
                        </button>
                      )}
                      {canEdit &&
                        replayControls(r).map((c) => (
                          <button key={c} type="button" className="btn small" disabled={busy === r.id} onClick={() => void control(r, c)}>
                            {c}
                          </button>
                        ))}
                    </td>
                  </tr>,
                  open === r.id && r.report ? (
                    <tr key={`${r.id}-report`}>
                      <td colSpan={10}>
                        <PreviewReportView report={r.report} started={r.counts.started} />
                      </td>
                    </tr>
                  ) : null,
                ];
              })}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
};
