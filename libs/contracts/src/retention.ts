/**
 * How long everything is kept (README "Storage"): the one owner of the retention policy. The topic
 * catalog sets the topics' `retention.ms` from it, the connector its CDC topics', and the lifecycle
 * pruner (libs/db lifecycle.ts, run by services/metrics) the tables'.
 *
 * The rule that ties them together: what stops a replay or a late redelivery from running an
 * execution again (executions' claims, the delivery ledger, replay starts, clock occurrences) is
 * kept at least as long as the domain events that could be replayed (the events topic's retention,
 * read from the broker at each pruning pass, so a deployment that lengthens it is safe), plus a margin.
 */
export const DAY_MS = 86_400_000;

export const RETENTION = {
  /** automation.events.v1: the replay window the product promises (replays refuse ranges before it). */
  eventsDays: 90,
  /** automation.step-results.v1: the detailed history on the log (projection rebuilds start from a snapshot within it). */
  stepResultsDays: 30,
  /**
   * automation.commands.v1 and the replay lane: a command is consumed within seconds; a waiting
   * continuation lives in automation_timers, not on the topic. A week covers an executor fleet that is
   * down for days.
   */
  commandsDays: 7,
  /** Dead letters: read and re-driven from the web app within a month. */
  deadLettersDays: 30,
  /** Change capture (fixlify.public.<table>): ingest turns changes into events within seconds. */
  cdcDays: 3,
  /** Change capture's heartbeats (its pulse, read by ingest's watchdog). */
  cdcHeartbeatDays: 1,
  /** Execution logs (the monitor's detail): partitions older than this are dropped; metrics stay. */
  executionLogDays: 30,
  /** Hourly metrics rows (daily rows are kept for as long as the workflow exists). */
  hourlyMetricsDays: 90,
  /** Dedupe records are kept this long beyond the events' retention. */
  dedupeMarginDays: 7,
  /** A projection snapshot is taken this often (and step results outlive several of them). */
  snapshotEveryHours: 24,
} as const;

export const days = (n: number): number => n * DAY_MS;
