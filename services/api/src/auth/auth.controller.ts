import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiKeyList, CreateApiKeyBody, CreatedApiKey, LoginBody, LoginResponse, Me, OkResponse } from '@fixlify/contracts';
import type { Request, Response } from '../http/express-types';
import { z } from 'zod';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { zod } from '../http/zod.pipe';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys';
import { Caller, MinRole, Public } from './auth.guard';
import type { LoginThrottle } from './login-throttle';
import type { Principal } from './principal';
import { loginThrottle, signIn, signOut, unknownAccountHash } from './sign-in';
import { readCookie, SESSION_COOKIE } from './tokens';
import { whoAmI } from './who-am-i';

const uuidParam = z.uuid();

@Controller('api/auth')
export class AuthController {
  private readonly throttle: LoginThrottle;

  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {
    this.throttle = loginThrottle(deps.cfg);
    void unknownAccountHash();
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @Doc({
    summary: 'Sign in to the web app (sets the session cookie); repeated failures per account and per address answer 429 with Retry-After',
    body: LoginBody,
    role: 'public',
    response: LoginResponse,
  })
  async login(@Body(zod(LoginBody)) body: LoginBody, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<LoginResponse> {
    const s = await signIn(this.deps, this.throttle, body, req.ip ?? req.socket.remoteAddress ?? 'unknown');
    res.cookie(SESSION_COOKIE, s.token, { httpOnly: true, sameSite: 'lax', secure: this.deps.cfg.COOKIE_SECURE, path: '/', maxAge: s.ttlHours * 3600_000 });
    return s.answer;
  }

  @Post('logout')
  @Public()
  @HttpCode(200)
  @Doc({ summary: 'Sign out (ends the session)', role: 'public', response: OkResponse })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<OkResponse> {
    await signOut(this.deps, readCookie(req.headers.cookie, SESSION_COOKIE));
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  }

  @Get('me')
  @Doc({ summary: 'Who is calling: user or API key, role, organization', role: 'viewer', response: Me })
  me(@Caller() p: Principal): Promise<Me> {
    return whoAmI(this.deps.pool, p);
  }
}

@Controller('api/api-keys')
export class ApiKeysController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @MinRole('owner')
  @Doc({ summary: "The organization's API keys (prefix only; the key itself is shown once at creation)", role: 'owner', response: ApiKeyList })
  list(@Caller() p: Principal): Promise<ApiKeyList> {
    return listApiKeys(this.deps.pool, p.organizationId);
  }

  @Post()
  @MinRole('owner')
  @Doc({
    summary: 'Create an API key (optionally expiring at expiresAt); the answer is the only time the key is shown',
    body: CreateApiKeyBody,
    role: 'owner',
    response: CreatedApiKey,
  })
  create(@Caller() p: Principal, @Body(zod(CreateApiKeyBody)) body: CreateApiKeyBody): Promise<CreatedApiKey> {
    return createApiKey(this.deps.pool, p.organizationId, body);
  }

  @Delete(':id')
  @MinRole('owner')
  @Doc({ summary: 'Revoke an API key', role: 'owner', response: OkResponse })
  revoke(@Caller() p: Principal, @Param('id', zod(uuidParam, 'id')) id: string): Promise<OkResponse> {
    return revokeApiKey(this.deps.pool, p.organizationId, id);
  }
}
