import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { isUuid } from '@fixlify/contracts';
import { createWorkflowDraft, withTransaction } from '@fixlify/db';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { notFound } from '../http/errors';
import { zod } from '../http/zod.pipe';
import { definitionToStore, shownWorkflow } from '../workflows/definition-secrets';
import { getWorkflow } from '../workflows/workflow-queries';

const ListQuery = z.object({ category: z.string().max(100).optional(), q: z.string().max(100).optional() });
export const InstantiateBody = z.object({ name: z.string().trim().min(1).max(200).optional() }).strict();
export const RateBody = z.object({ rating: z.number().int().min(1).max(5) }).strict();

const COLUMNS = `id, slug, name, description, category, trigger_type AS "triggerType", tags, usage_count AS "usageCount",
  rating_count AS "ratingCount", CASE WHEN rating_count > 0 THEN round(rating_sum::numeric / rating_count, 2)::float ELSE NULL END AS "rating", is_featured AS "featured"`;

/** Templates are shared by every organization (read-only); instantiating one makes a draft in the caller's organization. */
@Controller('api/templates')
export class TemplatesController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  private async find(idOrSlug: string): Promise<Record<string, unknown> & { id: string; name: string; description: string; definition: Record<string, unknown>; triggerType: string }> {
    const byId = isUuid(idOrSlug);
    const r = await this.deps.pool.query(`SELECT ${COLUMNS}, definition FROM automation_templates WHERE ${byId ? 'id = $1::uuid' : 'slug = $1'}`, [idOrSlug]);
    if (!r.rows[0]) throw notFound('template');
    return r.rows[0];
  }

  @Get()
  @Doc({ summary: 'Templates, optionally of one category; categories with their counts', query: ListQuery, role: 'viewer' })
  async list(@Caller() _p: Principal, @Query(zod(ListQuery, 'query')) q: z.infer<typeof ListQuery>): Promise<unknown> {
    const r = await this.deps.pool.query(
      `SELECT ${COLUMNS} FROM automation_templates
        WHERE ($1::text IS NULL OR category = $1) AND ($2::text IS NULL OR name ILIKE '%' || $2 || '%' OR description ILIKE '%' || $2 || '%')
        ORDER BY is_featured DESC, usage_count DESC, name`,
      [q.category ?? null, q.q ?? null],
    );
    const cats = await this.deps.pool.query(`SELECT category, count(*)::int AS count FROM automation_templates GROUP BY category ORDER BY category`);
    return { items: r.rows, categories: cats.rows };
  }

  @Get(':id')
  @Doc({ summary: 'A template with its definition (by id or slug)', role: 'viewer' })
  async show(@Caller() _p: Principal, @Param('id') id: string): Promise<unknown> {
    return this.find(id);
  }

  @Post(':id/instantiate')
  @Doc({ summary: 'Create a draft workflow from a template (usage count goes up)', body: InstantiateBody, role: 'editor' })
  async instantiate(@Caller() p: Principal, @Param('id') id: string, @Body(zod(InstantiateBody)) b: z.infer<typeof InstantiateBody>): Promise<unknown> {
    const t = await this.find(id);
    const newId = randomUUID();
    const definition = definitionToStore(t.definition, null, { organizationId: p.organizationId, workflowId: newId }, this.deps.credentialsKey);
    const wid = await withTransaction(this.deps.pool, async (client) => {
      const id = await createWorkflowDraft(client, {
        id: newId,
        organizationId: p.organizationId,
        name: b.name ?? t.name,
        description: t.description,
        definition,
        triggerType: t.triggerType,
        templateId: t.id,
        createdBy: p.actor,
      });
      await client.query('UPDATE automation_templates SET usage_count = usage_count + 1 WHERE id = $1', [t.id]);
      return id;
    });
    // read after the commit: the pool's other connections see the draft only then
    return shownWorkflow(await getWorkflow(this.deps.pool, p.organizationId, wid));
  }

  @Post(':id/rate')
  @HttpCode(200)
  @Doc({ summary: "Rate a template from 1 to 5: one rating per organization (rating again replaces the organization's rating)", body: RateBody, role: 'editor' })
  async rate(@Caller() p: Principal, @Param('id') id: string, @Body(zod(RateBody)) b: z.infer<typeof RateBody>): Promise<unknown> {
    const t = await this.find(id);
    await withTransaction(this.deps.pool, async (client) => {
      // the template row's lock serialises ratings of one template, so sum and count stay exact
      await client.query('SELECT 1 FROM automation_templates WHERE id = $1 FOR UPDATE', [t.id]);
      const prev = await client.query<{ rating: number }>('SELECT rating FROM automation_template_ratings WHERE template_id = $1 AND organization_id = $2', [t.id, p.organizationId]);
      const old = prev.rows[0]?.rating;
      await client.query(
        `INSERT INTO automation_template_ratings (template_id, organization_id, rating, rated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (template_id, organization_id) DO UPDATE SET rating = EXCLUDED.rating, rated_by = EXCLUDED.rated_by, rated_at = now()`,
        [t.id, p.organizationId, b.rating, p.actor],
      );
      await client.query('UPDATE automation_templates SET rating_sum = rating_sum + $2, rating_count = rating_count + $3, updated_at = now() WHERE id = $1', [
        t.id,
        b.rating - (old ?? 0),
        old === undefined ? 1 : 0,
      ]);
    });
    return { ...(await this.find(t.id)), myRating: b.rating };
  }
}
