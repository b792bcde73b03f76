import type { Pool } from 'pg';
import { WorkflowDefinition } from '@fixlify/contracts';
import { triggerNode } from '@fixlify/workflow';
import { TEMPLATE_SEEDS } from './catalog';

/** Idempotent: inserts missing templates and refreshes the wording of existing ones; usage and ratings stay. */
export const seedTemplates = async (pool: Pool): Promise<number> => {
  for (const t of TEMPLATE_SEEDS) {
    const definition = WorkflowDefinition.parse(t.definition);
    const trigger = triggerNode(definition);
    await pool.query(
      `INSERT INTO automation_templates (slug, name, description, category, trigger_type, definition, tags, is_featured)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, category = EXCLUDED.category,
         trigger_type = EXCLUDED.trigger_type, definition = EXCLUDED.definition, tags = EXCLUDED.tags, is_featured = EXCLUDED.is_featured, updated_at = now()
       WHERE (automation_templates.name, automation_templates.description, automation_templates.category, automation_templates.definition, automation_templates.tags, automation_templates.is_featured)
         IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description, EXCLUDED.category, EXCLUDED.definition, EXCLUDED.tags, EXCLUDED.is_featured)`,
      [t.slug, t.name, t.description, t.category, trigger?.trigger.type ?? 'manual', JSON.stringify(definition), t.tags, t.featured ?? false],
    );
  }
  return TEMPLATE_SEEDS.length;
};
