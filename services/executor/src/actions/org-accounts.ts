import type { Pool } from 'pg';
import { openCredentials, type OrgCredentials } from '@fixlify/channels';
import { readChannelCredentials } from '@fixlify/db';

/**
 * The organizations' own provider accounts (organization_channel_credentials), decrypted and
 * cached for `ttlMs`: a change made through the API reaches every executor within that time.
 * One query loads every organization a batch needs (`prefetch`).
 */
export class OrgAccounts {
  private readonly cache = new Map<string, { at: number; value: OrgCredentials | Error }>();

  constructor(
    private readonly pool: Pool,
    private readonly key: Buffer,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private fresh(orgId: string): boolean {
    const c = this.cache.get(orgId);
    return c !== undefined && this.now() - c.at < this.ttlMs;
  }

  /** Loads the accounts of the organizations not cached (or stale), in one query. */
  async prefetch(organizationIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(organizationIds)].filter((o) => !this.fresh(o));
    if (missing.length === 0) return;
    const rows = await readChannelCredentials(this.pool, missing);
    const at = this.now();
    for (const org of missing) {
      const mine = rows.filter((r) => r.organizationId === org);
      let value: OrgCredentials | Error;
      try {
        value = openCredentials(org, mine, this.key);
      } catch (e) {
        value = e instanceof Error ? e : new Error(String(e));
      }
      this.cache.set(org, { at, value });
    }
    if (this.cache.size > 50_000) for (const [k, v] of this.cache) if (at - v.at >= this.ttlMs) this.cache.delete(k);
  }

  /** The organization's accounts; throws when they are stored but cannot be opened (wrong key). */
  async of(organizationId: string): Promise<OrgCredentials> {
    if (!this.fresh(organizationId)) await this.prefetch([organizationId]);
    const v = this.cache.get(organizationId)!.value;
    if (v instanceof Error) throw v;
    return v;
  }
}
