import { z } from 'zod';
import { dataSchemaUri } from './cloudevents';
import { TOPIC_SCHEMAS } from './messages';

/**
 * JSON Schema (draft 2020-12) of every topic's messages, for consumers outside this repository
 * (analytics, other languages). Generated from the zod schemas, never written by hand.
 */
export const topicJsonSchemas = (): Record<string, Record<string, unknown>> =>
  Object.fromEntries(
    Object.entries(TOPIC_SCHEMAS).map(([topic, schema]) => {
      const { $schema, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
      // `$id` is what a message's ce_dataschema header names (cloudevents.ts)
      return [topic, { $schema, $id: dataSchemaUri(topic), ...rest }];
    }),
  );
