import type { Pool } from 'pg';
import type { RateBody, RatedTemplate } from '@fixlify/contracts';
import { withTransaction } from '@fixlify/db';
import type { Principal } from '../auth/principal';
import { showTemplate } from './show-template';

/**
 * The change a rating makes to a template's sum and count: a first rating of the organization
 * counts one more, a new one replaces its previous rating in the sum.
 */
export const ratingChange = (rating: number, previous: number | undefined): { sum: number; count: number } => ({
  sum: rating - (previous ?? 0),
  count: previous === undefined ? 1 : 0,
});

/** POST /api/templates/:id/rate: one rating per organization (rating again replaces it); the answer is the template after it. */
export const rateTemplate = async (pool: Pool, p: Principal, idOrSlug: string, b: RateBody): Promise<RatedTemplate> => {
  const t = await showTemplate(pool, idOrSlug);
  await withTransaction(pool, async (client) => {
    // the template row's lock serialises ratings of one template, so sum and count stay exact
    await client.query('SELECT 1 FROM automation_templates WHERE id = $1 FOR UPDATE', [t.id]);
    const prev = await client.query<{ rating: number }>('SELECT rating FROM automation_template_ratings WHERE template_id = $1 AND organization_id = $2', [
      t.id,
      p.organizationId,
    ]);
    await client.query(
      `INSERT INTO automation_template_ratings (template_id, organization_id, rating, rated_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (template_id, organization_id) DO UPDATE SET rating = EXCLUDED.rating, rated_by = EXCLUDED.rated_by, rated_at = now()`,
      [t.id, p.organizationId, b.rating, p.actor],
    );
    const change = ratingChange(b.rating, prev.rows[0]?.rating);
    await client.query('UPDATE automation_templates SET rating_sum = rating_sum + $2, rating_count = rating_count + $3, updated_at = now() WHERE id = $1', [
      t.id,
      change.sum,
      change.count,
    ]);
  });
  return { ...(await showTemplate(pool, t.id)), myRating: b.rating };
};
