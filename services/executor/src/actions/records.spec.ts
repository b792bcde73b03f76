import { UPDATABLE_COLUMNS, planUpdate } from './records';

const ID = '66666666-6666-4666-8666-666666666666';
const base = { organizationId: '11111111-1111-4111-8111-111111111111', id: ID, stepKey: 'exec:step', depth: 1 };

const refusedCode = (p: Parameters<typeof planUpdate>[0]): string | null => {
  const plan = planUpdate(p);
  return plan.kind === 'refused' && plan.outcome.kind === 'failed' ? plan.outcome.error.code : null;
};

describe('planUpdate (update_record allow-list)', () => {
  it('builds a parameterized update with the causation stamp', () => {
    const plan = planUpdate({ ...base, table: 'jobs', set: { status: 'completed', title: "x'; DROP TABLE jobs; --" } });
    expect(plan.kind).toBe('sql');
    if (plan.kind !== 'sql') return;
    expect(plan.text).toMatch(/^UPDATE jobs SET status = \$5, title = \$6, automation_execution_id = \$3, automation_depth = \$4, updated_at = now\(\)/);
    expect(plan.text).toMatch(/WHERE id = \$1 AND organization_id = \$2/);
    expect(plan.values).toEqual([ID, base.organizationId, 'exec:step', 1, 'completed', "x'; DROP TABLE jobs; --"]);
  });

  it("writes an id-valued column only when the record it names is the organization's, in the same statement", () => {
    const tech = '77777777-7777-4777-8777-777777777777';
    const plan = planUpdate({ ...base, table: 'jobs', set: { status: 'scheduled', technician_id: tech } });
    expect(plan.kind).toBe('sql');
    if (plan.kind !== 'sql') return;
    expect(plan.text).toMatch(
      /WHERE id = \$1 AND organization_id = \$2 AND \(\$6::uuid IS NULL OR EXISTS \(SELECT 1 FROM technicians r WHERE r\.id = \$6::uuid AND r\.organization_id = \$2\)\)/,
    );
    expect(plan.values.at(-1)).toBe(tech);
    // clearing it needs no check
    expect(planUpdate({ ...base, table: 'tasks', set: { technician_id: '' } })).toMatchObject({
      kind: 'sql',
      values: [ID, base.organizationId, 'exec:step', 1, null],
    });
  });

  it('refuses an id-valued column that is not a uuid with the message of a foreign id', () => {
    const plan = planUpdate({ ...base, table: 'jobs', set: { technician_id: 'tech-1' } });
    expect(plan.kind === 'refused' && plan.outcome).toEqual({
      kind: 'failed',
      error: { code: 'invalid_reference', message: 'technician_id tech-1 is not a technician of this organization', retryable: false },
    });
  });

  it('writes an empty value as NULL', () => {
    const plan = planUpdate({ ...base, table: 'jobs', set: { completed_at: '' } });
    expect(plan.kind === 'sql' && plan.values.at(-1)).toBeNull();
  });

  it.each([
    ['a table outside the list', 'users', { email: 'x' }, 'invalid_table'],
    ['the organizations table', 'organizations', { name: 'x' }, 'invalid_table'],
    ['a prototype name as table', '__proto__', { status: 'x' }, 'invalid_table'],
    ['constructor as table', 'constructor', { status: 'x' }, 'invalid_table'],
    ['a column outside the list', 'jobs', { organization_id: 'x' }, 'invalid_column'],
    ['the id column', 'jobs', { id: 'x' }, 'invalid_column'],
    ['the causation stamp', 'jobs', { automation_depth: '0' }, 'invalid_column'],
    ['an injected column name', 'jobs', { 'status = 1; --': 'x' }, 'invalid_column'],
    ['nothing to set', 'jobs', {}, 'invalid_column'],
  ])('refuses %s', (_what, table, set, code) => {
    expect(refusedCode({ ...base, table, set })).toBe(code);
  });

  it('refuses a record id that is not a uuid', () => {
    expect(refusedCode({ ...base, id: "1' OR '1'='1", table: 'jobs', set: { status: 'x' } })).toBe('invalid_record_id');
  });

  it('never lets automations touch ownership or bookkeeping columns', () => {
    for (const cols of Object.values(UPDATABLE_COLUMNS))
      for (const c of ['id', 'organization_id', 'automation_execution_id', 'automation_depth', 'created_at', 'updated_at']) expect(cols.has(c)).toBe(false);
  });
});
