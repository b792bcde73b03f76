import { randomBytes } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from '../http/express-types';
import { z } from 'zod';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { ApiError, notFound, tooManyRequests } from '../http/errors';
import { zod } from '../http/zod.pipe';
import { Caller, MinRole, Public } from './auth.guard';
import { LoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword } from './password';
import { ROLES, type Principal } from './principal';
import { generateApiKey, hashSessionToken, newSessionToken, readCookie, SESSION_COOKIE } from './tokens';

export const LoginBody = z.object({ email: z.string().trim().toLowerCase().email().max(320), password: z.string().min(1).max(500) }).strict();
export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: z.enum(ROLES).default('editor'),
    /** when the key stops working (refused with 401 from then on); none: until revoked */
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
      .optional(),
  })
  .strict();
const uuidParam = z.uuid();

/** What an unknown account's password is checked against: a real hash with the same parameters, so it costs the same. */
let dummyHash: Promise<string> | null = null;
const unknownAccountHash = (): Promise<string> => (dummyHash ??= hashPassword(randomBytes(18).toString('base64url')));

@Controller('api/auth')
export class AuthController {
  private readonly throttle: LoginThrottle;

  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {
    const c = deps.cfg;
    this.throttle = new LoginThrottle({
      accountFreeFailures: c.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      addressFreeFailures: c.LOGIN_MAX_FAILURES_PER_ADDRESS,
      baseDelayMs: 1000,
      maxDelayMs: c.LOGIN_BACKOFF_MAX_SECONDS * 1000,
      forgetAfterMs: 15 * 60_000,
      maxConcurrent: c.LOGIN_MAX_CONCURRENT,
    });
    void unknownAccountHash();
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @Doc({ summary: 'Sign in to the web app (sets the session cookie); repeated failures per account and per address answer 429 with Retry-After', body: LoginBody, role: 'public' })
  async login(@Body(zod(LoginBody)) body: z.infer<typeof LoginBody>, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    // checked before anything is looked up: an unknown account is throttled like a known one, and a refused attempt costs no hash
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const verdict = this.throttle.check(body.email, address);
    if (!verdict.ok) throw tooManyRequests('too many failed sign-ins; wait before trying again', verdict.retryAfterMs);
    const release = this.throttle.acquire();
    if (!release) throw tooManyRequests('too many sign-ins at once; try again in a moment', 1000);
    let u: { id: string; organization_id: string; role: string; email: string; name: string; password_hash: string; org_name: string } | undefined;
    let ok: boolean;
    try {
      const r = await this.deps.pool.query<NonNullable<typeof u>>(
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
      this.throttle.failed(body.email, address);
      throw new ApiError('unauthenticated', 'wrong e-mail or password');
    }
    this.throttle.succeeded(body.email);
    const token = newSessionToken();
    const ttl = this.deps.cfg.SESSION_TTL_HOURS;
    await this.deps.pool.query(`INSERT INTO user_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))`, [
      hashSessionToken(token, this.deps.cfg.SESSION_SECRET),
      u.id,
      ttl,
    ]);
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: this.deps.cfg.COOKIE_SECURE, path: '/', maxAge: ttl * 3600_000 });
    return { user: { id: u.id, email: u.email, name: u.name, role: u.role }, organization: { id: u.organization_id, name: u.org_name } };
  }

  @Post('logout')
  @Public()
  @HttpCode(200)
  @Doc({ summary: 'Sign out (ends the session)', role: 'public' })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (token) await this.deps.pool.query('DELETE FROM user_sessions WHERE token_hash = $1', [hashSessionToken(token, this.deps.cfg.SESSION_SECRET)]);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  }

  @Get('me')
  @Doc({ summary: 'Who is calling: user or API key, role, organization', role: 'viewer' })
  async me(@Caller() p: Principal): Promise<unknown> {
    const org = await this.deps.pool.query<{ id: string; name: string; time_zone: string }>('SELECT id, name, time_zone FROM organizations WHERE id = $1', [p.organizationId]);
    const user = p.userId ? (await this.deps.pool.query('SELECT id, email, name, role FROM users WHERE id = $1', [p.userId])).rows[0] : null;
    return { organization: org.rows[0] ?? null, role: p.role, user, apiKeyId: p.apiKeyId };
  }
}

@Controller('api/api-keys')
export class ApiKeysController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @MinRole('owner')
  @Doc({ summary: "The organization's API keys (prefix only; the key itself is shown once at creation)", role: 'owner' })
  async list(@Caller() p: Principal): Promise<unknown> {
    const r = await this.deps.pool.query(
      `SELECT id, name, prefix, role, last_used_at AS "lastUsedAt", revoked_at AS "revokedAt", expires_at AS "expiresAt", created_at AS "createdAt"
         FROM api_keys WHERE organization_id = $1 ORDER BY created_at DESC`,
      [p.organizationId],
    );
    return { items: r.rows };
  }

  @Post()
  @MinRole('owner')
  @Doc({ summary: 'Create an API key (optionally expiring at expiresAt); the answer is the only time the key is shown', body: CreateApiKeyBody, role: 'owner' })
  async create(@Caller() p: Principal, @Body(zod(CreateApiKeyBody)) body: z.infer<typeof CreateApiKeyBody>): Promise<unknown> {
    const k = generateApiKey();
    const r = await this.deps.pool.query<{ id: string; expiresAt: Date | null }>(
      `INSERT INTO api_keys (organization_id, name, prefix, key_hash, role, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, expires_at AS "expiresAt"`,
      [p.organizationId, body.name, k.prefix, k.hash, body.role, body.expiresAt ?? null],
    );
    return { id: r.rows[0]!.id, name: body.name, role: body.role, prefix: k.prefix, expiresAt: r.rows[0]!.expiresAt, key: k.key };
  }

  @Delete(':id')
  @MinRole('owner')
  @Doc({ summary: 'Revoke an API key', role: 'owner' })
  async revoke(@Caller() p: Principal, @Param('id', zod(uuidParam, 'id')) id: string): Promise<unknown> {
    const r = await this.deps.pool.query(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND organization_id = $2`, [id, p.organizationId]);
    if (r.rowCount !== 1) throw notFound('API key');
    return { ok: true };
  }
}
