import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ExplainQuery, Explanation } from '@fixlify/contracts';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { zod } from '../http/zod.pipe';
import { explainRecord } from './explain-record';

/** "Why did or didn't this fire?" — from the log, for one record of the caller's organization. */
@Controller('api/explain')
export class ExplainController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({
    summary:
      "Why did or didn't the workflows fire for a record: each of its events in the range, and for each workflow of that trigger type whether it started (the execution, suppressed steps, pending waits) or why not (the filter that failed with the value, not published yet, switched off, once per record, loop protection, not indexed)",
    query: ExplainQuery,
    response: Explanation,
    role: 'viewer',
  })
  async explain(@Caller() p: Principal, @Query(zod(ExplainQuery, 'query')) q: ExplainQuery): Promise<Explanation> {
    return explainRecord({
      pool: this.deps.pool,
      readEvents: this.deps.readEvents,
      organizationId: p.organizationId,
      q,
      maxDepth: this.deps.cfg.MATCHER_MAX_CAUSATION_DEPTH,
      now: new Date(),
    });
  }
}
