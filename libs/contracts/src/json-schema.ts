import { z } from 'zod';
import { TOPIC_SCHEMAS } from './messages';

/**
 * JSON Schema (draft 2020-12) of every topic's messages, for consumers outside this repository
 * (analytics, other languages). Generated from the zod schemas, never written by hand.
 */
export const topicJsonSchemas = (): Record<string, unknown> =>
  Object.fromEntries(Object.entries(TOPIC_SCHEMAS).map(([topic, schema]) => [topic, z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' })]));
