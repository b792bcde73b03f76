import type { Pool } from 'pg';
import { DeadLetterList } from '@fixlify/contracts';
import type { ApiDeps } from '../deps';
import type { Principal } from '../auth/principal';
import { DeadLetterBuffer } from './dlq-buffer';
import { listDeadLetters } from './list-dead-letters';

const org = '00000000-0000-4000-8000-0000000000aa';
const p = (role: Principal['role']): Principal => ({ organizationId: org, role, userId: null, apiKeyId: null, actor: 'a' });

const deps = () => {
  const deadLetters = new DeadLetterBuffer(10);
  const value = JSON.stringify({ organizationId: org, config: { password: 'hunter2' } });
  deadLetters.add(
    3,
    '41',
    JSON.stringify({
      v: 1,
      origin: { topic: 'automation.commands.v1', partition: 0, offset: '7', key: 'k' },
      consumer: 'executor',
      reason: 'boom',
      value,
      headers: { authorization: 'Bearer abcdefgh' },
      failedAt: '2030-01-01T00:00:00.000Z',
    }),
  );
  const query = jest.fn().mockResolvedValue({
    rows: [{ id: '3:41', count: 2, firstAt: new Date('2030-01-01T01:00:00Z'), lastAt: new Date('2030-01-01T02:00:00Z'), lastBy: 'ed' }],
    rowCount: 1,
  });
  return { pool: { query } as unknown as Pool, deadLetters } as unknown as ApiDeps;
};

describe('listDeadLetters', () => {
  it('shows editors the dead letters as they are, with their re-drives', async () => {
    const l = await listDeadLetters(deps(), p('editor'), { limit: 10 });
    expect(DeadLetterList.parse(l)).toEqual(l);
    expect(l).toMatchObject({
      redacted: false,
      items: [{ id: '3:41', redrive: { count: 2, firstAt: '2030-01-01T01:00:00.000Z', lastAt: '2030-01-01T02:00:00.000Z', lastBy: 'ed' } }],
    });
    expect(l.items[0]!.deadLetter.value).toContain('hunter2');
  });
  it('shows viewers the values and headers with their secrets replaced, and says so', async () => {
    const l = await listDeadLetters(deps(), p('viewer'), { limit: 10 });
    expect(l.redacted).toBe(true);
    expect(JSON.stringify(l.items)).not.toMatch(/hunter2|abcdefgh/);
  });
});
