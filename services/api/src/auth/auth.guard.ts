import { createParamDecorator, Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '../http/errors';
import { DEPS, type ApiDeps } from '../deps';
import { roleAtLeast, type AuthedRequest, type Principal, type Role } from './principal';
import { hashApiKey, hashSessionToken, looksLikeApiKey, readCookie, SESSION_COOKIE } from './tokens';

const MIN_ROLE = 'fixlify:min-role';
const PUBLIC = 'fixlify:public';

/** Reads need a viewer and writes an editor unless a handler says otherwise. */
export const MinRole = (role: Role) => SetMetadata(MIN_ROLE, role);
export const Public = () => SetMetadata(PUBLIC, true);

export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const p = ctx.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!p) throw new ApiError('unauthenticated', 'sign in or send an API key');
  return p;
});

export const authenticate = async (deps: ApiDeps, req: AuthedRequest): Promise<Principal | null> => {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m || !looksLikeApiKey(m[1]!)) return null;
    const r = await deps.pool.query<{ id: string; organization_id: string; role: Role; name: string }>(
      `UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) RETURNING id, organization_id, role, name`,
      [hashApiKey(m[1]!)],
    );
    const k = r.rows[0];
    return k ? { organizationId: k.organization_id, role: k.role, userId: null, apiKeyId: k.id, actor: `api-key:${k.name}` } : null;
  }
  const token = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (!token) return null;
  const r = await deps.pool.query<{ id: string; organization_id: string; role: Role; email: string }>(
    `SELECT u.id, u.organization_id, u.role, u.email FROM user_sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > now()`,
    [hashSessionToken(token, deps.cfg.SESSION_SECRET)],
  );
  const u = r.rows[0];
  return u ? { organizationId: u.organization_id, role: u.role, userId: u.id, apiKeyId: null, actor: u.email } : null;
};

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(DEPS) private readonly deps: ApiDeps,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const principal = await authenticate(this.deps, req);
    if (!principal) throw new ApiError('unauthenticated', 'sign in or send an API key (Authorization: Bearer fx_…)');
    const min = this.reflector.getAllAndOverride<Role>(MIN_ROLE, targets) ?? (req.method === 'GET' || req.method === 'HEAD' ? 'viewer' : 'editor');
    if (!roleAtLeast(principal.role, min)) throw new ApiError('forbidden', `this needs the ${min} role; you are ${principal.role}`);
    req.principal = principal;
    return true;
  }
}
