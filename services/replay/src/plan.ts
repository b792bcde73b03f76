import type { Admin } from 'kafkajs';
import { DAY_MS, type ReplayPlan } from '@fixlify/contracts';
import { topicRetentionMs } from '@fixlify/kafka';

/** Refused: part of the range is older than the events topic keeps. */
export class RangeOutsideRetention extends Error {}

/** How a topic's retention reads in a refusal: `7 days (retention.ms=604800000)`. */
export const describeRetention = (retentionMs: number): string =>
  retentionMs < 0
    ? 'unlimited'
    : `${retentionMs % DAY_MS === 0 ? `${retentionMs / DAY_MS} days` : `${Math.round(retentionMs / 3_600_000)} hours`} (retention.ms=${retentionMs})`;

/**
 * Whether a range can be replayed from a topic: it must start within what the topic's retention
 * promises to keep, and no partition may have deleted records the range could reach (a partition
 * whose first retained offset is past 0 and is where the range would start may have lost older
 * events of the range: refused rather than replayed in part).
 */
export const checkRetention = (p: { from: Date; now: Date; retentionMs: number; topic: string; reachesDeleted: number[] }): void => {
  if (p.retentionMs >= 0 && p.from.getTime() < p.now.getTime() - p.retentionMs)
    throw new RangeOutsideRetention(
      `the range starts ${p.from.toISOString()}, before what ${p.topic} keeps: its retention is ${describeRetention(p.retentionMs)}, so the oldest replayable event is from ${new Date(p.now.getTime() - p.retentionMs).toISOString()}`,
    );
  if (p.reachesDeleted.length > 0)
    throw new RangeOutsideRetention(
      `the range starts ${p.from.toISOString()}, but partitions ${p.reachesDeleted.join(', ')} of ${p.topic} have already deleted their oldest events there (retention ${describeRetention(p.retentionMs)}): start the range later`,
    );
};

/**
 * The scan plan of a range: per partition, the first offset at or after `from` and the first at or
 * after `to` (Kafka's offsets-for-times). A range ending in the future ends at the plan: what is
 * written later is live traffic, not history.
 */
export const buildPlan = async (admin: Admin, topic: string, from: Date, to: Date, now: Date): Promise<ReplayPlan> => {
  const retentionMs = await topicRetentionMs(admin, topic);
  const watermarks = await admin.fetchTopicOffsets(topic);
  const starts = await admin.fetchTopicOffsetsByTimestamp(topic, from.getTime());
  const lowOf = new Map(watermarks.map((p) => [p.partition, p.low]));
  const reachesDeleted = starts.filter((s) => s.offset === lowOf.get(s.partition) && BigInt(s.offset) > 0n).map((s) => s.partition);
  checkRetention({ from, now, retentionMs, topic, reachesDeleted });
  const ends =
    to.getTime() >= now.getTime()
      ? watermarks.map((p) => ({ partition: p.partition, offset: p.high }))
      : await admin.fetchTopicOffsetsByTimestamp(topic, to.getTime());
  const endOf = new Map(ends.map((e) => [e.partition, e.offset]));
  return {
    topic,
    partitions: starts
      .map((s) => {
        const end = endOf.get(s.partition) ?? s.offset;
        const start = BigInt(s.offset) > BigInt(end) ? end : s.offset;
        return { partition: s.partition, start, end, next: start };
      })
      .sort((a, b) => a.partition - b.partition),
  };
};

export const planDone = (plan: ReplayPlan): boolean => plan.partitions.every((p) => BigInt(p.next) >= BigInt(p.end));
