import { previewDiff, type PreviewReport } from '@fixlify/contracts';
import { formatTime } from './ui';

/**
 * What a preview (a dry-run replay) says the executions that would start would do: how they end,
 * per step and branch, messages per channel, suppressed, waits, failures, the difference against
 * another version and a few samples with their rendered messages. One report, also printed by the CLI.
 */
export const PreviewReportView = ({ report: r, started }: { report: PreviewReport; started: number }) => {
  const channels = Object.entries(r.channels);
  const waits = Object.entries(r.waits);
  const diff = previewDiff(r, started);
  return (
    <div className="preview-report" data-testid="preview-report">
      <p>
        <strong data-preview-started>{started}</strong> execution{started === 1 ? '' : 's'} would start: {r.completed} would complete, {r.failed} would fail
        {r.waiting > 0 ? `, ${r.waiting} still waiting when the preview stopped following them` : ''}.
      </p>
      {channels.length > 0 && (
        <table className="table compact" aria-label="Messages per channel">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Would send</th>
              <th>Suppressed</th>
            </tr>
          </thead>
          <tbody>
            {channels.map(([ch, c]) => (
              <tr key={ch} data-channel={ch}>
                <td>{ch}</td>
                <td data-sent>{c.sent}</td>
                <td>{c.suppressed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {Object.entries(r.suppressedReasons).map(([reason, n]) => (
        <div key={reason} className="small muted">
          held back: {reason} × {n}
        </div>
      ))}
      {Object.keys(r.steps).length > 0 && (
        <table className="table compact" aria-label="Per step">
          <thead>
            <tr>
              <th>Step</th>
              <th>Ran</th>
              <th>Failed</th>
              <th>True / false</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(r.steps).map(([id, s]) => (
              <tr key={id}>
                <td>
                  {id} <span className="muted small">{s.type}</span>
                </td>
                <td>{s.reached}</td>
                <td>{s.failed}</td>
                <td>{s.branches ? `${s.branches.true} / ${s.branches.false}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {waits.map(([reason, w]) => (
        <div key={reason} className="small">
          {w.count} would wait for {reason.replace(/_/g, ' ')}, ending {formatTime(w.first)}
          {w.last !== w.first ? ` – ${formatTime(w.last)}` : ''}
        </div>
      ))}
      {r.failures.map((f) => (
        <div key={`${f.stepId}:${f.code}`} className="small error">
          {f.stepId}: {f.code} × {f.count} — {f.message}
        </div>
      ))}
      {diff.length > 0 && (
        <table className="table compact" aria-label={`Compared with v${r.compare?.version}`}>
          <thead>
            <tr>
              <th>Compared with v{r.compare?.version}</th>
              <th>This</th>
              <th>v{r.compare?.version}</th>
              <th>Δ</th>
            </tr>
          </thead>
          <tbody>
            {diff.map((d) => (
              <tr key={d.what}>
                <td>{d.what}</td>
                <td>{d.previewed}</td>
                <td>{d.other}</td>
                <td>{d.delta > 0 ? `+${d.delta}` : d.delta}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.samples.length > 0 && (
        <details>
          <summary>
            {r.samples.length} sample execution{r.samples.length === 1 ? '' : 's'}
          </summary>
          {r.samples.map((s) => (
            <div key={s.executionId} className="preview-sample small">
              <div>
                record {s.entityId ?? '—'}: <strong>{s.state}</strong>
              </div>
              <ul>
                {s.steps.map((st, i) => (
                  <li key={i}>
                    {st.stepId} ({st.type}): {st.outcome}
                    {st.detail ? ` — ${st.detail}` : ''}
                  </li>
                ))}
                {s.messages.map((m, i) => (
                  <li key={`m${i}`} data-sample-message>
                    {m.channel} → {m.to}
                    {m.suppressed ? ` [held back: ${m.suppressed}]` : ''}
                    {m.subject ? ` · ${m.subject}` : ''}
                    {m.body ? ` · ${m.body}` : ''}
                  </li>
                ))}
                {s.waits.map((w, i) => (
                  <li key={`w${i}`}>
                    waits ({w.reason.replace(/_/g, ' ')}) at {w.stepId} until {formatTime(w.until)}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </details>
      )}
    </div>
  );
};
