import { validateWorkflow } from '@fixlify/workflow';
import { assertDraftAcceptable } from '../workflows/draft-limits';
import { TEMPLATE_SEEDS } from './catalog';

describe('template catalog', () => {
  it('has at least 12 templates with unique slugs', () => {
    expect(TEMPLATE_SEEDS.length).toBeGreaterThanOrEqual(12);
    expect(new Set(TEMPLATE_SEEDS.map((t) => t.slug)).size).toBe(TEMPLATE_SEEDS.length);
  });
  it.each(TEMPLATE_SEEDS.map((t) => [t.slug, t] as const))('%s is a valid workflow', (_slug, t) => {
    const r = validateWorkflow(t.definition);
    if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 2));
    expect(r.ok).toBe(true);
    // instantiating makes a draft of it: it passes the draft checks of PUT /api/workflows (size, no unknown fields)
    expect(() => assertDraftAcceptable(t.definition)).not.toThrow();
  });
  it('covers the field-service moments the product promises', () => {
    const triggers = new Set(
      TEMPLATE_SEEDS.map((t) => t.definition.nodes.find((n) => n.type === 'trigger')).map((n) => (n?.type === 'trigger' ? n.trigger.type : null)),
    );
    for (const t of [
      'job_created',
      'job_status_changed',
      'job_completed',
      'invoice_sent',
      'invoice_overdue',
      'invoice_paid',
      'estimate_sent',
      'estimate_accepted',
      'client_inactive',
      'client_created',
      'recurring',
    ])
      expect(triggers).toContain(t);
  });
});
