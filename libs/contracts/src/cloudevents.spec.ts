import { Kafka, type CloudEventV1, type KafkaMessage } from 'cloudevents';
import { domainEventHeaders, stepResultHeaders } from './cloudevents';
import { DomainEvent, StepResult } from './messages';

const ORG = '11111111-1111-4111-8111-111111111111';
const event = DomainEvent.parse({
  v: 1,
  eventId: '55555555-5555-4555-8555-555555555555',
  type: 'job_completed',
  organizationId: ORG,
  entityType: 'job',
  entityId: '66666666-6666-4666-8666-666666666666',
  before: { status: 'in_progress' },
  after: { status: 'completed' },
  occurredAt: '2026-12-02T10:00:00.000Z',
  emittedAt: '2026-12-02T10:00:00.020Z',
  workflowId: null,
  causation: null,
  data: {},
  source: { kind: 'cdc', table: 'jobs', lsn: '1', txId: '1' },
});
const result = StepResult.parse({
  v: 1,
  resultId: '44444444-4444-4444-8444-444444444444:3',
  executionId: '44444444-4444-4444-8444-444444444444',
  organizationId: ORG,
  workflowId: '22222222-2222-4222-8222-222222222222',
  versionId: '33333333-3333-4333-8333-333333333333',
  seq: 3,
  at: '2026-12-02T10:00:01.000Z',
  kind: 'execution_completed',
  durationMs: 12,
});

/** What a consumer with a CloudEvents SDK sees: the headers as attributes, the body as data. */
const read = (key: string, headers: Record<string, string>, body: unknown): CloudEventV1<unknown> =>
  Kafka.toEvent({ key, headers, body: JSON.stringify(body), value: JSON.stringify(body) } as KafkaMessage<string>) as CloudEventV1<unknown>;

describe('CloudEvents headers (binary mode)', () => {
  it('a domain event reads as a CloudEvent with its id, type, subject, time and schema; the body is unchanged', () => {
    const ce = read(`${ORG}:${event.entityId}`, domainEventHeaders(event), event);
    expect(ce).toMatchObject({
      specversion: '1.0',
      id: event.eventId,
      source: `/organizations/${ORG}/cdc`,
      type: 'com.fixlify.event.job_completed',
      subject: `job/${event.entityId}`,
      time: event.occurredAt,
      dataschema: 'urn:fixlify:schema:automation.events.v1',
      datacontenttype: 'application/json',
      organizationid: ORG,
    });
    expect(ce.data).toEqual(JSON.parse(JSON.stringify(event)));
  });

  it('a step result reads as a CloudEvent named by its result id, about its execution', () => {
    const ce = read(result.executionId, stepResultHeaders(result), result);
    expect(ce).toMatchObject({
      id: result.resultId,
      type: 'com.fixlify.step_result.execution_completed',
      subject: `executions/${result.executionId}`,
      source: `/organizations/${ORG}/workflows/${result.workflowId}`,
      dataschema: 'urn:fixlify:schema:automation.step-results.v1',
      organizationid: ORG,
    });
  });

  it('an event about no record has no subject', () => {
    const h = domainEventHeaders({ ...event, entityType: 'none', entityId: null, source: { kind: 'clock' } });
    expect(h.ce_subject).toBeUndefined();
    expect(h.ce_source).toBe(`/organizations/${ORG}/clock`);
  });
});
