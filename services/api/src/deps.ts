import type { Pool } from 'pg';
import type { Logger } from '@fixlify/kafka';
import type { ApiConfig } from './config';
import type { DeadLetterBuffer } from './dead-letters/dlq-buffer';
import type { EventLogReader } from './explain/explain-record';
import type { LiveHub } from './live/live-hub';

/** Sends one message to a topic (an idempotent producer; acks=all). */
export interface Publisher {
  send(topic: string, key: string | null, value: string, headers?: Record<string, string>): Promise<void>;
}

/** What every controller needs; built once in main.ts and provided under DEPS. */
export interface ApiDeps {
  cfg: ApiConfig;
  pool: Pool;
  log: Logger;
  publisher: Publisher;
  live: LiveHub;
  deadLetters: DeadLetterBuffer;
  /** encrypts the organizations' provider secrets (CREDENTIALS_ENCRYPTION_KEY) */
  credentialsKey: Buffer;
  /** reads one key's records in a time range of the events topic ("why didn't this fire?") */
  readEvents: EventLogReader;
  /** true once the Kafka consumers have joined their groups */
  kafkaReady: () => boolean;
}

export const DEPS = 'FIXLIFY_API_DEPS';
