import { randomBytes } from 'node:crypto';
import type { LoginBody, LoginResponse, Role } from '@fixlify/contracts';
import type { ApiConfig } from '../config';
import type { ApiDeps } from '../deps';
import { ApiError, tooManyRequests } from '../http/errors';
import { LoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword } from './password';
import { hashSessionToken, newSessionToken } from './tokens';

/** What an unknown account's password is checked against: a real hash with the same parameters, so it costs the same. */
let dummyHash: Promise<string> | null = null;
export const unknownAccountHash = (): Promise<string> => (dummyHash ??= hashPassword(randomBytes(18).toString('base64url')));

/** The sign-in throttle of one API process, per account and per address, from the configuration. */
export const loginThrottle = (c: ApiConfig): LoginThrottle =>
  new LoginThrottle({
    accountFreeFailures: c.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    addressFreeFailures: c.LOGIN_MAX_FAILURES_PER_ADDRESS,
    baseDelayMs: 1000,
    maxDelayMs: c.LOGIN_BACKOFF_MAX_SECONDS * 1000,
    forgetAfterMs: 15 * 60_000,
    maxConcurrent: c.LOGIN_MAX_CONCURRENT,
  });

interface Account {
  id: string;
  organization_id: string;
  role: Role;
  email: string;
  name: string;
  password_hash: string;
  org_name: string;
}

/** A new session: its token (for the cookie), how long it lasts, and the answer. */
export interface Session {
  token: string;
  ttlHours: number;
  answer: LoginResponse;
}

/**
 * POST /api/auth/login: checks the password and opens a session. Repeated failures per account and
 * per address are refused with 429 before anything is looked up; an unknown account costs the same
 * work and gets the same answer as a wrong password.
 */
export const signIn = async (deps: Pick<ApiDeps, 'pool' | 'cfg'>, throttle: LoginThrottle, body: LoginBody, address: string): Promise<Session> => {
  // checked before anything is looked up: an unknown account is throttled like a known one, and a refused attempt costs no hash
  const verdict = throttle.check(body.email, address);
  if (!verdict.ok) throw tooManyRequests('too many failed sign-ins; wait before trying again', verdict.retryAfterMs);
  const release = throttle.acquire();
  if (!release) throw tooManyRequests('too many sign-ins at once; try again in a moment', 1000);
  let u: Account | undefined;
  let ok: boolean;
  try {
    const r = await deps.pool.query<Account>(
      `SELECT u.id, u.organization_id, u.role, u.email, u.name, u.password_hash, o.name AS org_name
         FROM users u JOIN organizations o ON o.id = u.organization_id WHERE lower(u.email) = $1`,
      [body.email],
    );
    u = r.rows[0];
    // the same answer, and the same work, whether the e-mail exists or not
    ok = await verifyPassword(body.password, u?.password_hash ?? (await unknownAccountHash()));
  } finally {
    release();
  }
  if (!u || !ok) {
    throttle.failed(body.email, address);
    throw new ApiError('unauthenticated', 'wrong e-mail or password');
  }
  throttle.succeeded(body.email);
  const token = newSessionToken();
  const ttlHours = deps.cfg.SESSION_TTL_HOURS;
  await deps.pool.query(`INSERT INTO user_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))`, [
    hashSessionToken(token, deps.cfg.SESSION_SECRET),
    u.id,
    ttlHours,
  ]);
  return {
    token,
    ttlHours,
    answer: { user: { id: u.id, email: u.email, name: u.name, role: u.role }, organization: { id: u.organization_id, name: u.org_name } },
  };
};

/** POST /api/auth/logout: the session of this token ends (none: nothing to end). */
export const signOut = async (deps: Pick<ApiDeps, 'pool' | 'cfg'>, token: string | null): Promise<void> => {
  if (token) await deps.pool.query('DELETE FROM user_sessions WHERE token_hash = $1', [hashSessionToken(token, deps.cfg.SESSION_SECRET)]);
};
