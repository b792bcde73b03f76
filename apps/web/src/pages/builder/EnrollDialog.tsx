import { useEffect, useRef, useState } from 'react';
import { isEnrollableTrigger, isFinishedReplay, type TriggerType } from '@fixlify/contracts';
import { api, type ReplayView } from '../../api';
import { ErrorBox, toast } from '../../components/ui';
import { navigate } from '../../router';

/** Whether switching a workflow on (or publishing it) asks about the records that already meet its trigger. */
export const offersEnrollment = (w: { isActive: boolean; triggerType: string | null } | null): boolean =>
  !!w && w.isActive && !!w.triggerType && isEnrollableTrigger(w.triggerType as TriggerType);

/** What the dry run found, in the owner's words. */
export const enrollSummary = (r: ReplayView): string => {
  const already = Object.values(r.counts.skipped).reduce((a, b) => a + b, 0);
  const filtered = Object.values(r.counts.notMatched).reduce((a, b) => a + b, 0);
  const record = (n: number) => `${n} record${n === 1 ? '' : 's'}`;
  const parts = [
    `${record(r.counts.started)} already meet${r.counts.started === 1 ? 's' : ''} the trigger and would start now, each at the step its age implies`,
  ];
  if (filtered > 0) parts.push(`${record(filtered)} of that kind do not pass the trigger's filter`);
  if (already > 0) parts.push(`${record(already)} were enrolled before`);
  return `${parts.join('; ')}.`;
};

/**
 * Shown when a workflow whose trigger is about records is switched on or published: a dry-run
 * enrollment counts the records that already meet the trigger (polled until it ends), and the owner
 * chooses to enroll them or to let only new ones start the workflow.
 */
export const EnrollDialog = ({ workflowId, onClose }: { workflowId: string; onClose: () => void }) => {
  const dialog = useRef<HTMLDialogElement>(null);
  const [count, setCount] = useState<ReplayView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    dialog.current?.showModal();
    let stopped = false;
    void (async () => {
      try {
        let r = await api.post<ReplayView>(`/api/workflows/${workflowId}/enrollments`, { dryRun: true });
        while (!stopped && !isFinishedReplay(r.status)) {
          setCount(r);
          await new Promise((res) => setTimeout(res, 700));
          r = await api.get<ReplayView>(`/api/replays/${r.id}`);
        }
        if (stopped) return;
        setCount(r);
        // nothing to ask about: the dialog goes away by itself
        if (r.status === 'completed' && r.counts.started === 0 && r.counts.scanned === 0) dialog.current?.close();
      } catch (e) {
        if (!stopped) setError(e);
      }
    })();
    return () => {
      stopped = true;
    };
  }, [workflowId]);
  const enroll = async () => {
    setBusy(true);
    try {
      await api.post<ReplayView>(`/api/workflows/${workflowId}/enrollments`, { dryRun: false });
      toast('ok', `Enrolling ${count?.counts.started ?? 0} existing records: follow it under Replays`);
      dialog.current?.close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const done = count !== null && isFinishedReplay(count.status);
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="enroll-title" onClose={onClose} data-testid="enroll-dialog">
      <h2 id="enroll-title">Enroll existing records?</h2>
      {error !== null && <ErrorBox error={error} />}
      {!done && error === null && (
        <p role="status" aria-live="polite">
          Counting the records that already meet the trigger… {count ? `${count.counts.scanned} read` : ''}
        </p>
      )}
      {done && count.status !== 'completed' && <ErrorBox error={count.error ?? `the count ended ${count.status}`} />}
      {done && count.status === 'completed' && (
        <p role="status" data-enrollable={count.counts.started}>
          {enrollSummary(count)}
        </p>
      )}
      <p className="muted small">
        A record whose delays have passed starts at the step it would be at by now; the steps whose time has passed are recorded as skipped. New records start
        the workflow either way.{' '}
        <a
          href="/replays"
          onClick={(e) => {
            e.preventDefault();
            navigate('/replays');
          }}
        >
          Replays
        </a>{' '}
        lists the enrollments.
      </p>
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={() => dialog.current?.close()}>
          Only new ones
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy || !done || count.status !== 'completed' || count.counts.started === 0}
          onClick={() => void enroll()}
        >
          {busy ? 'Enrolling…' : `Enroll them${done && count.status === 'completed' ? ` (${count.counts.started})` : ''}`}
        </button>
      </div>
    </dialog>
  );
};
