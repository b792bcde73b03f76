import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { LiveEvent } from '@fixlify/contracts';
import type { Request, Response } from '../http/express-types';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { tooManyRequests } from '../http/errors';
import { sseFrame } from './live-hub';

@Controller('api/live')
export class LiveController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({
    summary:
      "Server-Sent Events: the organization's execution status, progress and errors as they happen (event: execution); a few streams per user or key at once (429 beyond)",
    role: 'viewer',
    produces: 'text/event-stream',
    response: LiveEvent,
  })
  stream(@Caller() p: Principal, @Req() req: Request, @Res() res: Response): void {
    const cfg = this.deps.cfg;
    const principal = p.userId ? `user:${p.userId}` : `key:${p.apiKeyId ?? p.actor}`;
    const client = { write: (frame: string) => !res.writableEnded && res.write(frame) !== undefined };
    // counted before anything is sent: the stream that would pass the cap answers 429 instead
    const remove = this.deps.live.add(p.organizationId, client, {
      principal,
      maxPerPrincipal: cfg.API_LIVE_MAX_STREAMS_PER_PRINCIPAL,
      maxPerOrganization: cfg.API_LIVE_MAX_STREAMS_PER_ORG,
    });
    if (!remove) {
      const mine = this.deps.live.streamsOf(principal) >= cfg.API_LIVE_MAX_STREAMS_PER_PRINCIPAL;
      throw tooManyRequests(
        mine
          ? `at most ${cfg.API_LIVE_MAX_STREAMS_PER_PRINCIPAL} live streams at once per user or API key; close one first`
          : `at most ${cfg.API_LIVE_MAX_STREAMS_PER_ORG} live streams at once per organization`,
        5000,
      );
    }
    req.on('close', () => {
      remove();
      res.end();
    });
    res.status(200);
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-cache, no-transform');
    res.setHeader('x-accel-buffering', 'no');
    res.setHeader('connection', 'keep-alive');
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    res.write(sseFrame('ready', { organizationId: p.organizationId }));
  }
}
