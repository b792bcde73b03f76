import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Executor timers name the topic their continuation goes back to (a poller only fires its own
 * topic's timers) and why they exist (delay, retry, quiet hours, fairness); the poller reads
 * due timers per topic and interleaves organizations.
 */
export class ExecutorTimerTopics1795752375621 implements MigrationInterface {
  name = 'ExecutorTimerTopics1795752375621';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE automation_timers ADD COLUMN topic text NOT NULL DEFAULT 'automation.commands.v1';
ALTER TABLE automation_timers ADD COLUMN reason text NOT NULL DEFAULT 'delay';
CREATE INDEX automation_timers_topic_due_idx ON automation_timers (topic, due_at) WHERE fired_at IS NULL;
CREATE INDEX automation_timers_execution_idx ON automation_timers (execution_id) WHERE fired_at IS NULL;
DROP INDEX IF EXISTS automation_timers_due_idx;
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE INDEX IF NOT EXISTS automation_timers_due_idx ON automation_timers (due_at) WHERE fired_at IS NULL;
DROP INDEX IF EXISTS automation_timers_execution_idx;
DROP INDEX IF EXISTS automation_timers_topic_due_idx;
ALTER TABLE automation_timers DROP COLUMN reason;
ALTER TABLE automation_timers DROP COLUMN topic;
`);
  }
}
