import { DomainEvent, TRIGGER_ERROR_CODES } from '@fixlify/contracts';
import { httpStatusOf } from './errors';
import { webhookEvent } from './webhook-trigger';

const ORG = '69a4b6ca-844a-4ff0-aea2-faa4983a6d9c';
const WF = '5b1d3c2a-8f7e-4d6c-9b5a-4e3d2c1b0a99';
const now = new Date('2026-11-27T04:01:05.000Z');

describe('inbound webhook events', () => {
  it('a webhook event carries a JSON object as data, anything else under data.payload', () => {
    const obj = webhookEvent({ organizationId: ORG, workflowId: WF, requestId: 'key:d-1', payload: { status: 'paid' }, now });
    expect(DomainEvent.parse(obj).data).toEqual({ status: 'paid' });
    expect(webhookEvent({ organizationId: ORG, workflowId: WF, requestId: 'x', payload: [1, 2], now }).data).toEqual({ payload: [1, 2] });
    expect(webhookEvent({ organizationId: ORG, workflowId: WF, requestId: 'x', payload: 'hi', now }).data).toEqual({ payload: 'hi' });
    expect(webhookEvent({ organizationId: ORG, workflowId: WF, requestId: 'x', payload: null, now }).data).toEqual({ payload: null });
  });

  it('every refusal code has a status: 401 for authentication, 409 for replays, 413 for size', () => {
    const statuses = Object.fromEntries(TRIGGER_ERROR_CODES.map((c) => [c, httpStatusOf(c)]));
    expect(statuses).toEqual({
      signature_missing: 401,
      signature_malformed: 401,
      signature_stale: 401,
      signature_mismatch: 401,
      replayed: 409,
      not_found: 404,
      invalid_body: 400,
      invalid_path: 400,
      body_too_large: 413,
      method_not_allowed: 405,
      unavailable: 503,
    });
  });
});
