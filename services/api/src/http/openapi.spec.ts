import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { OkResponse } from '@fixlify/contracts';
import { CONTROLLERS, controllersFor, openApiDocument } from '../app.module';
import { OutboxController } from '../outbox/outbox.controller';
import { buildOpenApi, Doc } from './doc';
import { DOCS_CSP } from './system.controller';

interface Operation {
  operationId: string;
  summary: string;
  requestBody?: unknown;
  parameters: { name: string; in: string }[];
  responses: Record<string, { content: Record<string, { schema?: unknown }> }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

/** Every operation's success answers (2xx) and whether each has a schema. */
const successes = (d: Document): { op: string; status: string; schema: boolean }[] =>
  Object.values(d.paths).flatMap((ops) =>
    Object.values(ops).flatMap((op) =>
      Object.entries(op.responses)
        .filter(([status]) => /^2\d\d$/.test(status))
        .map(([status, r]) => ({ op: op.operationId, status, schema: Object.values(r.content).every((c) => c.schema !== undefined) })),
    ),
  );

describe('OpenAPI document', () => {
  const doc = openApiDocument() as Document;
  it('describes every route with its method, summary and parameters', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/workflows',
        '/api/workflows/{id}',
        '/api/workflows/{id}/publish',
        '/api/templates/{id}/instantiate',
        '/api/executions/{id}/retry',
        '/api/live',
        '/api/dead-letters/{id}/redrive',
        '/api/metrics/series',
      ]),
    );
    expect(doc.paths['/api/workflows/{id}']!.put!.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path' })]);
    expect(doc.paths['/api/executions']!.get!.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['workflowId', 'status', 'from', 'to']));
  });
  it('turns zod bodies into JSON Schema', () => {
    expect(doc.paths['/api/workflows']!.post!.requestBody).toMatchObject({
      content: { 'application/json': { schema: { type: 'object', required: ['name'] } } },
    });
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [m, op] of Object.entries(ops)) expect([path, m, typeof op.summary]).toEqual([path, m, 'string']);
  });
  it('has no outbox in production', () => {
    expect(controllersFor('development')).toContain(OutboxController);
    expect(controllersFor('production')).not.toContain(OutboxController);
    expect(Object.keys(openApiDocument(controllersFor('production')).paths as object)).not.toContain('/api/outbox');
  });
  it("allows the docs page's own inline style and script by hash, nothing else inline, no framing", () => {
    expect(DOCS_CSP.match(/'sha256-[A-Za-z0-9+/]{43}='/g)).toHaveLength(2);
    expect(DOCS_CSP).not.toMatch(/unsafe-inline/);
    expect(DOCS_CSP).toMatch(/frame-ancestors 'none'/);
  });
  it('gives every handler its success answer with a schema, under the status Nest answers', () => {
    const all = successes(doc);
    // one success per operation, and every one with the contract's schema
    expect(all.length).toBe(Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0));
    expect(all.filter((s) => !s.schema)).toEqual([]);
    const status = (path: string, method: string) => Object.keys(doc.paths[path]![method]!.responses).filter((s) => s !== 'default');
    expect(status('/api/workflows', 'post')).toEqual(['201']);
    expect(status('/api/workflows/{id}/publish', 'post')).toEqual(['200']);
    expect(status('/api/workflows/{id}/trigger', 'post')).toEqual(['202']);
    expect(status('/api/workflows', 'get')).toEqual(['200']);
    expect(doc.paths['/api/workflows/{id}']!.get!.responses['200']!.content['application/json']!.schema).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['id', 'definition', 'reenrollment', 'templateId', 'createdAt']),
    });
    expect(doc.paths['/api/live']!.get!.responses['200']!.content['text/event-stream']!.schema).toMatchObject({ oneOf: expect.any(Array) });
  });
  it('puts recursive parts of a schema into the components, where its references point', () => {
    const catalog = JSON.stringify(doc.paths['/api/catalog']!.get!.responses['200']);
    expect(catalog).not.toContain('#/$defs/');
    expect(catalog).toContain('#/components/schemas/Catalog.get.');
    for (const [, name] of catalog.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components.schemas).toHaveProperty([name!]);
  });
  it('fails a handler that has no response schema', () => {
    @Controller('x')
    class Undocumented {
      @Get()
      plain(): OkResponse {
        return { ok: true };
      }

      @Post()
      @HttpCode(200)
      @Doc({ summary: 'documented', response: OkResponse })
      documented(): OkResponse {
        return { ok: true };
      }
    }
    const d = buildOpenApi([...CONTROLLERS, Undocumented], { title: 't', version: '1' }) as Document;
    expect(successes(d).filter((s) => !s.schema)).toEqual([{ op: 'Undocumented.plain', status: '200', schema: false }]);
    expect(successes(d)).toContainEqual({ op: 'Undocumented.documented', status: '200', schema: true });
  });
});
