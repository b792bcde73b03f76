import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { topicJsonSchemas } from './json-schema';

/** Writes one JSON Schema file per topic: `npm run contracts:json-schema [dir]`. */
const dir = process.argv[2] ?? join(__dirname, '..', 'json-schema');
mkdirSync(dir, { recursive: true });
for (const [topic, schema] of Object.entries(topicJsonSchemas())) {
  writeFileSync(join(dir, `${topic}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${join(dir, `${topic}.schema.json`)}`);
}
