import { DeadLetterBuffer, organizationOf } from './dlq-buffer';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const dl = (value: string | null) =>
  JSON.stringify({
    v: 1,
    origin: { topic: 'automation.commands.v1', partition: 0, offset: '5', key: 'k' },
    consumer: 'executor',
    reason: 'bad',
    value,
    headers: {},
    failedAt: '2030-01-01T00:00:00.000Z',
  });

describe('dead-letter buffer', () => {
  it('finds the organization of topic messages and CDC rows', () => {
    expect(organizationOf(JSON.stringify({ organizationId: A }))).toBe(A);
    expect(organizationOf(JSON.stringify({ payload: { after: { organization_id: B } } }))).toBe(B);
    expect(organizationOf('not json')).toBeNull();
    expect(organizationOf(null)).toBeNull();
  });
  it('shows an organization only its own entries, newest first, bounded', () => {
    const b = new DeadLetterBuffer(2);
    b.add(0, '1', dl(JSON.stringify({ organizationId: A })));
    b.add(0, '2', dl(JSON.stringify({ organizationId: B })));
    b.add(0, '3', dl(JSON.stringify({ organizationId: A })));
    expect(b.list(A, 10).map((e) => e.id)).toEqual(['0:3']);
    expect(b.get(B, '0:3')).toBeNull();
    expect(b.get(A, '0:3')?.deadLetter.reason).toBe('bad');
    b.add(0, '4', 'garbage-that-is-not-a-dead-letter'.length ? dl(null) : '');
    expect(b.list(A, 10)).toHaveLength(1);
  });
  it('keeps a bounded number per organization: a flood from one pushes out its own dead letters, not the others', () => {
    const b = new DeadLetterBuffer(10, 6);
    b.add(0, '1', dl(JSON.stringify({ organizationId: A })));
    b.add(0, '2', dl(JSON.stringify({ organizationId: A })));
    for (let i = 0; i < 50; i++) b.add(1, String(i), dl(JSON.stringify({ organizationId: B })));
    expect(b.list(A, 10).map((e) => e.id)).toEqual(['0:2', '0:1']);
    expect(b.list(B, 100).map((e) => e.id)).toEqual(['1:49', '1:48', '1:47', '1:46', '1:45', '1:44']);
    // unknown organizations share one group, bounded the same way
    for (let i = 0; i < 20; i++) b.add(2, String(i), dl('not json'));
    expect(b.size).toBe(10);
    expect(b.list(A, 10)).toHaveLength(2);
    // the same position read again is one entry
    b.add(0, '1', dl(JSON.stringify({ organizationId: A })));
    expect(b.list(A, 10).map((e) => e.id)).toEqual(['0:1', '0:2']);
  });
});
