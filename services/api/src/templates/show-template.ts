import type { Pool, PoolClient } from 'pg';
import { isUuid, type TemplateDetail } from '@fixlify/contracts';
import { notFound } from '../http/errors';

/** The template columns as answers show them (rating: the mean of the organizations' ratings, two decimals). */
export const TEMPLATE_COLUMNS = `id, slug, name, description, category, trigger_type AS "triggerType", tags, usage_count AS "usageCount",
  rating_count AS "ratingCount", CASE WHEN rating_count > 0 THEN round(rating_sum::numeric / rating_count, 2)::float ELSE NULL END AS "rating", is_featured AS "featured"`;

/** GET /api/templates/:id: a template by id or slug, with its definition. Templates are shared by every organization. */
export const showTemplate = async (db: Pool | PoolClient, idOrSlug: string): Promise<TemplateDetail> => {
  const byId = isUuid(idOrSlug);
  const r = await db.query<TemplateDetail>(`SELECT ${TEMPLATE_COLUMNS}, definition FROM automation_templates WHERE ${byId ? 'id = $1::uuid' : 'slug = $1'}`, [
    idOrSlug,
  ]);
  if (!r.rows[0]) throw notFound('template');
  return r.rows[0];
};
