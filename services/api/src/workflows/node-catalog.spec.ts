import { ACTION_TYPES, ActionConfigs, TRIGGER_TYPES } from '@fixlify/contracts';
import { assertDraftAcceptable } from './draft-limits';
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
  it('every step the builder adds from the palette (as apps/web/src/diagram/edit.ts builds it) is a draft the API saves', () => {
    for (const t of c.triggers) {
      const trigger = {
        id: 'trigger',
        type: 'trigger',
        position: { x: 0, y: 0 },
        trigger: { type: t.type, ...(t.defaultConfig ? { config: t.defaultConfig } : {}) },
      };
      expect(() => assertDraftAcceptable({ schemaVersion: 1, nodes: [trigger], edges: [] })).not.toThrow();
    }
    const steps = [...c.actions, ...c.controls].map((a, i) => ({
      id: `${a.type}_${i}`,
      type: a.type,
      position: { x: 0, y: 120 * i },
      config: structuredClone(a.defaultConfig ?? {}),
    }));
    const edges = steps.map((s, i) => ({ id: `e${i}`, source: i === 0 ? 'trigger' : steps[i - 1]!.id, target: s.id, branch: 'next' }));
    const trigger = { id: 'trigger', type: 'trigger', position: { x: 0, y: -120 }, trigger: { type: 'job_completed' } };
    expect(() => assertDraftAcceptable({ schemaVersion: 1, nodes: [trigger, ...steps], edges, settings: { reenrollment: 'once_per_entity' } })).not.toThrow();
  });
  it('offers the variables the executor loads for a trigger', () => {
    expect(contextVariables('job_completed')).toEqual(expect.arrayContaining(['client.phone', 'job.title', 'technician.name', 'after.status']));
    expect(contextVariables('invoice_paid')).toContain('invoice.amount');
    expect(contextVariables('manual')).toContain('trigger.<field>');
    expect(contextVariables('client_created')).not.toContain('job.title');
  });
});
