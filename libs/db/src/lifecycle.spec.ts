import { DAY_MS, RETENTION } from '@fixlify/contracts';
import { PRUNE_RULES, partitionName, partitionWeek, weekStart } from './lifecycle';

describe('storage lifecycle rules', () => {
  it('weeks start on Monday 00:00 UTC, whatever the day and hour', () => {
    expect(weekStart(new Date('2026-12-03T18:40:00Z')).toISOString()).toBe('2026-11-30T00:00:00.000Z'); // a Thursday
    expect(weekStart(new Date('2026-11-30T00:00:00Z')).toISOString()).toBe('2026-11-30T00:00:00.000Z'); // the Monday itself
    expect(weekStart(new Date('2026-12-06T23:59:59Z')).toISOString()).toBe('2026-11-30T00:00:00.000Z'); // its Sunday
    expect(weekStart(new Date('2027-01-01T12:00:00Z')).toISOString()).toBe('2026-12-28T00:00:00.000Z'); // across a year
  });

  it('a partition name says its week, and only names of weekly partitions are read as weeks', () => {
    const week = new Date('2026-11-30T00:00:00Z');
    expect(partitionName(week)).toBe('automation_execution_logs_p20261130');
    expect(partitionWeek(partitionName(week))?.toISOString()).toBe(week.toISOString());
    expect(partitionWeek('automation_execution_logs_default')).toBeNull();
    expect(partitionWeek('automation_execution_logs_p2026113')).toBeNull();
  });

  it('keeps every dedupe record for the events topic’s retention plus the margin, and forever when it is unlimited', () => {
    const now = new Date('2026-12-03T00:00:00Z');
    const eventsRetentionMs = 90 * DAY_MS;
    for (const table of ['automation_executions', 'automation_deliveries', 'automation_replay_starts', 'automation_clock_occurrences']) {
      const rule = PRUNE_RULES.find((r) => r.table === table)!;
      expect(rule.cutoff({ now, eventsRetentionMs })?.getTime()).toBe(now.getTime() - eventsRetentionMs - RETENTION.dedupeMarginDays * DAY_MS);
      expect(rule.cutoff({ now, eventsRetentionMs: -1 })).toBeNull();
      expect(rule.cutoff({ now, eventsRetentionMs: null })).toBeNull();
    }
    // the ledger of an execution under way stays, whatever its age; a claim goes only when finished
    expect(PRUNE_RULES.find((r) => r.table === 'automation_deliveries')!.where).toMatch(/NOT EXISTS .*'running','waiting'/);
    expect(PRUNE_RULES.find((r) => r.table === 'automation_executions')!.where).toMatch(/state IN \('completed','failed','cancelled'\)/);
  });

  it('every rule says why its rows are kept', () => {
    for (const r of PRUNE_RULES) expect(r.keptFor.length).toBeGreaterThan(10);
    expect(new Set(PRUNE_RULES.map((r) => r.table)).size).toBe(PRUNE_RULES.length);
  });
});
