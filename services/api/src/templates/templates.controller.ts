import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { InstantiateBody, RateBody, RatedTemplate, TemplateDetail, TemplateList, TemplateListQuery, WorkflowDetail } from '@fixlify/contracts';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { zod } from '../http/zod.pipe';
import { instantiateTemplate } from './instantiate-template';
import { listTemplates } from './list-templates';
import { rateTemplate } from './rate-template';
import { showTemplate } from './show-template';

/** Templates are shared by every organization (read-only); instantiating one makes a draft in the caller's organization. */
@Controller('api/templates')
export class TemplatesController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({ summary: 'Templates, optionally of one category; categories with their counts', query: TemplateListQuery, role: 'viewer', response: TemplateList })
  list(@Caller() _p: Principal, @Query(zod(TemplateListQuery, 'query')) q: TemplateListQuery): Promise<TemplateList> {
    return listTemplates(this.deps.pool, q);
  }

  @Get(':id')
  @Doc({ summary: 'A template with its definition (by id or slug)', role: 'viewer', response: TemplateDetail })
  show(@Caller() _p: Principal, @Param('id') id: string): Promise<TemplateDetail> {
    return showTemplate(this.deps.pool, id);
  }

  @Post(':id/instantiate')
  @Doc({ summary: 'Create a draft workflow from a template (usage count goes up)', body: InstantiateBody, role: 'editor', response: WorkflowDetail })
  instantiate(@Caller() p: Principal, @Param('id') id: string, @Body(zod(InstantiateBody)) b: InstantiateBody): Promise<WorkflowDetail> {
    return instantiateTemplate(this.deps, p, id, b);
  }

  @Post(':id/rate')
  @HttpCode(200)
  @Doc({
    summary: "Rate a template from 1 to 5: one rating per organization (rating again replaces the organization's rating)",
    body: RateBody,
    role: 'editor',
    response: RatedTemplate,
  })
  rate(@Caller() p: Principal, @Param('id') id: string, @Body(zod(RateBody)) b: RateBody): Promise<RatedTemplate> {
    return rateTemplate(this.deps.pool, p, id, b);
  }
}
