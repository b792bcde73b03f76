import { useEffect, useRef, useState } from 'react';
import { triggerEntity } from '@fixlify/contracts';
import { api, ApiFailure, type ExecutionDetail } from '../../api';
import { StepTimeline } from '../../components/step-timeline';
import { ErrorBox, StatusBadge, formatMs, toast } from '../../components/ui';
import { navigate } from '../../router';

/** A plausible record of each entity a trigger can start on, to edit before a test run. */
const SAMPLES: Record<string, Record<string, unknown>> = {
  job: { title: 'Replace water heater', status: 'completed', total: 1800, address: '12 Elm St' },
  invoice: { number: 'INV-1001', status: 'sent', amount: 250, amount_paid: 0, currency: 'USD', due_date: '2030-01-15' },
  client: { name: 'Grace Hopper', email: 'grace@example.com', phone: '+15551234567' },
  estimate: { number: 'EST-77', status: 'sent', amount: 900, currency: 'USD' },
};

/** Runs the saved draft once with sample data and follows the execution until it settles. */
export const TestRunDialog = ({
  workflowId,
  triggerType,
  onClose,
  onResult,
}: {
  workflowId: string;
  triggerType: string | undefined;
  onClose: () => void;
  onResult: (d: ExecutionDetail | null) => void;
}) => {
  const entity = triggerEntity(triggerType);
  const [after, setAfter] = useState(() => JSON.stringify(entity ? SAMPLES[entity] : {}, null, 2));
  const [data, setData] = useState('{}');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [detail, setDetail] = useState<ExecutionDetail | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const run = async () => {
    setError(null);
    let a: unknown;
    let d: unknown;
    try {
      a = JSON.parse(after || '{}');
      d = JSON.parse(data || '{}');
    } catch {
      setError('The sample data must be JSON objects.');
      return;
    }
    setRunning(true);
    try {
      const r = await api.post<{ executionId: string; filterMatched: boolean }>(`/api/workflows/${workflowId}/test-run`, {
        ...(entity ? { after: a } : {}),
        data: d,
      });
      if (!r.filterMatched) toast('ok', 'Note: the trigger filter would not match this sample; the steps run anyway.');
      for (let i = 0; i < 120; i++) {
        await new Promise((res) => setTimeout(res, 500));
        const x = await api.get<ExecutionDetail>(`/api/executions/${r.executionId}`).catch((e: unknown) => {
          // the projection may not have the execution yet
          if (e instanceof ApiFailure && e.status === 404) return null;
          throw e;
        });
        if (!x) continue;
        setDetail(x);
        onResult(x);
        if (['completed', 'failed', 'cancelled', 'waiting'].includes(x.status)) break;
      }
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setRunning(false);
    }
  };
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="test-run-title" onClose={onClose}>
      <h2 id="test-run-title">Test run with sample data</h2>
      <p className="muted small">Runs the saved draft once, as if the trigger fired with this record. Real messages are sent to the addresses in the data.</p>
      {entity && (
        <div className="field">
          <label htmlFor="sample-after">Sample {entity} (the trigger's record)</label>
          <textarea id="sample-after" className="mono" rows={7} value={after} onChange={(e) => setAfter(e.target.value)} />
        </div>
      )}
      <div className="field">
        <label htmlFor="sample-data">Extra trigger data (available as trigger.*)</label>
        <textarea id="sample-data" className="mono" rows={3} value={data} onChange={(e) => setData(e.target.value)} />
      </div>
      {error && <ErrorBox error={error} />}
      {detail && (
        <div className="test-result">
          <p>
            Result: <StatusBadge status={detail.status} /> in {formatMs(detail.executionTimeMs)} ·{' '}
            <a
              href={`/executions/${detail.id}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(`/executions/${detail.id}`);
              }}
            >
              open in the monitor
            </a>
          </p>
          <StepTimeline steps={detail.steps} />
        </div>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={() => dialog.current?.close()}>
          Close
        </button>
        <button type="button" className="btn btn-primary" disabled={running} onClick={() => void run()}>
          {running ? 'Running…' : 'Run test'}
        </button>
      </div>
    </dialog>
  );
};
