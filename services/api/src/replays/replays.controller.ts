import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { CreateReplayBody, ListReplaysQuery, ReplayList, ReplayView } from '@fixlify/contracts';
import type { ReplayControl } from '@fixlify/db';
import { Caller, MinRole } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { idOr404, zod } from '../http/zod.pipe';
import { controlReplayJob } from './control-replay';
import { createReplayJob } from './create-replay';
import { listReplayJobs, showReplayJob } from './list-replays';

/**
 * Replays (backfills): a time range of real events run through a published workflow version, as a
 * dry run that only counts, or a run that starts what is missing. Jobs run in the replay service;
 * these endpoints record, list and steer them.
 */
@Controller('api')
export class ReplaysController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Post('workflows/:id/replays')
  @HttpCode(202)
  @MinRole('editor')
  @Doc({
    summary:
      'Replay a time range of the events log through a published version of the workflow (or, `draft`, the saved draft): `dry_run` (default) is a preview — every execution that would start runs in simulation, nothing is sent, and `report` says what they would do (per step and branch, messages per channel, suppressed, waits, failures, samples; `compareVersion` adds the same for another version); `run` starts only what is missing (events that already produced an execution are skipped and counted), `force` starts new, distinct executions',
    body: CreateReplayBody,
    role: 'editor',
    response: ReplayView,
  })
  async create(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string, @Body(zod(CreateReplayBody)) b: CreateReplayBody): Promise<ReplayView> {
    return createReplayJob(this.deps.pool, {
      organizationId: p.organizationId,
      userId: p.userId,
      workflowId: id,
      body: b,
      maxActive: this.deps.cfg.API_MAX_ACTIVE_REPLAYS_PER_ORG,
      now: new Date(),
    });
  }

  @Get('replays')
  @Doc({ summary: "The organization's replays, newest first (optionally of one workflow)", query: ListReplaysQuery, role: 'viewer', response: ReplayList })
  list(@Caller() p: Principal, @Query(zod(ListReplaysQuery, 'query')) q: ListReplaysQuery): Promise<ReplayList> {
    return listReplayJobs(this.deps.pool, p.organizationId, q);
  }

  @Get('replays/:id')
  @Doc({
    summary: 'One replay: status, counts (scanned, matched, started, skipped and not matched by reason) and progress',
    role: 'viewer',
    response: ReplayView,
  })
  get(@Caller() p: Principal, @Param('id', idOr404('replay')) id: string): Promise<ReplayView> {
    return showReplayJob(this.deps.pool, p.organizationId, id);
  }

  @Post('replays/:id/pause')
  @HttpCode(200)
  @MinRole('editor')
  @Doc({ summary: 'Pause a replay (applied after the chunk in hand); resume goes on from where it stopped', role: 'editor', response: ReplayView })
  async pause(@Caller() p: Principal, @Param('id', idOr404('replay')) id: string): Promise<ReplayView> {
    return this.control(p, id, 'pause');
  }

  @Post('replays/:id/resume')
  @HttpCode(200)
  @MinRole('editor')
  @Doc({ summary: 'Resume a paused replay from its cursor', role: 'editor', response: ReplayView })
  async resume(@Caller() p: Principal, @Param('id', idOr404('replay')) id: string): Promise<ReplayView> {
    return this.control(p, id, 'resume');
  }

  @Post('replays/:id/abort')
  @HttpCode(200)
  @MinRole('editor')
  @Doc({ summary: 'Abort a replay: best effort, what it already started stays started', role: 'editor', response: ReplayView })
  async abort(@Caller() p: Principal, @Param('id', idOr404('replay')) id: string): Promise<ReplayView> {
    return this.control(p, id, 'abort');
  }

  private control(p: Principal, id: string, c: ReplayControl): Promise<ReplayView> {
    return controlReplayJob(this.deps.pool, p.organizationId, id, c);
  }
}
