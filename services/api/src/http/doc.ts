import 'reflect-metadata';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { HttpStatus, RequestMethod } from '@nestjs/common';
import { z } from 'zod';
import { ApiErrorBody } from '@fixlify/contracts';

const DOC = 'fixlify:doc';

export interface DocSpec {
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  /** role needed (for the reader; the guard enforces it) */
  role?: 'public' | 'viewer' | 'editor' | 'owner';
  /** the success answer (from libs/contracts); the handler must return its type */
  response: z.ZodType;
  /** response content type when not JSON */
  produces?: string;
}

/** What a handler returns for its spec: the response's type, or nothing for a stream it writes itself. */
type Answer<S extends DocSpec> = S extends { produces: 'text/event-stream' } ? void : z.output<S['response']>;

/**
 * Describes a handler for the OpenAPI document; routes, methods and the success status come from
 * Nest's own metadata. The handler's return type is checked against the response schema, so the
 * document cannot promise another shape than the handler answers.
 */
export const Doc =
  <const S extends DocSpec>(spec: S) =>
  <H extends (...args: never[]) => Answer<S> | Promise<Answer<S>>>(target: object, key: string | symbol, _descriptor: TypedPropertyDescriptor<H>): void => {
    Reflect.defineMetadata(DOC, spec, target, key);
  };

/** The status Nest answers a handler's success with: its @HttpCode, else 201 for POST and 200 otherwise (Nest's defaults). */
export const successStatus = (handler: object, method: RequestMethod): number =>
  (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? (method === RequestMethod.POST ? HttpStatus.CREATED : HttpStatus.OK);

const METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
};

const joinPath = (...parts: string[]): string =>
  `/${parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`.replace(/:([A-Za-z]+)/g, '{$1}');

/** request bodies and queries as a caller writes them (`io: 'input'`), answers as the API writes them (`io: 'output'`) */
const jsonSchema = (s: z.ZodType, io: 'input' | 'output' = 'input'): unknown => {
  try {
    return z.toJSONSchema(s, { unrepresentable: 'any', io });
  } catch {
    return { type: 'object' };
  }
};

/**
 * Moves a generated schema's `$defs` (zod's names for recursive parts) into the document's
 * components: inside an OpenAPI document a `#/$defs/…` reference would resolve against the document.
 */
const hoistDefs = (schema: unknown, prefix: string, into: Record<string, unknown>): unknown => {
  if (!schema || typeof schema !== 'object' || !('$defs' in schema)) return schema;
  const { $defs, ...rest } = schema as { $defs: Record<string, unknown> };
  const name = (def: string): string => `${prefix}.${def.replace(/^_+/, '')}`;
  const rewrite = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(rewrite)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v).map(([k, x]) => [
              k,
              k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/') ? `#/components/schemas/${name(x.slice('#/$defs/'.length))}` : rewrite(x),
            ]),
          )
        : v;
  for (const [def, d] of Object.entries($defs)) into[name(def)] = rewrite(d);
  return rewrite(rest);
};

type Ctor = abstract new (...args: never[]) => unknown;

/** OpenAPI 3.1 document of the controllers' handlers (paths, parameters, zod bodies and answers as JSON Schema). */
export const buildOpenApi = (controllers: Ctor[], info: { title: string; version: string }): Record<string, unknown> => {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = { Error: jsonSchema(ApiErrorBody, 'output') };
  for (const c of controllers) {
    const base = (Reflect.getMetadata('path', c) as string | undefined) ?? '';
    const proto = c.prototype as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(proto)) {
      const handler = proto[key];
      if (key === 'constructor' || typeof handler !== 'function') continue;
      const sub = Reflect.getMetadata('path', handler) as string | undefined;
      const requestMethod = Reflect.getMetadata('method', handler) as RequestMethod;
      const method = METHODS[requestMethod];
      if (sub === undefined || !method) continue;
      const doc = Reflect.getMetadata(DOC, proto, key) as DocSpec | undefined;
      const path = joinPath(base, sub);
      const operationId = `${c.name.replace(/Controller$/, '')}.${key}`;
      const schemaOf = (s: z.ZodType, io: 'input' | 'output' = 'input'): unknown => hoistDefs(jsonSchema(s, io), operationId, schemas);
      const params = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      const query = doc?.query
        ? Object.entries(doc.query.shape).map(([name, s]) => ({
            name,
            in: 'query',
            required: !(s as z.ZodType).safeParse(undefined).success,
            schema: schemaOf(s as z.ZodType),
          }))
        : [];
      paths[path] ??= {};
      paths[path][method] = {
        operationId,
        summary: doc?.summary ?? key,
        tags: [c.name.replace(/Controller$/, '')],
        ...(doc?.role && doc.role !== 'public' ? { description: `Needs the ${doc.role} role.` } : {}),
        ...(doc?.role === 'public' ? { security: [] } : {}),
        parameters: [...params, ...query],
        ...(doc?.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(doc.body) } } } } : {}),
        responses: {
          [String(successStatus(handler, requestMethod))]: {
            description: 'Success',
            content: { [doc?.produces ?? 'application/json']: doc?.response ? { schema: schemaOf(doc.response, 'output') } : {} },
          },
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
      schemas,
    },
  };
};
