import { Command, DomainEvent, WorkflowDefinition } from '@fixlify/contracts';
import { entityTypeOf, manualEvent, testRunCommand } from './events';

const org = '00000000-0000-4000-8000-0000000000aa';
const wf = '00000000-0000-4000-8000-0000000000bb';
const now = new Date('2030-01-02T03:04:05Z');

describe('manual events and test runs', () => {
  it('builds a valid manual event whose id depends on the request id only', () => {
    const a = manualEvent({ organizationId: org, workflowId: wf, requestId: 'r1', context: { x: 1 }, now });
    expect(DomainEvent.parse(a)).toMatchObject({ type: 'manual', workflowId: wf, data: { x: 1 }, source: { kind: 'manual' } });
    expect(manualEvent({ organizationId: org, workflowId: wf, requestId: 'r1', context: {}, now: new Date() }).eventId).toBe(a.eventId);
    expect(manualEvent({ organizationId: org, workflowId: wf, requestId: 'r2', context: {}, now }).eventId).not.toBe(a.eventId);
  });
  it('starts the draft with the sample as the trigger images', () => {
    const definition = WorkflowDefinition.parse({
      nodes: [
        { id: 't', type: 'trigger', trigger: { type: 'job_completed' } },
        { id: 's', type: 'send_sms', config: { body: 'hi' } },
      ],
      edges: [{ id: 'e', source: 't', target: 's' }],
    });
    const cmd = testRunCommand({
      organizationId: org,
      workflow: { id: wf, publishedVersionId: null, currentVersion: 0, updatedAt: '2030-01-01T00:00:00Z' },
      definition,
      requestId: 'abc',
      sample: { after: { title: 'Sink', status: 'completed' } },
      now,
    });
    expect(Command.parse(cmd)).toMatchObject({
      kind: 'start',
      version: 1,
      event: { type: 'job_completed', entityType: 'job', after: { title: 'Sink' }, data: { testRun: true } },
    });
    expect(entityTypeOf('estimate_sent')).toBe('estimate');
    expect(entityTypeOf('recurring')).toBe('none');
  });
});
