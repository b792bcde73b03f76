import type { Pool } from 'pg';
import { CreateWorkflowBody, LIMITS, UpdateWorkflowBody } from '@fixlify/contracts';
import type { ApiDeps } from '../deps';
import { toErrorResponse } from '../http/error.filter';
import { ApiError } from '../http/errors';
import { parseOr400 } from '../http/zod.pipe';
import { assertDraftAcceptable, draftBytes } from './draft-limits';
import { createWorkflow } from './create-workflow';
import { updateWorkflow } from './update-workflow';

const VALID = {
  nodes: [
    { id: 'trigger', type: 'trigger', position: { x: 0, y: 0 }, trigger: { type: 'job_completed', filter: { field: 'after.total', op: 'gte', value: 100 } } },
    { id: 'sms', type: 'send_sms', label: 'Thank you', config: { body: 'Thanks {{ client.name }}' }, retry: { maxAttempts: 3 } },
  ],
  edges: [{ id: 'e1', source: 'trigger', target: 'sms', branch: 'next' }],
  settings: { reenrollment: 'every_time' },
};
const withNode = (node: Record<string, unknown>) => ({ ...VALID, nodes: [VALID.nodes[0], node] });

/** The response the client gets for what assertDraftAcceptable throws (the API's error filter). */
const responseOf = (definition: unknown) => {
  try {
    assertDraftAcceptable(definition);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return toErrorResponse(e);
  }
};

