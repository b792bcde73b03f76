import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { isFinishedReplay, ReplayList, ReplayView } from '@fixlify/contracts';
import { parseReplayStart, USAGE, UsageError } from './args';
import { ApiClient, ApiFailure } from './client';
import { previewTables } from './report';

/** The summary table of a replay: the counts, and every reason something did not start. */
export const summaryTable = (r: ReplayView): string => {
  const t = new Table({ head: ['', 'events'], colAligns: ['left', 'right'], style: { head: [], border: [] } });
  const started = r.mode === 'run' ? 'started' : 'would start';
  t.push(['scanned (this organization)', r.counts.scanned], ['matched the workflow', r.counts.matched], [started, r.counts.started]);
  for (const [reason, n] of Object.entries(r.counts.skipped)) t.push([`  skipped: ${reason.replace(/_/g, ' ')}`, n]);
  for (const [reason, n] of Object.entries(r.counts.notMatched)) t.push([`  not matched: ${reason.replace(/_/g, ' ')}`, n]);
  if (r.counts.unreadable > 0) t.push(['  unreadable', r.counts.unreadable]);
  const what = r.draft ? `the draft (would be v${r.version})` : `v${r.version}`;
  const head = `replay ${r.id} — ${r.mode === 'run' ? (r.force ? 'run (forced: new executions)' : 'run') : 'dry run'}, workflow ${r.workflowId} ${what}, ${r.from} → ${r.to}: ${r.status}`;
  const report = r.report && r.counts.started + (r.report.compare?.started ?? 0) > 0 ? `\n${previewTables(r.report, r.counts.started)}` : '';
  return `${head}${r.error ? `\n  ${r.error}` : ''}\n${t.toString()}${report}`;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Follows a replay until it ends: a progress bar over the planned events with rate and ETA, then the summary. */
const follow = async (api: ApiClient, id: string, out: NodeJS.WriteStream): Promise<ReplayView> => {
  const bar = new SingleBar({
    format: ' {bar} {percentage}% | {value}/{total} events | {speed} events/s | ETA {eta_formatted} | {started} {startedLabel} | {status}',
    hideCursor: true,
    etaBuffer: 20,
    stream: out,
    noTTYOutput: !out.isTTY,
    notTTYSchedule: 5000,
  });
  let started = false;
  let last: { t: number; read: number } | null = null;
  let speed = 0;
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  try {
    for (;;) {
      const r = await api.get(`/api/replays/${id}`, ReplayView);
      const total = r.progress?.total ?? 0;
      const read = r.progress?.read ?? 0;
      const now = Date.now();
      if (last && now > last.t) speed = Math.round(((read - last.read) * 1000) / (now - last.t));
      last = { t: now, read };
      const payload = {
        speed,
        started: r.counts.started,
        startedLabel: r.mode === 'run' ? 'started' : 'would start',
        status: r.requested ? `${r.status} (${r.requested} requested)` : r.status,
      };
      if (!started && r.progress) {
        bar.start(Math.max(total, 1), read, payload);
        started = true;
      } else if (started) bar.update(read, payload);
      if (isFinishedReplay(r.status) || r.status === 'paused') {
        if (started) {
          bar.update(r.status === 'completed' ? Math.max(total, 1) : read, payload);
          bar.stop();
        }
        return r;
      }
      if (interrupted) {
        if (started) bar.stop();
        out.write(`\nstopped following; the replay goes on. fixlify replay watch ${id} | pause ${id} | abort ${id}\n`);
        return r;
      }
      await sleep(500);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
};

export const run = async (argv: string[], env: NodeJS.ProcessEnv, out: NodeJS.WriteStream): Promise<number> => {
  const [cmd, sub, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    out.write(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd !== 'replay') throw new UsageError(`unknown command ${cmd}`);
  const api = await ApiClient.fromEnv(env);
  switch (sub) {
    case 'list': {
      const wf = rest[0] === '--workflow' || rest[0] === '-w' ? rest[1] : undefined;
      const r = await api.get(`/api/replays${wf ? `?workflowId=${encodeURIComponent(wf)}` : ''}`, ReplayList);
      const t = new Table({ head: ['id', 'workflow', 'mode', 'status', 'scanned', 'started', 'created'], style: { head: [], border: [] } });
      for (const x of r.replays)
        t.push([x.id, `${x.workflowId.slice(0, 8)}… v${x.version}`, x.mode, x.status, x.counts.scanned, x.counts.started, x.createdAt]);
      out.write(`${t.toString()}\n`);
      return 0;
    }
    case 'status':
    case 'watch':
    case 'pause':
    case 'resume':
    case 'abort': {
      const id = rest[0];
      if (!id) throw new UsageError(`fixlify replay ${sub} <replay id>`);
      let r: ReplayView;
      if (sub === 'status') r = await api.get(`/api/replays/${id}`, ReplayView);
      else if (sub === 'watch') r = await follow(api, id, out);
      else r = await api.post(`/api/replays/${id}/${sub}`, {}, ReplayView);
      out.write(`${summaryTable(r)}\n`);
      return r.status === 'failed' || r.status === 'aborted' ? 1 : 0;
    }
    default: {
      const args = parseReplayStart(sub === undefined ? [] : [sub, ...rest], new Date());
      const created = await api.post(`/api/workflows/${args.workflowId}/replays`, args.body, ReplayView);
      out.write(
        `replay ${created.id}: ${created.mode === 'run' ? 'run' : 'dry run'} of workflow ${created.workflowId} v${created.version}, ${created.from} → ${created.to}\n`,
      );
      if (args.detach) return 0;
      const r = await follow(api, created.id, out);
      out.write(`${summaryTable(r)}\n`);
      return r.status === 'failed' || r.status === 'aborted' ? 1 : 0;
    }
  }
};

/** The process entry (bin/fixlify.js): runs, prints errors plainly, exits with the code. */
export const cli = (): void => {
  run(process.argv.slice(2), process.env, process.stdout).then(
    (code) => process.exit(code),
    (e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(`fixlify: ${e.message}\n\n${USAGE}`);
        process.exit(2);
      }
      process.stderr.write(`fixlify: ${e instanceof ApiFailure || e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
};
