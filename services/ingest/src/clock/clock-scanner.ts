import type { Pool } from 'pg';
import { Counter } from 'prom-client';
import type { DomainEvent } from '@fixlify/contracts';
import { registry, type Logger } from '@fixlify/kafka';
import type { EventEmitter } from '../emit/event-emitter';
import { claimAndEmit } from './claim';
import type { DueOccurrence } from './clock-event';
import { loadClockWorkflows, type ClockWorkflow } from './clock-workflows';
import { entityOccurrences, type EntityTrigger } from './entity-occurrences';
import { timeOccurrences, windowStart } from './time-occurrences';

const fired = new Counter({
  name: 'fixlify_clock_occurrences_total',
  help: 'Clock occurrences claimed and emitted by this instance, per trigger',
  labelNames: ['trigger'] as const,
  registers: [registry],
});
const scanErrors = new Counter({
  name: 'fixlify_clock_scan_errors_total',
  help: 'Clock scans that failed, per stage',
  labelNames: ['stage'] as const,
  registers: [registry],
});

export interface ClockScannerOptions {
  pool: Pool;
  emitter: EventEmitter;
  log: Logger;
  /** the clock; injected so DST nights and overdue days run in milliseconds in tests */
  now?: () => Date;
  pollMs: number;
  entityPollMs: number;
  catchUpMs: number;
  batchLimit: number;
  /**
   * A workflow's clock starts this long after the row last changed: the matchers index a workflow
   * from its CDC (Debezium → ingest → workflows topic), and an event aimed at a workflow they do not
   * know yet would start nothing. Occurrences due meanwhile are not lost: they fire when it ends.
   */
  activationGraceMs: number;
  /** only these organizations' workflows (a shard of tenants; tests on a shared database); all when absent */
  organizationIds?: readonly string[];
}

export interface TickResult {
  workflows: number;
  emitted: DomainEvent[];
}

const isEntityTrigger = (wf: ClockWorkflow): wf is ClockWorkflow & { trigger: EntityTrigger } =>
  wf.trigger.type === 'job_overdue' || wf.trigger.type === 'invoice_overdue' || wf.trigger.type === 'client_inactive';

/**
 * Fires clock triggers: finds due occurrences of every active clock workflow, claims each once in
 * automation_clock_occurrences and emits its event (see claimAndEmit). Any number of instances may
 * run it; they race on claims, never on emissions.
 * Scheduled and recurring triggers keep a per-version watermark in memory (their occurrences are a
 * pure function of the config); after a restart the window starts again at windowStart and the
 * occurrences claimed before are conflicts. Record-based triggers re-scan their whole window,
 * because records change (a job rescheduled into the past falls overdue at once).
 */
export class ClockScanner {
  private readonly watermarks = new Map<string, number>();
  private lastEntityScan = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => Date;

  constructor(private readonly o: ClockScannerOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /** One scan at `now`. Entity triggers are scanned when entityPollMs has passed (or `forceEntities`). */
  async tick(now: Date = this.now(), forceEntities = false): Promise<TickResult> {
    let workflows: ClockWorkflow[];
    try {
      workflows = await loadClockWorkflows(this.o.pool, this.o.organizationIds);
    } catch (e) {
      scanErrors.inc({ stage: 'load' });
      throw e;
    }
    const scanEntities = forceEntities || now.getTime() - this.lastEntityScan >= this.o.entityPollMs;
    const due: DueOccurrence[] = [];
    const nextWatermarks = new Map<string, number>();
    for (const wf of workflows) {
      if (now.getTime() < wf.changedAt.getTime() + this.o.activationGraceMs) continue;
      const since = windowStart(wf.activatedAt, now, this.o.catchUpMs);
      try {
        if (isEntityTrigger(wf)) {
          if (!scanEntities) continue;
          for (const o of await entityOccurrences(this.o.pool, wf, since, now, this.o.batchLimit)) due.push({ workflow: wf, ...o });
        } else {
          const key = wf.versionId;
          const from = new Date(Math.max(since.getTime(), this.watermarks.get(key) ?? Number.NEGATIVE_INFINITY));
          const occ = timeOccurrences(wf.trigger as Extract<ClockWorkflow['trigger'], { type: 'scheduled' | 'recurring' }>, from, now, this.o.batchLimit);
          // capped: resume after the last one returned, else after now
          nextWatermarks.set(key, occ.length >= this.o.batchLimit ? occ[occ.length - 1]!.dueAt.getTime() : now.getTime());
          for (const o of occ)
            due.push({
              workflow: wf,
              entityId: '',
              entityType: 'none',
              row: null,
              data: { occurrence: o.occurrence, dueAt: o.dueAt.toISOString(), ...wf.trigger.config },
              ...o,
            });
        }
      } catch (e) {
        scanErrors.inc({ stage: wf.trigger.type });
        this.o.log.warn(
          { err: e, workflowId: wf.workflowId, organizationId: wf.organizationId, trigger: wf.trigger.type },
          'clock scan of a workflow failed; skipped this tick',
        );
      }
    }
    let emitted: DomainEvent[] = [];
    try {
      for (let i = 0; i < due.length; i += 1000) emitted = emitted.concat(await claimAndEmit(this.o.pool, due.slice(i, i + 1000), this.o.emitter, now));
    } catch (e) {
      scanErrors.inc({ stage: 'claim' });
      throw e;
    }
    // only after the claims committed: a failed tick is retried from the same watermarks
    for (const [k, v] of nextWatermarks) this.watermarks.set(k, v);
    if (scanEntities) this.lastEntityScan = now.getTime();
    for (const ev of emitted) {
      fired.inc({ trigger: ev.type });
      this.o.log.info(
        {
          organizationId: ev.organizationId,
          workflowId: ev.workflowId,
          eventId: ev.eventId,
          trigger: ev.type,
          entityId: ev.entityId,
          occurredAt: ev.occurredAt,
        },
        'clock trigger fired',
      );
    }
    return { workflows: workflows.length, emitted };
  }

  /** Ticks every pollMs until stop(); a failed tick is logged and retried at the next one. */
  start(): void {
    const loop = (): void => {
      if (this.stopped) return;
      this.running = this.tick()
        .then(() => undefined)
        .catch((e: unknown) => this.o.log.error({ err: e }, 'clock tick failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.o.pollMs);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
