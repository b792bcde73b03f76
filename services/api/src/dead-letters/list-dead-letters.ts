import type { Pool } from 'pg';
import type { DeadLetterList, DeadLettersQuery, Redrive } from '@fixlify/contracts';
import type { Principal } from '../auth/principal';
import type { ApiDeps } from '../deps';
import { iso } from '../http/iso';
import type { DeadLetterEntry } from './dlq-buffer';
import { redactSecrets, redactText } from './redact';

/** A re-drive record as pg reads it (timestamps as Date) */
export type RedriveRow = Omit<Redrive, 'firstAt' | 'lastAt'> & { firstAt: Date; lastAt: Date };

export const toRedrive = (r: RedriveRow): Redrive => ({ ...r, firstAt: iso(r.firstAt), lastAt: iso(r.lastAt) });

/** Re-drives already made of these entries (any API instance, any time), by entry id. */
const redrivesOf = async (pool: Pool, organizationId: string, ids: string[]): Promise<Map<string, Redrive>> => {
  if (ids.length === 0) return new Map();
  const r = await pool.query<RedriveRow & { id: string }>(
    `SELECT dlq_partition || ':' || dlq_offset AS id, redrive_count AS count, first_redriven_at AS "firstAt", last_redriven_at AS "lastAt", last_redriven_by AS "lastBy"
       FROM automation_dead_letter_redrives WHERE organization_id = $1 AND dlq_partition || ':' || dlq_offset = ANY($2::text[])`,
    [organizationId, ids],
  );
  return new Map(r.rows.map(({ id, ...rest }) => [id, toRedrive(rest)]));
};

/** What a viewer sees of a dead letter: its value and headers with the secrets replaced (a value is whatever failed: commands, CDC rows). */
export const redactedForViewer = (e: DeadLetterEntry): DeadLetterEntry => ({
  ...e,
  // header values are strings, and redactSecrets maps a string to a string
  deadLetter: { ...e.deadLetter, value: redactText(e.deadLetter.value), headers: redactSecrets(e.deadLetter.headers) as Record<string, string> },
});

/** GET /api/dead-letters: the organization's newest dead letters with their re-drives; redacted for viewers. */
export const listDeadLetters = async (deps: Pick<ApiDeps, 'pool' | 'deadLetters'>, p: Principal, q: DeadLettersQuery): Promise<DeadLetterList> => {
  const entries = deps.deadLetters.list(p.organizationId, q.limit);
  const redrives = await redrivesOf(
    deps.pool,
    p.organizationId,
    entries.map((e) => e.id),
  );
  const shown = p.role === 'viewer' ? entries.map(redactedForViewer) : entries;
  return { items: shown.map((e) => ({ ...e, redrive: redrives.get(e.id) ?? null })), redacted: p.role === 'viewer' };
};
