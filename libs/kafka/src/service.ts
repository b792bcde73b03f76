import type { Health } from './health';
import type { Logger } from './logger';
import { startServiceHttp } from './observability';
import { shutdownTracing } from './tracing';

/**
 * Common process wiring of a service: /metrics and /health on its port, graceful stop on
 * SIGTERM/SIGINT (consumers leave their groups), hard exit if stopping hangs. Errors nobody
 * caught are logged, not fatal: every consumer is supervised and every pool handles its own
 * errors, so one stray rejection must not take the healthy rest of the service down.
 */
export const runService = async (o: {
  name: string;
  log: Logger;
  httpPort: number;
  /** what /health/ready reports: each consumer and dependency of the service */
  health: Health;
  stop: () => Promise<void>;
  extraRoutes?: (path: string) => unknown;
}): Promise<void> => {
  const http = await startServiceHttp(o.httpPort, () => o.health.report(), o.extraRoutes);
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
  process.on('unhandledRejection', (e: unknown) => o.log.error({ err: e }, `${o.name}: unhandled rejection`));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
};
