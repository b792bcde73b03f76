import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { credentialsKey, unsubscribeSigningKey } from '@fixlify/channels';
import { createPool } from '@fixlify/db';
import { TOPICS } from '@fixlify/contracts';
import { createKafka, createLogger, createResilientProducer, kafkaEnv, readKeyedRange } from '@fixlify/kafka';
import { AppModule } from './app.module';
import { apiConfig } from './config';
import { DeadLetterBuffer } from './dead-letters/dlq-buffer';
import type { ApiDeps, Publisher } from './deps';
import { ErrorFilter, toErrorResponse } from './http/error.filter';
import { applySecurity } from './http/security';
import type { NextFunction, Request, Response } from './http/express-types';
import { LiveHub } from './live/live-hub';
import { startDeadLetterReader, startLiveReader, type Reader } from './live/kafka-readers';
import { seedTemplates } from './templates/seed-templates';
import { serveWebApp } from './web/static';
import { serveUnsubscribe } from './consent/unsubscribe-page';

const log = createLogger('api');

const main = async (): Promise<void> => {
  process.on('unhandledRejection', (e: unknown) => log.error({ err: e }, 'api: unhandled rejection'));
  const cfg = apiConfig();
  const env = kafkaEnv();
  const pool = createPool();
  const seeded = await seedTemplates(pool);
  log.info({ templates: seeded }, 'templates seeded');

  const kafka = createKafka('fixlify-api', log);
  const producer = createResilientProducer(kafka);
  const publisher: Publisher = {
    send: async (topic, key, value, headers) => {
      await producer.send({ topic, acks: -1, messages: [{ key, value, ...(headers ? { headers } : {}) }] });
    },
  };
  const live = new LiveHub();
  const deadLetters = new DeadLetterBuffer(cfg.API_DLQ_BUFFER, cfg.API_DLQ_BUFFER_PER_ORG);
  const readers: Reader[] = [];
  const deps: ApiDeps = {
    cfg,
    pool,
    log,
    publisher,
    live,
    deadLetters,
    credentialsKey: credentialsKey(),
    readEvents: async (o) =>
      readKeyedRange(kafka, { topic: TOPICS.events, ...o, maxScanned: cfg.API_EXPLAIN_MAX_SCANNED, groupPrefix: env.FIXLIFY_GROUP_PREFIX }),
    kafkaReady: () => readers.length === 2 && readers.every((r) => r.ready()),
  };

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(deps), { logger: ['error', 'warn'], bodyParser: false });
  app.disable('x-powered-by');
  applySecurity(app, cfg);
  app.useBodyParser('json', { limit: '2mb' });
  app.useGlobalFilters(new ErrorFilter(log));
  serveUnsubscribe(app, pool, unsubscribeSigningKey());
  serveWebApp(app, cfg.WEB_DIST_DIR);
  await app.init();
  // errors raised before a route is chosen (malformed JSON, too large) leave in the same shape
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const { status, body } = toErrorResponse(err);
    res.status(status).json(body);
  });

  readers.push(await startLiveReader(kafka, log, env.FIXLIFY_GROUP_PREFIX, live));
  readers.push(await startDeadLetterReader(kafka, log, env.FIXLIFY_GROUP_PREFIX, deadLetters));
  const heartbeat = setInterval(() => live.heartbeat(), 15_000);

  await app.listen(cfg.API_PORT, cfg.API_HOST);
  log.info({ port: cfg.API_PORT }, `api listening on http://${cfg.API_HOST}:${cfg.API_PORT} (docs at /docs)`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'api stopping');
    clearInterval(heartbeat);
    setTimeout(() => process.exit(1), 10_000).unref();
    Promise.allSettled(readers.map((r) => r.stop()))
      .then(() => app.close())
      .then(() => producer.stop())
      .then(() => pool.end())
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        log.error({ err: e }, 'stop failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
};

main().catch((e: unknown) => {
  log.fatal({ err: e }, 'api failed to start');
  process.exit(1);
});
