import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { asyncApiDocument } from './asyncapi';
import { topicJsonSchemas } from './json-schema';
import { breakingChanges } from './schema-compat';
import { topicsGuide } from './topics-guide';

/**
 * `npm run contracts:generate`: writes what is generated from the contracts — one JSON Schema per
 * topic (libs/contracts/json-schema), docs/asyncapi.yaml and docs/topics.md. Refuses to overwrite a
 * topic's committed schema with a breaking change (see schema-compat.ts): that needs a new topic version.
 */
const root = join(__dirname, '..', '..', '..');
const schemaDir = join(__dirname, '..', 'json-schema');
mkdirSync(schemaDir, { recursive: true });
const schemas = topicJsonSchemas();
let refused = 0;
for (const [topic, schema] of Object.entries(schemas)) {
  const file = join(schemaDir, `${topic}.schema.json`);
  if (existsSync(file)) {
    const broken = breakingChanges(JSON.parse(readFileSync(file, 'utf8')), schema);
    if (broken.length > 0) {
      console.error(
        `refused ${file}: a breaking change to a released topic contract (make it additive, or publish a new topic version):\n  ${broken.join('\n  ')}`,
      );
      refused++;
      continue;
    }
  }
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
writeFileSync(join(root, 'docs', 'asyncapi.yaml'), asyncApiYaml());
console.log(`wrote ${join(root, 'docs', 'asyncapi.yaml')}`);
writeFileSync(join(root, 'docs', 'topics.md'), topicsGuide());
console.log(`wrote ${join(root, 'docs', 'topics.md')}`);
if (refused > 0) process.exit(1);

function asyncApiYaml(): string {
  return `# Generated from libs/contracts (asyncapi.ts) by \`npm run contracts:generate\`: edit that, not this file.\n${stringify(asyncApiDocument(), { lineWidth: 0 })}`;
}
