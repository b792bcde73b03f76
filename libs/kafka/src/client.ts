import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';
import './compression';
import { kafkaEnv } from './env';
import type { Logger } from './logger';

export const createKafka = (clientId: string, log?: Logger, brokers = kafkaEnv().KAFKA_BROKERS): Kafka =>
  new Kafka({
    clientId,
    brokers: brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries: 10 },
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...extra } = entry;
        if (!log) return;
        if (level <= logLevel.ERROR) log.error({ kafkajs: extra }, message);
        else log.warn({ kafkajs: extra }, message);
      },
  });

/** Creates missing topics; never changes existing ones. */
export const ensureTopics = async (admin: Admin, topics: ITopicConfig[]): Promise<void> => {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (e) {
    // another process may have created them in between
    if (!(e instanceof Error) || !/already exists/i.test(e.message)) throw e;
  }
};

/** A topic's `retention.ms` as the broker has it (the topic's own, else the broker default); -1 is unlimited. */
export const topicRetentionMs = async (admin: Admin, topic: string): Promise<number> => {
  const cfg = await admin.describeConfigs({ resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['retention.ms'] }], includeSynonyms: false });
  return Number(cfg.resources[0]?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue ?? '-1');
};
