import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from '../http/express-types';

const isApiPath = (path: string): boolean => ['/api', '/docs', '/health'].some((p) => path === p || path.startsWith(`${p}/`));

/** The built web app at /, with the SPA's routes falling back to index.html; a hint when it is not built. */
export const serveWebApp = (app: NestExpressApplication, distDir: string): void => {
  const index = join(distDir, 'index.html');
  app.useStaticAssets(distDir, { index: false, maxAge: '1h' });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path)) return next();
    res.setHeader('cache-control', 'no-cache');
    if (existsSync(index)) return res.sendFile(index);
    res
      .status(200)
      .type('html')
      .send(
        '<!doctype html><title>Fixlify</title><p>The web app is not built yet: run <code>npm run build:web</code>. The API is documented at <a href="/docs">/docs</a>.</p>',
      );
  });
};