describe('draft limits (POST/PUT /api/workflows)', () => {
  it('accepts valid and unfinished drafts', () => {
    expect(responseOf(VALID)).toBeNull();
    expect(responseOf({ schemaVersion: 1, nodes: [], edges: [] })).toBeNull();
    // unfinished: no trigger chosen, no config yet, an empty SMS body, a delay without a mode
    expect(
      responseOf({
        nodes: [
          { id: 't', type: 'trigger' },
          { id: 's', type: 'send_sms' },
          { id: 'd', type: 'delay', config: {} },
          { id: 'c', type: 'condition', config: { when: { field: 'x' } } },
        ],
        edges: [],
      }),
    ).toBeNull();
  });

  it(`refuses a definition over ${LIMITS.workflowDraftBytes} bytes of JSON with 413 payload_too_large`, () => {
    const big = withNode({ id: 'sms', type: 'send_sms', config: { body: 'x'.repeat(LIMITS.workflowDraftBytes) } });
    const r = responseOf(big);
    expect(r).toMatchObject({ status: 413, body: { code: 'payload_too_large', details: { bytes: draftBytes(big), maxBytes: 262_144 } } });
    expect(r!.body.message).toMatch(/is \d+ bytes of JSON, more than the 262144 bytes \(256 KiB\)/);
    // multi-byte characters count as bytes, as stored
    expect(responseOf(withNode({ id: 'sms', type: 'send_sms', config: { body: 'é'.repeat(140_000) } }))?.status).toBe(413);
    expect(responseOf(withNode({ id: 'sms', type: 'send_sms', config: { body: 'e'.repeat(140_000) } }))).toBeNull();
  });

  it('refuses unknown fields anywhere with 422 invalid_workflow pointing at the step and field', () => {
    const cases: [unknown, { nodeId: string | null; path: string; edgeId?: string }, RegExp][] = [
      [withNode({ id: 'sms', type: 'send_sms', config: { body: 'hi' }, blob: 'x' }), { nodeId: 'sms', path: '' }, /This step has unknown field "blob"/],
      [withNode({ id: 'sms', type: 'send_sms', config: { body: 'hi', attachment: 'x' } }), { nodeId: 'sms', path: 'config' }, /unknown field "attachment"/],
      [
        { ...VALID, nodes: [{ id: 'trigger', type: 'trigger', trigger: { type: 'job_completed', note: 'x' } }] },
        { nodeId: 'trigger', path: 'trigger' },
        /unknown field "note"/,
      ],
      [
        { ...VALID, nodes: [{ id: 'trigger', type: 'trigger', trigger: { type: 'job_completed', filter: { field: 'a', op: 'eq', value: 1, why: 1 } } }] },
        { nodeId: 'trigger', path: 'trigger.filter' },
        /unknown field "why"/,
      ],
      [
        withNode({ id: 'sms', type: 'send_sms', config: { body: 'hi' }, retry: { maxAttempts: 2, jitter: true } }),
        { nodeId: 'sms', path: 'retry' },
        /unknown field "jitter"/,
      ],
      [
        withNode({ id: 'd', type: 'delay', config: { mode: 'until', at: '{{ job.scheduled_start }}', seconds: 5 } }),
        { nodeId: 'd', path: 'config' },
        /unknown field "seconds"/,
      ],
      [
        withNode({ id: 'a', type: 'api_call', config: { url: 'https://x.io', auth: { type: 'bearer', token: 't', scope: 'all' } } }),
        { nodeId: 'a', path: 'config.auth' },
        /unknown field "scope"/,
      ],
      [
        { ...VALID, edges: [{ id: 'e1', source: 'trigger', target: 'sms', color: 'red' }] },
        { nodeId: null, path: 'edges.0', edgeId: 'e1' },
        /This connection has unknown field "color"/,
      ],
      [{ ...VALID, settings: { reenrollment: 'every_time', priority: 1 } }, { nodeId: null, path: 'settings' }, /unknown field "priority"/],
    ];
    for (const [definition, where, message] of cases) {
      const r = responseOf(definition);
      expect(r).toMatchObject({ status: 422, body: { code: 'invalid_workflow' } });
      expect(r!.body.details).toEqual([expect.objectContaining({ ...where, code: 'unknown_field', message: expect.stringMatching(message) })]);
      expect(r!.body.message).toMatch(message);
    }
  });

  it('refuses unknown step, trigger and variant types with 422', () => {
    for (const [definition, path, message] of [
      [withNode({ id: 'x', type: 'teleport', config: {} }), 'type', /Unknown step type "teleport"/],
      [{ ...VALID, nodes: [{ id: 'trigger', type: 'trigger', trigger: { type: 'moon_phase' } }] }, 'trigger.type', /Unknown trigger type "moon_phase"/],
      [withNode({ id: 'd', type: 'delay', config: { mode: 'forever' } }), 'config.mode', /must be one of "duration", "until"/],
    ] as const) {
      const r = responseOf(definition);
      expect(r).toMatchObject({
        status: 422,
        body: { code: 'invalid_workflow', details: [expect.objectContaining({ path, code: 'unknown_type', message: expect.stringMatching(message) })] },
      });
    }
  });

  it('create and update refuse before they write anything', async () => {
    const query = jest.fn(() => Promise.reject(new Error('must not be called')));
    const deps = { pool: { query } as unknown as Pool } as ApiDeps;
    const p = { organizationId: '69a4b6ca-844a-4ff0-aea2-faa4983a6d9c', role: 'editor' as const, userId: null, apiKeyId: null, actor: 'test' };
    const huge = parseOr400(CreateWorkflowBody, {
      name: 'big',
      definition: withNode({ id: 'sms', type: 'send_sms', config: { body: 'x'.repeat(1_300_000) } }),
    });
    await expect(createWorkflow(deps, p, huge)).rejects.toMatchObject({ code: 'payload_too_large' });
    const unknown = parseOr400(UpdateWorkflowBody, { definition: withNode({ id: 'sms', type: 'send_sms', config: { body: 'hi' }, blob: 'x' }) });
    await expect(updateWorkflow(deps, p, '36c290c5-a69f-4349-ae2e-3e87e586802d', unknown)).rejects.toMatchObject({ code: 'invalid_workflow' });
    expect(query).not.toHaveBeenCalled();
  });
});
