import type { Pool } from 'pg';
import type { Template, TemplateCategory, TemplateList, TemplateListQuery } from '@fixlify/contracts';
import { TEMPLATE_COLUMNS } from './show-template';

/** GET /api/templates: featured and most used first, optionally of one category or matching a text; every category with its count. */
export const listTemplates = async (pool: Pool, q: TemplateListQuery): Promise<TemplateList> => {
  const r = await pool.query<Template>(
    `SELECT ${TEMPLATE_COLUMNS} FROM automation_templates
      WHERE ($1::text IS NULL OR category = $1) AND ($2::text IS NULL OR name ILIKE '%' || $2 || '%' OR description ILIKE '%' || $2 || '%')
      ORDER BY is_featured DESC, usage_count DESC, name`,
    [q.category ?? null, q.q ?? null],
  );
  const cats = await pool.query<TemplateCategory>(`SELECT category, count(*)::int AS count FROM automation_templates GROUP BY category ORDER BY category`);
  return { items: r.rows, categories: cats.rows };
};
