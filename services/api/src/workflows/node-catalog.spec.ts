import { ACTION_TYPES, ActionConfigs, TRIGGER_TYPES } from '@fixlify/contracts';
import { contextVariables, nodeCatalog } from './node-catalog';

describe('node catalog', () => {
  const c = nodeCatalog();
  it('lists every trigger and action of the catalogue with a JSON Schema', () => {
    expect(c.triggers.map((t) => t.type)).toEqual([...TRIGGER_TYPES]);
    expect(c.actions.map((a) => a.type)).toEqual([...ACTION_TYPES]);
    for (const a of c.actions) expect(a.configSchema).toMatchObject({ type: 'object' });
    expect(c.triggers.find((t) => t.type === 'recurring')?.configSchema).toMatchObject({ type: 'object', required: ['cron', 'timezone'] });
    expect(c.triggers.find((t) => t.type === 'job_completed')?.configSchema).toBeNull();
  });
  it('gives every action a default config that parses (send_push needs a body)', () => {
    for (const a of c.actions) {
      const r = ActionConfigs[a.type].safeParse(a.defaultConfig);
      if (a.type === 'send_push_notification') continue;
      expect([a.type, r.success]).toEqual([a.type, true]);
    }
  });
  it('offers the variables the executor loads for a trigger', () => {
    expect(contextVariables('job_completed')).toEqual(expect.arrayContaining(['client.phone', 'job.title', 'technician.name', 'after.status']));
    expect(contextVariables('invoice_paid')).toContain('invoice.amount');
    expect(contextVariables('manual')).toContain('trigger.<field>');
    expect(contextVariables('client_created')).not.toContain('job.title');
  });
});
