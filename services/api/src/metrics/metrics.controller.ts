import { Controller, Get, Inject, Query } from '@nestjs/common';
import { MetricsQuery, MetricsSeries, MetricsSummary } from '@fixlify/contracts';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { zod } from '../http/zod.pipe';
import { readMetricsSeries, readMetricsSummary } from './read-metrics';

/** Reads the automation_metrics projection (per workflow, per hour and day). */
@Controller('api/metrics')
export class MetricsController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get('series')
  @Doc({
    summary: 'Executions, success rate, durations and messages by channel over time (all workflows or one)',
    query: MetricsQuery,
    role: 'viewer',
    response: MetricsSeries,
  })
  series(@Caller() p: Principal, @Query(zod(MetricsQuery, 'query')) q: MetricsQuery): Promise<MetricsSeries> {
    return readMetricsSeries(this.deps.pool, p.organizationId, q);
  }

  @Get('summary')
  @Doc({ summary: 'Totals over a time range, overall and per workflow', query: MetricsQuery, role: 'viewer', response: MetricsSummary })
  summary(@Caller() p: Principal, @Query(zod(MetricsQuery, 'query')) q: MetricsQuery): Promise<MetricsSummary> {
    return readMetricsSummary(this.deps.pool, p.organizationId, q);
  }
}
