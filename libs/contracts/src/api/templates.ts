import { z } from 'zod';
import { Id } from './common';

/** GET /api/templates */
export const TemplateListQuery = z.object({ category: z.string().max(100).optional(), q: z.string().max(100).optional() });
export type TemplateListQuery = z.infer<typeof TemplateListQuery>;

/** POST /api/templates/:id/instantiate */
export const InstantiateBody = z.object({ name: z.string().trim().min(1).max(200).optional() }).strict();
export type InstantiateBody = z.infer<typeof InstantiateBody>;

/** POST /api/templates/:id/rate */
export const RateBody = z.object({ rating: z.number().int().min(1).max(5) }).strict();
export type RateBody = z.infer<typeof RateBody>;

/** A template (shared by every organization, read-only) */
export const Template = z.object({
  id: Id,
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  triggerType: z.string(),
  tags: z.array(z.string()),
  usageCount: z.number().int(),
  ratingCount: z.number().int(),
  /** the mean rating, two decimals; null before the first */
  rating: z.number().nullable(),
  featured: z.boolean(),
});
export type Template = z.infer<typeof Template>;

export const TemplateCategory = z.object({ category: z.string(), count: z.number().int() });
export type TemplateCategory = z.infer<typeof TemplateCategory>;

export const TemplateList = z.object({ items: z.array(Template), categories: z.array(TemplateCategory) });
export type TemplateList = z.infer<typeof TemplateList>;

/** GET /api/templates/:id: with its definition */
export const TemplateDetail = Template.extend({ definition: z.record(z.string(), z.unknown()) });
export type TemplateDetail = z.infer<typeof TemplateDetail>;

/** POST /api/templates/:id/rate: the template after the rating, and the caller's organization's rating */
export const RatedTemplate = TemplateDetail.extend({ myRating: z.number().int().min(1).max(5) });
export type RatedTemplate = z.infer<typeof RatedTemplate>;
