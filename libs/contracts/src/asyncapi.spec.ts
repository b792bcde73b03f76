import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { parse, stringify } from 'yaml';
import { asyncApiDocument } from './asyncapi';
import { TOPIC_CATALOG } from './topic-catalog';
import { topicsGuide } from './topics-guide';

const docs = join(__dirname, '..', '..', '..', 'docs');

describe('docs/asyncapi.yaml', () => {
  const committed = readFileSync(join(docs, 'asyncapi.yaml'), 'utf8');

  it('is what the contracts generate (run `npm run contracts:generate` after changing a contract or the catalog)', () => {
    expect(parse(committed)).toEqual(JSON.parse(JSON.stringify(asyncApiDocument())));
  });

  it('is a valid AsyncAPI 3 document for the AsyncAPI parser', async () => {
    const { document, diagnostics } = await new Parser().parse(committed);
    // errors (0) and warnings (1); hints (2: a newer 3.x exists) are not problems
    const problems = diagnostics.filter((d) => Number(d.severity) <= 1).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`);
    expect(problems).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    for (const t of TOPIC_CATALOG) {
      const ch = document!.channels().get(t.topic);
      expect(ch?.address()).toBe(t.topic);
      expect((ch?.json() as { tags: { name: string }[] }).tags.map((x) => x.name)).toEqual([t.audience]);
      expect((ch?.bindings().get('kafka')?.value() as { partitions: number }).partitions).toBe(t.partitions);
    }
    // only public topics are offered to read
    expect(
      document!
        .operations()
        .all()
        .map((o) => o.channels().all()[0]?.address())
        .sort(),
    ).toEqual(
      TOPIC_CATALOG.filter((t) => t.audience === 'public')
        .map((t) => t.topic)
        .sort(),
    );
  });

  it('carries the CloudEvents headers and the key schema of the public topics', () => {
    const d = asyncApiDocument() as { components: { messages: Record<string, { headers?: { required: string[] }; bindings: { kafka: { key: unknown } } }> } };
    expect(d.components.messages['automation.events.v1']!.headers!.required).toEqual(
      expect.arrayContaining(['ce_id', 'ce_type', 'ce_dataschema', 'ce_organizationid']),
    );
    expect(d.components.messages['automation.step-results.v1']!.headers).toBeDefined();
    expect(d.components.messages['automation.commands.v1']!.headers).toBeUndefined();
    expect(stringify(d.components.messages['automation.events.v1']!.bindings.kafka.key)).toContain('pattern');
  });
});

describe('docs/topics.md', () => {
  it('is what the catalog renders (run `npm run contracts:generate`)', () => {
    expect(readFileSync(join(docs, 'topics.md'), 'utf8')).toBe(topicsGuide());
  });

  it('names every topic of the catalog with its audience', () => {
    const guide = topicsGuide();
    for (const t of TOPIC_CATALOG) expect(guide).toContain(`| \`${t.topic}\` | ${t.audience} |`);
    expect(guide).not.toMatch(/https?:\/\//);
  });
});
