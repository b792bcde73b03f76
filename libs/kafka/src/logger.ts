import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs; every line about one execution carries organizationId, workflowId and executionId. */
export const createLogger = (service: string): Logger =>
  pino({
    name: service,
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
