import { useEffect, useRef, useState } from 'react';
import { isFinishedReplay, type ReplayView } from '@fixlify/contracts';
import { api } from '../../api';
import { PreviewReportView } from '../../components/preview-report';
import { ErrorBox, Spinner } from '../../components/ui';
import { replayPercent } from '../../history/replay-view';

const DAYS = 7;

/**
 * "Preview on the last 7 days": the saved draft run over the last week of real events in
 * simulation (a dry-run replay of the draft; nothing is sent), compared with the published version
 * when there is one. Polls the job until it ends.
 */
export const PreviewDialog = ({ workflowId, publishedVersion, onClose }: { workflowId: string; publishedVersion: number | null; onClose: () => void }) => {
  const [job, setJob] = useState<ReplayView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => {
    let stop = false;
    const to = new Date();
    const from = new Date(to.getTime() - DAYS * 86_400_000);
    void (async () => {
      try {
        let j = await api.post<ReplayView>(`/api/workflows/${workflowId}/replays`, {
          from: from.toISOString(),
          to: to.toISOString(),
          mode: 'dry_run',
          draft: true,
          ...(publishedVersion ? { compareVersion: publishedVersion } : {}),
        });
        setJob(j);
        while (!stop && !isFinishedReplay(j.status)) {
          await new Promise((r) => setTimeout(r, 700));
          j = await api.get<ReplayView>(`/api/replays/${j.id}`);
          if (!stop) setJob(j);
        }
      } catch (e) {
        if (!stop) setError(e);
      }
    })();
    return () => {
      stop = true;
    };
  }, [workflowId, publishedVersion]);
  const pct = job ? replayPercent(job) : null;
  return (
    <dialog ref={dialog} className="dialog wide" aria-labelledby="preview-title" onClose={onClose}>
      <h2 id="preview-title">Preview on the last {DAYS} days</h2>
      <p className="muted small">
        The saved draft, run over the real events of the last {DAYS} days in simulation: conditions, templates, consent and quiet hours are evaluated as they
        would be now; nothing is sent and nothing is written.
        {publishedVersion ? ` Compared with the published v${publishedVersion}.` : ''}
      </p>
      {error ? (
        <ErrorBox error={error} />
      ) : !job || !isFinishedReplay(job.status) ? (
        <Spinner label={pct === null ? 'Starting the preview…' : `Reading the last ${DAYS} days… ${pct} %`} />
      ) : job.status !== 'completed' ? (
        <ErrorBox error={new Error(job.error ?? `the preview ${job.status}`)} />
      ) : (
        <>
          <p className="small">
            {job.counts.scanned} events read, {job.counts.matched} matched the trigger.
          </p>
          {job.report ? <PreviewReportView report={job.report} started={job.counts.started} /> : null}
        </>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
};
