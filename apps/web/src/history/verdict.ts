import type { WorkflowVerdict } from '@fixlify/contracts';

const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

/** One sentence a business owner reads for a workflow's verdict on an event. */
export const verdictText = (v: WorkflowVerdict): string => {
  if (v.outcome === 'started') {
    const extra = [
      v.suppressedSteps.length ? `held back by consent: ${v.suppressedSteps.join(', ')}` : '',
      ...v.waiting.map((w) => `waiting (${w.reason ?? 'delay'}) until ${new Date(w.until).toLocaleString()}`),
    ].filter(Boolean);
    return `Started (version ${v.version ?? '?'}, ${v.executionStatus ?? 'unknown status'})${extra.length ? ` — ${extra.join('; ')}` : ''}`;
  }
  if (v.reason === 'filter' && v.failed)
    return `Did not start: its filter wants ${v.failed.negated ? 'not ' : ''}${v.failed.field} ${v.failed.op}${v.failed.expected !== undefined ? ` ${show(v.failed.expected)}` : ''}, the record had ${show(v.failed.actual)}`;
  return `Did not start: ${v.detail ?? v.reason ?? 'unknown'}`;
};
