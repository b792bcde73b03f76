import { z } from 'zod';
import { MAX_REPLAY_RATE, ReplayCounts, ReplayFilters, ReplayMode, ReplayStatus } from '../history';
import { PreviewReport } from '../preview';

/** The longest range one replay may cover (a year): longer backfills are several jobs. */
export const MAX_REPLAY_RANGE_DAYS = 366;
export const DEFAULT_REPLAY_RATE = 500;

/** POST /api/workflows/:id/replays — replay (backfill) a time range of real events through a workflow. */
export const CreateReplayBody = z
  .object({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    /** dry_run (the default) sends nothing and counts; run starts what is missing */
    mode: ReplayMode.default('dry_run'),
    /** run only: start new, distinct executions even for events that already produced one */
    force: z.boolean().default(false),
    /** the published version to replay (default: the one that runs now) */
    version: z.number().int().min(1).optional(),
    /** dry run only: preview the saved draft instead of a published version (before publishing it) */
    draft: z.boolean().default(false),
    /** dry run only: also run the events through this published version, to compare with */
    compareVersion: z.number().int().min(1).optional(),
    filters: ReplayFilters.default({}),
    /** starts per second (run mode) */
    ratePerSecond: z.number().int().min(1).max(MAX_REPLAY_RATE).default(DEFAULT_REPLAY_RATE),
  })
  .strict()
  .refine((b) => new Date(b.from) < new Date(b.to), { message: '`from` must be before `to`', path: ['to'] })
  .refine((b) => new Date(b.to).getTime() - new Date(b.from).getTime() <= MAX_REPLAY_RANGE_DAYS * 86_400_000, {
    message: `a replay covers at most ${MAX_REPLAY_RANGE_DAYS} days`,
    path: ['from'],
  })
  .refine((b) => !b.force || b.mode === 'run', { message: '`force` applies to `run` only', path: ['force'] })
  .refine((b) => !b.draft || b.mode === 'dry_run', { message: 'a draft can only be previewed (`dry_run`): publish it to run it', path: ['draft'] })
  .refine((b) => !(b.draft && b.version !== undefined), { message: '`draft` and `version` name different things: give one', path: ['version'] })
  .refine((b) => b.compareVersion === undefined || b.mode === 'dry_run', { message: '`compareVersion` applies to `dry_run` only', path: ['compareVersion'] });
export type CreateReplayBody = z.infer<typeof CreateReplayBody>;

export const ReplayView = z.object({
  id: z.uuid(),
  workflowId: z.uuid(),
  versionId: z.uuid(),
  version: z.number().int(),
  mode: ReplayMode,
  force: z.boolean(),
  from: z.string(),
  to: z.string(),
  filters: ReplayFilters,
  ratePerSecond: z.number().int(),
  status: ReplayStatus,
  /** a pause or abort asked for and not yet applied by the runner */
  requested: z.enum(['pause', 'abort']).nullable(),
  error: z.string().nullable(),
  counts: ReplayCounts,
  /** a preview of the saved draft (the version it would be when published) */
  draft: z.boolean(),
  /** the version compared with, if any */
  compareVersion: z.number().int().nullable(),
  /** a dry run's preview: what the executions that would start would do (null for a run) */
  report: PreviewReport.nullable(),
  /** events of the topic range (all organizations' events share it) read so far, and in all; null until planned */
  progress: z.object({ read: z.number().int(), total: z.number().int() }).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type ReplayView = z.infer<typeof ReplayView>;

export const ReplayList = z.object({ replays: z.array(ReplayView) });
export type ReplayList = z.infer<typeof ReplayList>;

export const ListReplaysQuery = z.object({ workflowId: z.uuid().optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();
export type ListReplaysQuery = z.infer<typeof ListReplaysQuery>;
