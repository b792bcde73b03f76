import { ChannelError, classifyHttpStatus, classifyTransportError, parseRetryAfter } from './errors';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(['2'], now)).toBe(2000);
    expect(parseRetryAfter('0', now)).toBe(0);
  });
  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:45 GMT', now)).toBe(45_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or garbage values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('classifyHttpStatus', () => {
  it.each([
    [429, 'rate_limited', true],
    [408, 'timeout', true],
    [500, 'provider_unavailable', true],
    [502, 'provider_unavailable', true],
    [503, 'provider_unavailable', true],
    [400, 'invalid_request', false],
    [422, 'invalid_request', false],
    [401, 'auth_failed', false],
    [403, 'auth_failed', false],
    [404, 'rejected', false],
    [409, 'rejected', false],
    [410, 'recipient_gone', false],
    [413, 'payload_too_large', false],
    [302, 'rejected', false],
  ] as const)('%i → %s (retryable %s)', (status, code, retryable) => {
    const e = classifyHttpStatus(status);
    expect(e).toBeInstanceOf(ChannelError);
    expect(e).toMatchObject({ code, retryable, status });
  });
  it('carries Retry-After and detail', () => {
    const e = classifyHttpStatus(429, '7', 'slow down');
    expect(e.retryAfterMs).toBe(7000);
    expect(e.detail).toBe('slow down');
    expect(e.message).toContain('slow down');
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ code: 'rate_limited', retryAfterMs: 7000, status: 429 });
  });
  it('only a gateway timeout leaves the outcome unknown', () => {
    expect(classifyHttpStatus(504).maybeDelivered).toBe(true);
    expect(classifyHttpStatus(503).maybeDelivered).toBe(false);
    expect(classifyHttpStatus(429).maybeDelivered).toBe(false);
  });
});

describe('classifyTransportError', () => {
  const withCode = (code: string, name = 'Error') => Object.assign(new Error(code), { code, name });
  it('refused connections are retryable and certainly not delivered', () => {
    expect(classifyTransportError(withCode('ECONNREFUSED'))).toMatchObject({ code: 'network', retryable: true, maybeDelivered: false });
  });
  it('a reset after sending may have been delivered', () => {
    expect(classifyTransportError(withCode('ECONNRESET'))).toMatchObject({ code: 'network', retryable: true, maybeDelivered: true });
  });
  it('timeouts are retryable; connect timeouts were not delivered', () => {
    expect(classifyTransportError(withCode('UND_ERR_HEADERS_TIMEOUT'))).toMatchObject({ code: 'timeout', maybeDelivered: true });
    expect(classifyTransportError(withCode('UND_ERR_CONNECT_TIMEOUT'))).toMatchObject({ code: 'timeout', maybeDelivered: false });
    const abort = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classifyTransportError(abort)).toMatchObject({ code: 'timeout', retryable: true });
  });
  it('finds a ChannelError in the cause chain', () => {
    const inner = new ChannelError('ssrf_blocked', 'no', { retryable: false });
    expect(classifyTransportError(new Error('wrapped', { cause: inner }))).toBe(inner);
  });
});
