import { isFinishedReplay, type ReplayView } from '@fixlify/contracts';

/** Percent of the planned range read (null until planned). */
export const replayPercent = (r: Pick<ReplayView, 'progress' | 'status'>): number | null => {
  if (r.status === 'completed') return 100;
  if (!r.progress) return null;
  return r.progress.total === 0 ? 100 : Math.min(100, Math.floor((r.progress.read * 100) / r.progress.total));
};

/** The controls an editor may use on a replay in its status (what the API accepts). */
export const replayControls = (r: Pick<ReplayView, 'status' | 'requested'>): ('pause' | 'resume' | 'abort')[] => {
  if (isFinishedReplay(r.status)) return [];
  if (r.status === 'paused') return ['resume', 'abort'];
  return r.requested ? (r.requested === 'abort' ? [] : ['abort']) : ['pause', 'abort'];
};

/** One line of why events did not start: `filter 100 · already executed 20`. */
export const skipSummary = (r: Pick<ReplayView, 'counts'>): string =>
  [...Object.entries(r.counts.skipped), ...Object.entries(r.counts.notMatched)]
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k.replace(/_/g, ' ')} ${n}`)
    .join(' · ');
