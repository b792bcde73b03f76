import type { DomainEvent, StepResult } from './messages';
import { TOPICS } from './topics';

/**
 * CloudEvents 1.0 in Kafka binary mode: the attributes travel as `ce_*` headers and the body stays
 * the message as it always was, so existing consumers see no change and a consumer can filter or
 * route by header without parsing a body (a CloudEvents SDK reads them as events).
 * - `ce_id`: the event id (domain events) or the result id (step results) — deterministic, so a
 *   copy produced again after a crash has the same id: dedupe by it;
 * - `ce_source`: the organization and where the event came from (`/organizations/<id>/cdc`, …) or
 *   the workflow that produced the result (`/organizations/<id>/workflows/<id>`);
 * - `ce_type`: `com.fixlify.event.<type>` (e.g. `com.fixlify.event.job_completed`) or
 *   `com.fixlify.step_result.<kind>` (e.g. `com.fixlify.step_result.step_succeeded`);
 * - `ce_subject`: the record (`job/<id>`) or the execution (`executions/<id>`);
 * - `ce_time`: when it happened; `ce_dataschema`: the versioned schema of the body, the `$id` of its
 *   JSON Schema file (libs/contracts/json-schema); `content-type`: application/json;
 * - `ce_organizationid` (an extension attribute): the organization, for routing per tenant.
 */
export const CE_SPEC_VERSION = '1.0';
export const CE_TYPE_PREFIX = { event: 'com.fixlify.event.', stepResult: 'com.fixlify.step_result.' } as const;

/** The URI naming the schema of a topic's messages (the `$id` of its JSON Schema): versioned with the topic (`.v1`). */
export const dataSchemaUri = (topic: string): string => `urn:fixlify:schema:${topic}`;

/** The CloudEvents attributes every message carries, as Kafka headers. */
export const CE_HEADERS = ['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'ce_dataschema', 'content-type', 'ce_organizationid'] as const;

export const domainEventHeaders = (ev: DomainEvent): Record<string, string> => ({
  ce_specversion: CE_SPEC_VERSION,
  ce_id: ev.eventId,
  ce_source: `/organizations/${ev.organizationId}/${ev.source.kind}`,
  ce_type: `${CE_TYPE_PREFIX.event}${ev.type}`,
  ...(ev.entityId ? { ce_subject: `${ev.entityType}/${ev.entityId}` } : {}),
  ce_time: ev.occurredAt,
  ce_dataschema: dataSchemaUri(TOPICS.events),
  'content-type': 'application/json',
  ce_organizationid: ev.organizationId,
});

export const stepResultHeaders = (r: StepResult): Record<string, string> => ({
  ce_specversion: CE_SPEC_VERSION,
  ce_id: r.resultId,
  ce_source: `/organizations/${r.organizationId}/workflows/${r.workflowId}`,
  ce_type: `${CE_TYPE_PREFIX.stepResult}${r.kind}`,
  ce_subject: `executions/${r.executionId}`,
  ce_time: r.at,
  ce_dataschema: dataSchemaUri(TOPICS.stepResults),
  'content-type': 'application/json',
  ce_organizationid: r.organizationId,
});
