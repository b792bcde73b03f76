import { childSpan, formatTraceparent, parseTraceparent, traceFields, traceHeaders, traceIdFromUuid } from './trace';

describe('W3C traceparent', () => {
  const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('parses and formats the spec example', () => {
    const c = parseTraceparent(header);
    expect(c).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
    expect(formatTraceparent(c!)).toBe(header);
  });

  it('rejects invalid headers instead of failing', () => {
    for (const bad of [
      undefined,
      '',
      'garbage',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7', // no flags
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01', // zero trace id
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', // zero span id
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', // forbidden version
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', // upper case
      `${header}-extra`, // version 00 has no more fields
    ])
      expect(parseTraceparent(bad)).toBeNull();
    // a later version may append fields
    expect(parseTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever`)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('a child span keeps the trace and flags with a new span id', () => {
    const parent = parseTraceparent(header)!;
    const child = childSpan(parent);
    expect(child.traceId).toBe(parent.traceId);
    expect(child.traceFlags).toBe(1);
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.spanId).not.toBe(parent.spanId);
    expect(parseTraceparent(traceHeaders(child).traceparent)).toEqual(child);
  });

  it('a root span takes the given trace id (an event id) or a random one', () => {
    const id = traceIdFromUuid('6F0D7A8E-2b7c-4b8e-9a35-1c1f3e0b9d42');
    expect(id).toBe('6f0d7a8e2b7c4b8e9a351c1f3e0b9d42');
    expect(childSpan(null, id).traceId).toBe(id);
    expect(childSpan(null).traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdFromUuid('not-a-uuid')).toBeNull();
    expect(traceIdFromUuid('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('log fields join lines and traces', () => {
    expect(traceFields(parseTraceparent(header))).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
    expect(traceFields(null)).toEqual({});
  });
});
