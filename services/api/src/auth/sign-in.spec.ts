import type { Pool } from 'pg';
import type { ApiDeps } from '../deps';
import { LoginThrottle } from './login-throttle';
import { hashPassword } from './password';
import { signIn } from './sign-in';
import { hashSessionToken } from './tokens';

const org = '00000000-0000-4000-8000-0000000000aa';
const user = '00000000-0000-4000-8000-0000000000bb';
const cfg = { SESSION_TTL_HOURS: 12, SESSION_SECRET: 'a-session-secret-for-the-test-only' };
const throttle = () =>
  new LoginThrottle({ accountFreeFailures: 1, addressFreeFailures: 10, baseDelayMs: 60_000, maxDelayMs: 60_000, forgetAfterMs: 60_000, maxConcurrent: 2 });

describe('signIn', () => {
  let hash: string;
  beforeAll(async () => {
    hash = await hashPassword('right');
  });
  const deps = (accounts: unknown[]) => {
    const query = jest.fn((sql: string, _params?: unknown[]) => Promise.resolve({ rows: sql.includes('FROM users u') ? accounts : [], rowCount: 1 }));
    return { deps: { pool: { query } as unknown as Pool, cfg } as unknown as ApiDeps, query };
  };
  const account = () => ({ id: user, organization_id: org, role: 'owner', email: 'o@example.com', name: 'Owner', password_hash: hash, org_name: 'Org' });

  it('opens a session (only its hash stored) and answers the user and organization', async () => {
    const { deps: d, query } = deps([account()]);
    const s = await signIn(d, throttle(), { email: 'o@example.com', password: 'right' }, '127.0.0.9');
    expect(s.answer).toEqual({ user: { id: user, email: 'o@example.com', name: 'Owner', role: 'owner' }, organization: { id: org, name: 'Org' } });
    expect(s.ttlHours).toBe(12);
    const insert = query.mock.calls.find(([sql]) => sql.startsWith('INSERT INTO user_sessions'))!;
    expect(insert[1]).toEqual([hashSessionToken(s.token, cfg.SESSION_SECRET), user, 12]);
  });

  it('answers a wrong password and an unknown account alike, and throttles the account after that', async () => {
    const t = throttle();
    const wrong = signIn(deps([account()]).deps, t, { email: 'o@example.com', password: 'wrong' }, '127.0.0.9');
    await expect(wrong).rejects.toMatchObject({ code: 'unauthenticated', message: 'wrong e-mail or password' });
    await expect(signIn(deps([]).deps, t, { email: 'nobody@example.com', password: 'x' }, '127.0.0.9')).rejects.toMatchObject({
      code: 'unauthenticated',
      message: 'wrong e-mail or password',
    });
    // one free failure: the next attempt for that account waits, and nothing is looked up for it
    const { deps: d, query } = deps([account()]);
    await expect(signIn(d, t, { email: 'o@example.com', password: 'right' }, '127.0.0.9')).rejects.toMatchObject({ code: 'too_many_requests' });
    expect(query).not.toHaveBeenCalled();
  });
});
