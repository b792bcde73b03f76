import { parseArgs } from 'node:util';
import { CreateReplayBody, formatIssues, TRIGGER_TYPES, type TriggerType } from '@fixlify/contracts';

/** A usage error: printed with the usage, exit code 2. */
export class UsageError extends Error {}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * A point in time as the CLI takes it: an ISO date-time (`2026-11-25T00:00:00Z`), a date
 * (`2026-11-25`, midnight UTC), `now`, or an offset back from now (`-7d`, `-12h`, `-30m`, `-2w`).
 */
export const parseTime = (value: string, now: Date, flag: string): string => {
  if (value === 'now') return now.toISOString();
  const rel = /^-(\d+)([mhdw])$/.exec(value);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNITS[rel[2]!]!).toISOString();
  const t = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : /T/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(t)) throw new UsageError(`--${flag} ${value}: expected an ISO date-time, a date (YYYY-MM-DD), now, or -<n>m|h|d|w`);
  return new Date(t).toISOString();
};

const list = (v: string | undefined): string[] | undefined =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);

export interface ReplayStartArgs {
  workflowId: string;
  body: CreateReplayBody;
  detach: boolean;
}

/** `fixlify replay --workflow … --from … [--to …] [--run [--force]] …` → the API request. */
export const parseReplayStart = (argv: string[], now: Date): ReplayStartArgs => {
  // `--from -7d`: node's parseArgs refuses an option value that starts with a dash; glue it on
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if ((a === '--from' || a === '--to') && next !== undefined && /^-\d+[mhdw]$/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      workflow: { type: 'string', short: 'w' },
      from: { type: 'string' },
      to: { type: 'string' },
      run: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      version: { type: 'string' },
      draft: { type: 'boolean', default: false },
      'compare-version': { type: 'string' },
      'trigger-type': { type: 'string' },
      entity: { type: 'string' },
      where: { type: 'string' },
      rate: { type: 'string' },
      detach: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (!values.workflow) throw new UsageError('--workflow <id> is required');
  if (!values.from) throw new UsageError('--from <time> is required');
  if (values.run && values['dry-run']) throw new UsageError('--run and --dry-run exclude each other');
  const triggerTypes = list(values['trigger-type']);
  for (const t of triggerTypes ?? [])
    if (!(TRIGGER_TYPES as readonly string[]).includes(t)) throw new UsageError(`--trigger-type ${t}: one of ${TRIGGER_TYPES.join(', ')}`);
  let condition: unknown;
  if (values.where !== undefined) {
    try {
      condition = JSON.parse(values.where);
    } catch {
      throw new UsageError(`--where: not JSON (a condition of the filter language, e.g. '{"field":"after.total","op":"gt","value":100}')`);
    }
  }
  const raw = {
    from: parseTime(values.from, now, 'from'),
    to: parseTime(values.to ?? 'now', now, 'to'),
    mode: values.run ? 'run' : 'dry_run',
    force: values.force,
    ...(values.version !== undefined ? { version: Number(values.version) } : {}),
    draft: values.draft,
    ...(values['compare-version'] !== undefined ? { compareVersion: Number(values['compare-version']) } : {}),
    filters: {
      ...(triggerTypes ? { triggerTypes: triggerTypes as TriggerType[] } : {}),
      ...(values.entity !== undefined ? { entityIds: list(values.entity) } : {}),
      ...(condition !== undefined ? { condition } : {}),
    },
    ...(values.rate !== undefined ? { ratePerSecond: Number(values.rate) } : {}),
  };
  const parsed = CreateReplayBody.safeParse(raw);
  if (!parsed.success) throw new UsageError(formatIssues(parsed.error));
  return { workflowId: values.workflow, body: parsed.data, detach: values.detach };
};

export const USAGE = `fixlify — command line of Fixlify Automation

  fixlify replay --workflow <id> --from <time> [--to <time>] [options]
      Replay a time range of real events through a published workflow. Without --run it is a
      dry run, a preview: every execution that would start runs in simulation (nothing is sent or
      written) and the report says what they would do — per step and branch, messages per channel,
      suppressed, waits, failures, samples.
        --run               start what is missing (events that already produced an execution are skipped)
        --force             with --run: start new, distinct executions even where one exists
        --version <n>       the published version to replay (default: the one that runs now)
        --draft             dry run of the saved draft (before publishing it)
        --compare-version <n>  dry run: also run the events through version n and show the difference
        --trigger-type <t>  only events of these trigger types (comma-separated)
        --entity <ids>      only events of these records (comma-separated ids)
        --where <json>      an extra condition in the filter language
        --rate <n>          starts per second (default 500)
        --detach            print the replay id and return instead of following it
      Times: ISO date-time, YYYY-MM-DD (midnight UTC), now, or -<n>m|h|d|w (e.g. -7d).
  fixlify replay list [--workflow <id>]
  fixlify replay status|watch|pause|resume|abort <replay id>

  Environment: FIXLIFY_API_URL (default http://127.0.0.1:8080), and either FIXLIFY_API_KEY (an API
  key, fx_…, from POST /api/api-keys) or FIXLIFY_EMAIL and FIXLIFY_PASSWORD (the CLI signs in as that
  user; the local demo: demo@fixlify.local / fixlify-demo).
`;
