import {
  MAX_PREVIEW_FAILURES,
  MAX_PREVIEW_SAMPLES,
  type PreviewReport,
  type PreviewSample,
  type PreviewTotals,
  type StartCommand,
  type StepResult,
} from '@fixlify/contracts';
import type { SimulatedExecution } from './simulate';

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Adds one simulated execution into the totals (in place). Counts come from the engine's results —
 * the same results a real run writes — so a preview and the run that follows count alike.
 */
export const foldSimulation = (t: PreviewTotals, sim: SimulatedExecution): void => {
  t.simulated++;
  if (sim.state === 'completed') t.completed++;
  else if (sim.state === 'failed') t.failed++;
  else t.waiting++;
  for (const r of sim.results) {
    if (r.kind === 'step_succeeded' || r.kind === 'step_failed') {
      const s = (t.steps[r.stepId] ??= { type: r.stepType, reached: 0, succeeded: 0, failed: 0 });
      if (r.kind === 'step_failed' && r.retryAt !== null) continue;
      s.reached++;
      if (r.kind === 'step_failed') {
        s.failed++;
        const f = t.failures.find((x) => x.stepId === r.stepId && x.code === r.error.code);
        if (f) f.count++;
        else t.failures.push({ stepId: r.stepId, code: r.error.code, message: cut(r.error.message, 500), count: 1 });
        continue;
      }
      s.succeeded++;
      if (r.stepType === 'condition') {
        s.branches ??= { true: 0, false: 0 };
        if (r.output.result === true) s.branches.true++;
        else s.branches.false++;
      }
      if (r.channel && (r.delivery === 'delivered' || r.delivery === 'suppressed')) {
        const c = (t.channels[r.channel] ??= { sent: 0, suppressed: 0 });
        if (r.delivery === 'delivered') c.sent++;
        else {
          c.suppressed++;
          const reason = typeof r.output.reason === 'string' ? r.output.reason : 'suppressed';
          t.suppressedReasons[reason] = (t.suppressedReasons[reason] ?? 0) + 1;
        }
      }
    } else if (r.kind === 'execution_waiting') {
      const w = (t.waits[r.reason] ??= { count: 0, first: r.until, last: r.until });
      w.count++;
      if (r.until < w.first) w.first = r.until;
      if (r.until > w.last) w.last = r.until;
    }
  }
  // the most frequent first, at most MAX_PREVIEW_FAILURES kinds (a kind already listed keeps counting)
  t.failures.sort((a, b) => b.count - a.count || a.stepId.localeCompare(b.stepId));
  if (t.failures.length > MAX_PREVIEW_FAILURES) t.failures.length = MAX_PREVIEW_FAILURES;
};

/** One execution as a sample: its steps in order, the messages it would send and its waits. */
export const previewSample = (cmd: StartCommand, sim: SimulatedExecution): PreviewSample => ({
  executionId: cmd.executionId,
  eventId: cmd.event.eventId,
  entityId: cmd.event.entityId ?? null,
  state: sim.state,
  steps: sim.results
    .filter((r): r is Extract<StepResult, { kind: 'step_succeeded' | 'step_failed' }> => r.kind === 'step_succeeded' || r.kind === 'step_failed')
    .map((r) =>
      r.kind === 'step_failed'
        ? { stepId: r.stepId, type: r.stepType, outcome: 'failed' as const, detail: cut(`${r.error.code}: ${r.error.message}`, 500) }
        : r.delivery === 'suppressed'
          ? { stepId: r.stepId, type: r.stepType, outcome: 'suppressed' as const, detail: cut(typeof r.output.reason === 'string' ? r.output.reason : '', 500) }
          : r.stepType === 'condition'
            ? { stepId: r.stepId, type: r.stepType, outcome: 'succeeded' as const, detail: `went ${r.output.result === true ? 'true' : 'false'}` }
            : { stepId: r.stepId, type: r.stepType, outcome: 'succeeded' as const },
    ),
  messages: sim.messages.map((m) => ({
    stepId: m.stepId,
    channel: m.channel,
    to: cut(m.to, 500),
    ...(m.subject !== undefined ? { subject: cut(m.subject, 1000) } : {}),
    ...(m.body !== undefined ? { body: cut(m.body, 2000) } : {}),
    ...(m.suppressed !== undefined ? { suppressed: cut(m.suppressed, 500) } : {}),
  })),
  waits: sim.waits,
});

/** Folds one simulated execution into a report and keeps it as a sample while there is room. */
export const addToPreview = (report: PreviewReport, cmd: StartCommand, sim: SimulatedExecution): void => {
  foldSimulation(report, sim);
  if (report.samples.length < MAX_PREVIEW_SAMPLES) report.samples.push(previewSample(cmd, sim));
};
