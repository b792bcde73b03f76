import { z } from 'zod';

/** GET /health/live */
export const HealthLive = z.object({ status: z.literal('live') });
export type HealthLive = z.infer<typeof HealthLive>;

/** GET /health/ready: 200 when ready, 503 otherwise, with the same body */
export const HealthReady = z.object({ status: z.enum(['ready', 'not_ready']), database: z.boolean(), kafka: z.boolean() });
export type HealthReady = z.infer<typeof HealthReady>;

/** GET /docs/json: the OpenAPI 3.1 document of this API */
export const OpenApiDocument = z.record(z.string(), z.unknown());
export type OpenApiDocument = z.infer<typeof OpenApiDocument>;

/** GET /docs: the same, as a page for people */
export const DocsPage = z.string();
