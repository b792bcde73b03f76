import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type ExecutionDetail, type ExecutionStatus, type ExecutionSummary, type LiveEvent, type WorkflowSummary } from '../api';
import { StepTimeline } from '../components/step-timeline';
import { Empty, ErrorBox, PageHeader, Spinner, StatusBadge, formatMs, formatTime, toast, toastError, useAsync } from '../components/ui';
import { useLiveFeed } from '../live';
import { navigate } from '../router';

const STATUSES: ExecutionStatus[] = ['processing', 'waiting', 'retry', 'completed', 'failed', 'unknown', 'cancelled'];
const TERMINAL = new Set(['completed', 'failed', 'unknown', 'cancelled']);

/** Executions a job started: a backfill (replay) or an enrolled existing record. */
const OriginTag = ({ replayId, mode }: { replayId: string; mode: ExecutionSummary['replayMode'] }) =>
  mode === 'enroll' ? (
    <span className="tag" data-enrolled title={`an existing record, enrolled by ${replayId}`}>
      enrolled
    </span>
  ) : (
    <span className="tag" data-backfill title={`started by replay ${replayId}`}>
      backfill
    </span>
  );

const Detail = ({ id, canEdit, version }: { id: string; canEdit: boolean; version: number }) => {
  const d = useAsync(() => api.get<ExecutionDetail>(`/api/executions/${id}`), [id, version]);
  const [busy, setBusy] = useState(false);
  if (d.error) return <ErrorBox error={d.error} onRetry={d.reload} />;
  if (!d.data) return <Spinner />;
  const e = d.data;
  const act = async (what: 'retry' | 'cancel') => {
    setBusy(true);
    try {
      await api.post(`/api/executions/${id}/${what}`);
      toast('ok', what === 'retry' ? 'Retry requested; watch it continue here' : 'Cancel requested');
    } catch (err) {
      toastError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="exec-detail" aria-label="Execution detail" data-execution={e.id}>
      <header>
        <h2>
          {e.workflowName ?? 'Workflow'} <StatusBadge status={e.status} /> {e.testRun && <span className="tag">test run</span>}{' '}
          {e.replayId && <OriginTag replayId={e.replayId} mode={e.replayMode} />}
        </h2>
        <p className="muted small">
          {e.id} · trigger {e.triggerType ?? '—'} · started {formatTime(e.startedAt)} · {e.completedAt ? `took ${formatMs(e.executionTimeMs)}` : 'in progress'}
          {e.retryCount > 0 ? ` · ${e.retryCount} automatic retr${e.retryCount === 1 ? 'y' : 'ies'}` : ''}
        </p>
        <div className="row-actions">
          {canEdit && e.status === 'failed' && (
            <button type="button" className="btn btn-primary btn-small" disabled={busy} onClick={() => void act('retry')}>
              Retry
            </button>
          )}
          {canEdit && ['processing', 'waiting', 'retry', 'pending'].includes(e.status) && (
            <button type="button" className="btn btn-danger btn-small" disabled={busy} onClick={() => void act('cancel')}>
              Cancel
            </button>
          )}
          <button type="button" className="btn btn-small btn-ghost" onClick={() => navigate(`/workflows/${e.workflowId}`)}>
            Open workflow
          </button>
        </div>
      </header>
      {e.errorMessage && (
        <p className="error-box" role="note">
          {e.errorMessage}
        </p>
      )}
      <h3>Timeline</h3>
      <StepTimeline steps={e.steps} />
      {e.pendingTimers.length > 0 && (
        <>
          <h3>Waiting</h3>
          <ul>
            {e.pendingTimers.map((t) => (
              <li key={t.id}>
                {t.reason} until {formatTime(t.dueAt)}
              </li>
            ))}
          </ul>
        </>
      )}
      {e.deliveries.length > 0 && (
        <>
          <h3>Deliveries</h3>
          <table className="table compact">
            <thead>
              <tr>
                <th>Step</th>
                <th>Channel</th>
                <th>Status</th>
                <th>Attempts</th>
                <th>Provider id</th>
              </tr>
            </thead>
            <tbody>
              {e.deliveries.map((x) => (
                <tr key={x.stepKey}>
                  <td>{x.stepKey.split(':').slice(1).join(':')}</td>
                  <td>{x.channel}</td>
                  <td>
                    <StatusBadge status={x.status} />
                  </td>
                  <td>{x.attempts}</td>
                  <td className="mono small">{x.providerMessageId ?? x.error ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <details>
        <summary>Trigger data</summary>
        <pre>{JSON.stringify(e.triggerData, null, 2)}</pre>
      </details>
    </section>
  );
};

/** The execution monitor: a live list (SSE, no reload) and the timeline of the selected execution. */
export const Executions = ({ selectedId, canEdit }: { selectedId: string | null; canEdit: boolean }) => {
  const [workflowId, setWorkflowId] = useState('');
  const [status, setStatus] = useState('');
  const workflows = useAsync(() => api.get<{ items: WorkflowSummary[] }>('/api/workflows'), []);
  const qs = new URLSearchParams({ limit: '100', ...(workflowId ? { workflowId } : {}), ...(status ? { status } : {}) }).toString();
  const list = useAsync(() => api.get<{ items: ExecutionSummary[] }>(`/api/executions?${qs}`), [qs]);
  const [detailVersion, setDetailVersion] = useState(0);
  const refresh = useRef<number | null>(null);
  const [flash, setFlash] = useState<Set<string>>(new Set());

  const onEvent = useCallback(
    (ev: LiveEvent) => {
      list.setData((d) => {
        if (!d) return d;
        const items = [...d.items];
        const i = items.findIndex((x) => x.id === ev.executionId);
        const wfName = workflows.data?.items.find((w) => w.id === ev.workflowId)?.name ?? null;
        if (i >= 0)
          items[i] = {
            ...items[i]!,
            status: ev.status,
            ...('durationMs' in ev ? { executionTimeMs: ev.durationMs } : {}),
            ...('error' in ev ? { errorMessage: ev.error.message } : {}),
            ...(ev.kind === 'step_succeeded' || ev.kind === 'step_failed' ? { stepCount: items[i]!.stepCount + 1 } : {}),
          };
        else if ((!workflowId || ev.workflowId === workflowId) && (!status || status.split(',').includes(ev.status)))
          items.unshift({
            id: ev.executionId,
            workflowId: ev.workflowId,
            workflowName: wfName,
            versionId: ev.versionId,
            version: null,
            status: ev.status,
            triggerType: null,
            errorMessage: null,
            retryCount: 0,
            stepCount: 0,
            triggeredAt: null,
            startedAt: ev.at,
            completedAt: null,
            executionTimeMs: null,
            testRun: ev.kind === 'execution_started' && ev.testRun,
            replayId: ev.kind === 'execution_started' ? ev.replayId : null,
            replayMode: null,
            updatedAt: ev.at,
          });
        return { items };
      });
      setFlash((f) => new Set(f).add(ev.executionId));
      setTimeout(
        () =>
          setFlash((f) => {
            const n = new Set(f);
            n.delete(ev.executionId);
            return n;
          }),
        1200,
      );
      // the projection lags the topic a little: reconcile with the API shortly after
      if (refresh.current) window.clearTimeout(refresh.current);
      refresh.current = window.setTimeout(
        () => {
          list.reload();
          setDetailVersion((v) => v + 1);
        },
        TERMINAL.has(ev.status) ? 600 : 1500,
      );
    },
    [list, workflows.data, workflowId, status],
  );
  const feed = useLiveFeed(onEvent);
  useEffect(() => () => void (refresh.current && window.clearTimeout(refresh.current)), []);

  return (
    <div className="page">
      <PageHeader
        title="Executions"
        subtitle={
          <span className={`live live-${feed}`} role="status" data-testid="live-state">
            <span className="live-dot" aria-hidden="true" />{' '}
            {feed === 'live' ? 'Live — updates as they happen' : feed === 'connecting' ? 'Connecting to the live feed…' : 'Live feed offline'}
          </span>
        }
        actions={
          <div className="filters">
            <label>
              Workflow
              <select value={workflowId} onChange={(e) => setWorkflowId(e.target.value)}>
                <option value="">All workflows</option>
                {workflows.data?.items.map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Status
              <select value={status} onChange={(e) => setStatus(e.target.value)}>
                <option value="">Any status</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s === 'processing' ? 'running' : s}
                  </option>
                ))}
              </select>
            </label>
          </div>
        }
      />
      <div className="split">
        <div className="split-list">
          {list.error ? (
            <ErrorBox error={list.error} onRetry={list.reload} />
          ) : !list.data ? (
            <Spinner />
          ) : list.data.items.length === 0 ? (
            <Empty title="No executions yet">
              <p>When a workflow runs, it appears here at once — no need to reload.</p>
            </Empty>
          ) : (
            <table className="table" aria-label="Executions">
              <thead>
                <tr>
                  <th>Workflow</th>
                  <th>Status</th>
                  <th>Steps</th>
                  <th>Started</th>
                  <th>Duration</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((x) => (
                  <tr
                    key={x.id}
                    className={`${x.id === selectedId ? 'selected' : ''}${flash.has(x.id) ? ' flash' : ''}`}
                    data-execution-row={x.id}
                    data-workflow={x.workflowId}
                    data-status={x.status}
                  >
                    <td>
                      <button type="button" className="link" onClick={() => navigate(`/executions/${x.id}`)}>
                        {x.workflowName ?? x.workflowId.slice(0, 8)}
                      </button>
                      {x.testRun && <span className="tag">test</span>}
                      {x.replayId && <OriginTag replayId={x.replayId} mode={x.replayMode} />}
                      {x.errorMessage && x.status === 'failed' && <div className="small error-text">{x.errorMessage}</div>}
                      {x.status === 'unknown' && <div className="small unknown-text">delivery unknown: not sent again, check with the customer</div>}
                    </td>
                    <td>
                      <StatusBadge status={x.status} />
                    </td>
                    <td>{x.stepCount}</td>
                    <td className="small">{formatTime(x.startedAt)}</td>
                    <td className="small">{formatMs(x.executionTimeMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="split-detail">
          {selectedId ? (
            <Detail id={selectedId} canEdit={canEdit} version={detailVersion} />
          ) : (
            <Empty title="Select an execution">Its timeline shows every step, attempt, output and error.</Empty>
          )}
        </div>
      </div>
    </div>
  );
};
