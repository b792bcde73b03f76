import Table from 'cli-table3';
import { previewDiff, type PreviewReport } from '@fixlify/contracts';

const table = (head: string[]): Table.Table =>
  new Table({ head, colAligns: ['left', ...head.slice(1).map(() => 'right' as const)], style: { head: [], border: [] } });

/**
 * A dry run's preview as text: what the executions that would start would do. The same numbers the
 * web app shows (one report, libs/contracts preview.ts).
 */
export const previewTables = (r: PreviewReport, started: number): string => {
  const parts: string[] = [];
  const ends = table(['simulated executions', 'n']);
  ends.push(['would complete', r.completed], ['would fail', r.failed]);
  if (r.waiting > 0) ends.push(['still waiting when the preview stopped following', r.waiting]);
  parts.push(ends.toString());
  const steps = table(['step', 'type', 'ran', 'ok', 'failed', 'true', 'false']);
  for (const [id, s] of Object.entries(r.steps)) steps.push([id, s.type, s.reached, s.succeeded, s.failed, s.branches?.true ?? '', s.branches?.false ?? '']);
  if (steps.length > 0) parts.push(steps.toString());
  const channels = table(['channel', 'would send', 'suppressed']);
  for (const [ch, c] of Object.entries(r.channels)) channels.push([ch, c.sent, c.suppressed]);
  if (channels.length > 0) parts.push(channels.toString());
  for (const [reason, n] of Object.entries(r.suppressedReasons)) parts.push(`  suppressed: ${reason} × ${n}`);
  const waits = table(['would wait for', 'executions', 'first ends', 'last ends']);
  for (const [reason, w] of Object.entries(r.waits)) waits.push([reason.replace(/_/g, ' '), w.count, w.first, w.last]);
  if (waits.length > 0) parts.push(waits.toString());
  if (r.failures.length > 0) {
    const f = table(['failure', 'step', 'n']);
    for (const x of r.failures) f.push([`${x.code}: ${x.message.slice(0, 80)}`, x.stepId, x.count]);
    parts.push(f.toString());
  }
  if (r.compare) {
    const d = table(['compared with', 'this', `v${r.compare.version}`, 'Δ']);
    for (const row of previewDiff(r, started)) d.push([row.what, row.previewed, row.other, row.delta > 0 ? `+${row.delta}` : String(row.delta)]);
    parts.push(d.toString());
  }
  for (const s of r.samples) {
    const lines = [`sample ${s.executionId} (record ${s.entityId ?? '—'}): ${s.state}`];
    for (const st of s.steps) lines.push(`  ${st.stepId} (${st.type}): ${st.outcome}${st.detail ? ` — ${st.detail}` : ''}`);
    for (const m of s.messages)
      lines.push(
        `  ${m.channel} → ${m.to}${m.suppressed ? ` [held back: ${m.suppressed}]` : ''}${m.subject ? ` | ${m.subject}` : ''}${m.body ? ` | ${m.body.slice(0, 160)}` : ''}`,
      );
    for (const w of s.waits) lines.push(`  waits (${w.reason}) at ${w.stepId} until ${w.until}`);
    parts.push(lines.join('\n'));
  }
  return parts.join('\n');
};
