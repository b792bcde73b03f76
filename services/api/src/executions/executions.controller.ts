import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { CancelResult, ExecutionDetail, ExecutionList, ExecutionsQuery, RetryResult } from '@fixlify/contracts';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { idOr404, zod } from '../http/zod.pipe';
import { cancelExecution } from './cancel-execution';
import { listExecutions } from './list-executions';
import { retryExecution } from './retry-execution';
import { showExecution } from './show-execution';

@Controller('api/executions')
export class ExecutionsController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({
    summary: 'Executions, newest first, filtered by workflow, status (comma-separated) and time',
    query: ExecutionsQuery,
    role: 'viewer',
    response: ExecutionList,
  })
  list(@Caller() p: Principal, @Query(zod(ExecutionsQuery, 'query')) q: ExecutionsQuery): Promise<ExecutionList> {
    return listExecutions(this.deps.pool, p.organizationId, q);
  }

  @Get(':id')
  @Doc({
    summary: 'One execution with its step timeline (attempts, outputs, errors), deliveries and pending timers',
    role: 'viewer',
    response: ExecutionDetail,
  })
  get(@Caller() p: Principal, @Param('id', idOr404('execution')) id: string): Promise<ExecutionDetail> {
    return showExecution(this.deps.pool, p.organizationId, id);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @Doc({ summary: 'Retry a failed execution from where it failed (a resume command, reason manual_retry)', role: 'editor', response: RetryResult })
  retry(@Caller() p: Principal, @Param('id', idOr404('execution')) id: string): Promise<RetryResult> {
    return retryExecution(this.deps, p.organizationId, id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @Doc({ summary: 'Cancel a running or waiting execution (pending timers are dropped)', role: 'editor', response: CancelResult })
  cancel(@Caller() p: Principal, @Param('id', idOr404('execution')) id: string): Promise<CancelResult> {
    return cancelExecution(this.deps, p, id);
  }
}
