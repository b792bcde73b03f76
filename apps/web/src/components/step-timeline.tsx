import type { StepLog } from '../api';
import { StatusBadge, formatMs, formatTime } from './ui';

/** What someone can do about an unknown outcome: the engine cannot know, a person can. */
const UNKNOWN_HINT =
  'A message to a person was on its way when the process stopped, and the provider could not confirm it. It was not sent again so nobody gets it twice: check the provider’s log or with the customer.';

/** The steps of one execution as they ran (the execution monitor and the builder's test run). */
export const StepTimeline = ({ steps }: { steps: StepLog[] }) =>
  steps.length === 0 ? (
    <p className="muted">No step has run yet.</p>
  ) : (
    <ol className="timeline" aria-label="Steps">
      {steps.map((s, i) => (
        <li key={i} className={`tl tl-${s.status}`} data-step={s.stepId}>
          <div className="tl-head">
            <span className="tl-dot" aria-hidden="true" />
            <strong>{s.stepId}</strong> <span className="muted">{s.type}</span> <StatusBadge status={s.status} />
            {s.status === 'skipped' ? (
              <span className="muted small">not run: the record was enrolled after its time ({formatTime(s.dueAt ?? s.startedAt)}) had passed</span>
            ) : (
              <span className="muted small">
                attempt {s.attempt} · {formatMs(s.durationMs)} · {formatTime(s.startedAt)}
                {s.delivery && s.delivery !== 'none' ? ` · ${s.delivery}` : ''}
              </span>
            )}
          </div>
          {s.status === 'unknown' && <p className="unknown-text small">{UNKNOWN_HINT}</p>}
          {s.error && (
            <p className="tl-error">
              <code>{s.error.code}</code> {s.error.message}
            </p>
          )}
          {s.output && Object.keys(s.output).length > 0 && (
            <details className="tl-output">
              <summary>Output</summary>
              <pre>{JSON.stringify(s.output, null, 2)}</pre>
            </details>
          )}
        </li>
      ))}
    </ol>
  );
