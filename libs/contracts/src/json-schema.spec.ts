import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPICS } from './topics';
import { topicJsonSchemas } from './json-schema';

describe('topicJsonSchemas', () => {
  it('exports a JSON Schema for every topic of the catalog', () => {
    const schemas = topicJsonSchemas();
    expect(Object.keys(schemas).sort()).toEqual(Object.values(TOPICS).sort());
    for (const s of Object.values(schemas)) expect(JSON.stringify(s)).toContain('"$schema"');
    const events = schemas[TOPICS.events] as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(events.properties)).toEqual(expect.arrayContaining(['eventId', 'organizationId', 'type', 'before', 'after']));
    expect(events.required).toContain('organizationId');
  });
});

describe('committed JSON Schema files', () => {
  it('match the zod schemas (run `npm run contracts:json-schema` after changing a contract)', () => {
    for (const [topic, schema] of Object.entries(topicJsonSchemas())) {
      const file = readFileSync(join(__dirname, '..', 'json-schema', `${topic}.schema.json`), 'utf8');
      expect(JSON.parse(file)).toEqual(schema);
    }
  });
});
