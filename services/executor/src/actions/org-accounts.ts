import type { Pool } from 'pg';
import { generateWebhookSecret, openCredentials, sealCredential, type OrgCredentials } from '@fixlify/channels';
import { ensureWebhookSecret, readChannelCredentials } from '@fixlify/db';

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

  /**
   * The secrets an organization's outgoing webhooks are signed with: its own, and while one is being
   * rotated out, that one too (until its validity ends). An organization without one gets one now,
   * stored sealed (the owner sees it by rotating it through the API); no deployment-wide secret
   * ever signs an organization's payload.
   */
  async webhookSigningSecrets(organizationId: string): Promise<string[]> {
    let own = (await this.of(organizationId)).webhook;
    if (!own) {
      const sealed = sealCredential(organizationId, { provider: 'webhook', secret: generateWebhookSecret(), settings: {} }, this.key);
      await ensureWebhookSecret(this.pool, organizationId, sealed.secretCiphertext);
      // another executor may have stored its own first: read back what is stored
      this.cache.delete(organizationId);
      own = (await this.of(organizationId)).webhook;
      if (!own) throw new Error(`the webhook signing secret of organization ${organizationId} was not stored`);
    }
    const prev = own.previous && own.previous.validUntil.getTime() > this.now() ? [own.previous.secret] : [];
    return [own.secret, ...prev];
  }

  /** The organization's accounts; throws when they are stored but cannot be opened (wrong key). */
  async of(organizationId: string): Promise<OrgCredentials> {
    if (!this.fresh(organizationId)) await this.prefetch([organizationId]);
    const v = this.cache.get(organizationId)!.value;
    if (v instanceof Error) throw v;
    return v;
  }
}
