import type { MetricsPoint } from '@fixlify/contracts';

export interface MetricsRowIn {
  periodStart: Date | string;
  totalExecutions: number;
  successfulExecutions: number;
  failedExecutions: number;
  totalExecutionTimeMs: number | string;
  emailsSent: number;
  smsSent: number;
  pushSent: number;
  webhooksSent: number;
  suppressedMessages: number;
  backfilledExecutions: number;
  backfilledSuccessful: number;
  backfilledFailed: number;
  backfilledMessages: number;
  durationHistogram: Record<string, number>;
}

const BUCKET_ORDER = (k: string): number => (k === 'inf' ? Number.POSITIVE_INFINITY : Number(k));

/** p95 over merged histograms (bucket upper bound in ms → count), as the metrics projection computes it per row. */
export const p95OfHistogram = (h: Record<string, number>): number => {
  const keys = Object.keys(h).sort((a, b) => BUCKET_ORDER(a) - BUCKET_ORDER(b));
  const total = keys.reduce((s, k) => s + (h[k] ?? 0), 0);
  if (total === 0) return 0;
  let seen = 0;
  for (const k of keys) {
    seen += h[k] ?? 0;
    if (seen >= 0.95 * total) return k === 'inf' ? 86_400_000 : Number(k);
  }
  return 0;
};

/** Rows of several workflows → one point per period (sums; averages weighted; p95 from the merged histograms). */
export const mergeSeries = (rows: MetricsRowIn[]): MetricsPoint[] => {
  const acc = new Map<string, { p: MetricsPoint; timeMs: number; hist: Record<string, number> }>();
  for (const r of rows) {
    const key = new Date(r.periodStart).toISOString();
    let a = acc.get(key);
    if (!a) {
      a = {
        p: {
          periodStart: key,
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
        timeMs: 0,
        hist: {},
      };
      acc.set(key, a);
    }
    a.p.total += r.totalExecutions;
    a.p.successful += r.successfulExecutions;
    a.p.failed += r.failedExecutions;
    a.timeMs += Number(r.totalExecutionTimeMs);
    a.p.emails += r.emailsSent;
    a.p.sms += r.smsSent;
    a.p.push += r.pushSent;
    a.p.webhooks += r.webhooksSent;
    a.p.suppressed += r.suppressedMessages;
    a.p.backfilled.total += r.backfilledExecutions;
    a.p.backfilled.successful += r.backfilledSuccessful;
    a.p.backfilled.failed += r.backfilledFailed;
    a.p.backfilled.messages += r.backfilledMessages;
    for (const [k, v] of Object.entries(r.durationHistogram ?? {})) a.hist[k] = (a.hist[k] ?? 0) + v;
  }
  return [...acc.values()]
    .map(({ p, timeMs, hist }) => {
      const finished = p.successful + p.failed;
      return {
        ...p,
        successRate: finished > 0 ? p.successful / finished : null,
        avgMs: finished > 0 ? Math.round(timeMs / finished) : 0,
        p95Ms: p95OfHistogram(hist),
      };
    })
    .sort((a, b) => a.periodStart.localeCompare(b.periodStart));
};
