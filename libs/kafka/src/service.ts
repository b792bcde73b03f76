import type { Logger } from './logger';
import { startServiceHttp } from './observability';
import { shutdownTracing } from './tracing';

/**
 * Common process wiring of a service: /metrics and /health on its port, graceful stop on
 * SIGTERM/SIGINT (consumers leave their groups), hard exit if stopping hangs.
 */
export const runService = async (o: {
  name: string;
  log: Logger;
  httpPort: number;
  isReady: () => boolean;
  stop: () => Promise<void>;
  extraRoutes?: (path: string) => unknown;
}): Promise<void> => {
  const http = await startServiceHttp(o.httpPort, o.isReady, o.extraRoutes);
  o.log.info({ port: http.port }, `${o.name} started; /metrics and /health on port ${http.port}`);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    o.log.info({ signal }, `${o.name} stopping`);
    const timer = setTimeout(() => process.exit(1), 15_000);
    timer.unref();
    o.stop()
      .then(() => shutdownTracing())
      .then(() => http.close())
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        o.log.error({ err: e }, 'stop failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
};
