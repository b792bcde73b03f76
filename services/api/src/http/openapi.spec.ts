import { openApiDocument } from '../app.module';

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
});
