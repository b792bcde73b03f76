import type { StartCommand } from '@fixlify/contracts';
import type { ResilientProducer } from '@fixlify/kafka';

/** Publishes a chunk's starts on the replay lane, keyed by execution id, acknowledged by all in-sync replicas. */
export const publishStarts = async (d: { producer: ResilientProducer; commandsTopic: string }, starts: readonly StartCommand[]): Promise<void> => {
  if (starts.length === 0) return;
  await d.producer.send({
    topic: d.commandsTopic,
    acks: -1,
    messages: starts.map((c) => ({ key: c.executionId, value: JSON.stringify(c) })),
  });
};

/** Thrown inside a chunk's transaction when the job's lease was lost: the chunk rolls back, nothing is counted. */
export class LeaseLost extends Error {}
