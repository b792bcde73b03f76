import { controllersFor, openApiDocument } from '../app.module';
import { OutboxController } from '../outbox/outbox.controller';
import { DOCS_CSP } from './system.controller';

describe('OpenAPI document', () => {
  const doc = openApiDocument() as { openapi: string; paths: Record<string, Record<string, { summary: string; requestBody?: unknown; parameters: { name: string; in: string }[] }>> };
  it('describes every route with its method, summary and parameters', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/workflows', '/api/workflows/{id}', '/api/workflows/{id}/publish', '/api/templates/{id}/instantiate', '/api/executions/{id}/retry', '/api/live', '/api/dead-letters/{id}/redrive', '/api/metrics/series']),
    );
    expect(doc.paths['/api/workflows/{id}']!.put!.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path' })]);
    expect(doc.paths['/api/executions']!.get!.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['workflowId', 'status', 'from', 'to']));
  });
  it('turns zod bodies into JSON Schema', () => {
    expect(doc.paths['/api/workflows']!.post!.requestBody).toMatchObject({ content: { 'application/json': { schema: { type: 'object', required: ['name'] } } } });
    for (const [path, ops] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(ops)) expect([path, m, typeof op.summary]).toEqual([path, m, 'string']);
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
});
