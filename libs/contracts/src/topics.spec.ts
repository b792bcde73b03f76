import { BUSINESS_TABLES, ENTITY_TABLES, entityTable } from './topics';

describe('entity tables', () => {
  it('maps every record entity to a business table, and the others to none', () => {
    for (const t of Object.values(ENTITY_TABLES)) expect(BUSINESS_TABLES).toContain(t);
    expect(entityTable('job')).toBe('jobs');
    expect(entityTable('task')).toBe('tasks');
    expect(entityTable('organization')).toBeNull();
    expect(entityTable('none')).toBeNull();
    expect(entityTable('constructor')).toBeNull();
  });
});
