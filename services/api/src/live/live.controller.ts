import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from '../http/express-types';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { sseFrame } from './live-hub';

@Controller('api/live')
export class LiveController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({ summary: "Server-Sent Events: the organization's execution status, progress and errors as they happen (event: execution)", role: 'viewer', produces: 'text/event-stream' })
  stream(@Caller() p: Principal, @Req() req: Request, @Res() res: Response): void {
    res.status(200);
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-cache, no-transform');
    res.setHeader('x-accel-buffering', 'no');
    res.setHeader('connection', 'keep-alive');
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    res.write(sseFrame('ready', { organizationId: p.organizationId }));
    const remove = this.deps.live.add(p.organizationId, { write: (frame) => !res.writableEnded && res.write(frame) !== undefined });
    req.on('close', () => {
      remove();
      res.end();
    });
  }
}
