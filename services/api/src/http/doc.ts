import 'reflect-metadata';
import { RequestMethod } from '@nestjs/common';
import { z } from 'zod';

const DOC = 'fixlify:doc';

export interface DocSpec {
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  /** role needed (for the reader; the guard enforces it) */
  role?: 'public' | 'viewer' | 'editor' | 'owner';
  /** response content type when not JSON */
  produces?: string;
}

/** Describes a handler for the OpenAPI document; routes and methods come from Nest's own metadata. */
export const Doc =
  (spec: DocSpec): MethodDecorator =>
  (target, key) => {
    Reflect.defineMetadata(DOC, spec, target, key);
  };

const METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
};

const joinPath = (...parts: string[]): string => `/${parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`.replace(/:([A-Za-z]+)/g, '{$1}');

const jsonSchema = (s: z.ZodType): unknown => {
  try {
    return z.toJSONSchema(s, { unrepresentable: 'any', io: 'input' });
  } catch {
    return { type: 'object' };
  }
};

type Ctor = abstract new (...args: never[]) => unknown;

/** OpenAPI 3.1 document of the controllers' handlers (paths, parameters, zod bodies as JSON Schema). */
export const buildOpenApi = (controllers: Ctor[], info: { title: string; version: string }): Record<string, unknown> => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const c of controllers) {
    const base = (Reflect.getMetadata('path', c) as string | undefined) ?? '';
    const proto = c.prototype as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(proto)) {
      const handler = proto[key];
      if (key === 'constructor' || typeof handler !== 'function') continue;
      const sub = Reflect.getMetadata('path', handler) as string | undefined;
      const method = METHODS[Reflect.getMetadata('method', handler) as RequestMethod];
      if (sub === undefined || !method) continue;
      const doc = Reflect.getMetadata(DOC, proto, key) as DocSpec | undefined;
      const path = joinPath(base, sub);
      const params = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      const query = doc?.query
        ? Object.entries(doc.query.shape).map(([name, s]) => ({ name, in: 'query', required: !(s as z.ZodType).safeParse(undefined).success, schema: jsonSchema(s as z.ZodType) }))
        : [];
      paths[path] ??= {};
      paths[path][method] = {
        operationId: `${c.name.replace(/Controller$/, '')}.${key}`,
        summary: doc?.summary ?? key,
        tags: [c.name.replace(/Controller$/, '')],
        ...(doc?.role && doc.role !== 'public' ? { description: `Needs the ${doc.role} role.` } : {}),
        ...(doc?.role === 'public' ? { security: [] } : {}),
        parameters: [...params, ...query],
        ...(doc?.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(doc.body) } } } } : {}),
        responses: {
          '200': { description: 'OK', content: { [doc?.produces ?? 'application/json']: {} } },
          default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    security: [{ apiKey: [] }, { session: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'a per-organization API key: fx_…' },
        session: { type: 'apiKey', in: 'cookie', name: 'fx_session' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['code', 'message'],
          properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
        },
      },
    },
  };
};
