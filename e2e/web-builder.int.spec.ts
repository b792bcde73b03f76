import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { credentialsKey, openCredentials } from '@fixlify/channels';
import { TOPICS } from '@fixlify/contracts';
import { readChannelCredentials } from '@fixlify/db';
import {
  REPO_ROOT,
  createClient,
  createOrganization,
  startService,
  startTelnyxStandin,
  testKafka,
  testPool,
  waitFor,
  type ServiceProcess,
  type TelnyxStandin,
} from '@fixlify/testing';

jest.setTimeout(600_000);
// one scenario in order (each test builds on what the one before left): a test retried after the later ones
// ran would find their state (another Telnyx account, more workflows) and fail for that instead of its own cause
jest.retryTimes(0);

const WEB = join(REPO_ROOT, 'apps', 'web');
const SHOTS = join(REPO_ROOT, 'artifacts', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);

/** The API serves apps/web/dist: build it when it is missing or older than the sources. */
const ensureWebBuilt = (): void => {
  const index = join(WEB, 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs > Math.max(newest(join(WEB, 'src')), statSync(join(WEB, 'index.html')).mtimeMs)) return;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(WEB, 'vite.config.ts')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`web build failed:\n${r.stdout}\n${r.stderr}`);
};

/** Web-first checks (retried until they hold) without @playwright/test. */
const eventually = (what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<true> =>
  waitFor(async () => (await check()) || undefined, timeoutMs, what, 200);
const hasCount = (l: Locator, n: number, timeoutMs?: number) => eventually(`${n} × ${l.toString()}`, async () => (await l.count()) === n, timeoutMs);
const hasText = (l: Locator, text: string, timeoutMs?: number) =>
  eventually(`"${text}" in ${l.toString()}`, async () => ((await l.textContent()) ?? '').trim() === text, timeoutMs);
const containsText = (l: Locator, text: string) => eventually(`"${text}" within ${l.toString()}`, async () => ((await l.textContent()) ?? '').includes(text));
/** A locator's box once it has stopped moving (the canvas may still be fitting its view after a change). */
const stableBox = async (l: Locator): Promise<{ x: number; y: number; width: number; height: number }> => {
  let last = await l.boundingBox();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const cur = await l.boundingBox();
    if (cur && last && cur.x === last.x && cur.y === last.y) return cur;
    last = cur;
  }
  throw new Error(`${l.toString()} did not stop moving`);
};
/** A pointer drag in small steps, as a person connects two handles. */
const dragBetween = async (page: Page, from: Locator, to: Locator): Promise<void> => {
  const a = await stableBox(from);
  const b = await stableBox(to);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 15 });
  await page.mouse.up();
};
const isChecked = (l: Locator) => eventually(`${l.toString()} checked`, () => l.isChecked());

/**
 * In a real browser (Debian's chromium driven by playwright-core) against the real stack: sign in,
 * build job_completed → condition → send_sms on the canvas, publish it, complete a job with SQL,
 * watch the execution appear and complete live in the monitor, and find the SMS in the outbox.
 */
describe('web app in a real browser', () => {
  let pool: Pool;
  let telnyx: TelnyxStandin;
  const services: ServiceProcess[] = [];
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let profile: string;
  const email = `owner-${process.pid}-${Date.now()}@e2e.test`;
  const password = 'correct horse battery';
  let org: string;
  let clientId: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
    ensureWebBuilt();
    mkdirSync(SHOTS, { recursive: true });
    pool = testPool();
    telnyx = await startTelnyxStandin({ apiKey: 'web-e2e-telnyx' });
    const env = { TELNYX_API_BASE: telnyx.url, TELNYX_API_KEY: 'web-e2e-telnyx', TELNYX_FROM: '+15550100000', OUTBOX_TELNYX_URL: telnyx.url };
    for (const name of ['ingest', 'matcher', 'executor', 'metrics', 'api', 'replay'] as const) services.push(await startService(name, env, `web-e2e-${name}`));
    await Promise.all(services.map((s) => s.waitReady(120_000)));
    base = `http://127.0.0.1:${services.find((s) => s.name === 'api')!.port}`;

    org = await createOrganization(pool, { name: 'Browser Plumbing Co' });
    clientId = await createClient(pool, org, { name: 'Grace', phone: '+15557771234' });
    // a job completed long before the workflow exists: switching it on offers to enroll it
    await pool.query(
      `INSERT INTO jobs (organization_id, title, status, total, completed_at) VALUES ($1, 'Old repair', 'completed', 900, now() - interval '3 days')`,
      [org],
    );
    const salt = randomBytes(16);
    const hash = `scrypt$16384$8$1$${salt.toString('base64url')}$${scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')}`;
    await pool.query(`INSERT INTO users (organization_id, email, name, password_hash, role) VALUES ($1, $2, 'Owner', $3, 'owner')`, [org, email, hash]);

    profile = mkdtempSync(join(tmpdir(), 'fixlify-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await telnyx?.close();
    await pool?.end();
  });

  /** Signs in from a signed-out browser (each test, and a retry of one, starts signed out). */
  const signIn = async (): Promise<void> => {
    await context.clearCookies();
    await page.goto(`${base}/`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  };

  /** When the execution does not complete: what PostgreSQL and the services' logs say about it. */
  const whereItStands = async (workflowId: string): Promise<string> => {
    const q = async (sql: string) => JSON.stringify((await pool.query(sql, [workflowId])).rows);
    const tail = (s: ServiceProcess) => readFileSync(s.logFile, 'utf8').split('\n').slice(-15).join('\n');
    return [
      `executions: ${await q('SELECT id, state, progress, updated_at FROM automation_executions WHERE workflow_id = $1')}`,
      `timers: ${await q('SELECT t.* FROM automation_timers t JOIN automation_executions e ON e.id = t.execution_id WHERE e.workflow_id = $1')}`,
      `logs: ${await q('SELECT id, status, error_message, actions_executed FROM automation_execution_logs WHERE workflow_id = $1')}`,
      `telnyx received: ${JSON.stringify(telnyx.received)}`,
      ...services.filter((s) => s.name === 'executor' || s.name === 'api').map((s) => `${s.name} log:\n${tail(s)}`),
    ].join('\n');
  };

  it('builds, publishes and watches a workflow run live, then finds the SMS in the outbox', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // the API's Content-Security-Policy must let the whole app work: any refusal shows up here
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) errors.push(`CSP: ${m.text()}`);
    });

    await signIn();

    // build on the canvas: trigger job_completed → condition → (yes) send_sms / (no) create_task
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
    const workflowId = page.url().split('/').pop()!;
    await page.locator('#wf-name').fill('Job done thank-you (browser)');
    await page.locator('[data-palette="trigger:job_completed"]').click();
    await page.locator('[data-palette="condition"]').click();
    await page.getByLabel('Condition: field').fill('job.total');
    await page.getByLabel('Condition: operator').selectOption('gt');
    await page.getByLabel('Condition: value').fill('100');
    await page.locator('[data-palette="send_sms"]').click();
    const body = page.locator('.inspector textarea').first();
    await body.fill('Thanks {{ client.name }}! Your job "{{ job.title }}" is complete.');
    // the "no" path by hand: a free step, then a drag from the condition's No handle onto it
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.locator('[data-palette="create_task"]').click();
    await hasCount(page.locator('.react-flow__node'), 4);
    await hasCount(page.locator('.react-flow__edge'), 2);
    // a person whose drag did not land (the canvas still settling on a loaded machine) drags again
    for (let attempt = 1; ; attempt++) {
      await dragBetween(
        page,
        page.locator('.react-flow__handle[data-nodeid="condition"][data-handleid="false"]'),
        page.locator('.react-flow__handle[data-nodeid="create_task"][data-handleid="in"]'),
      );
      const landed = await hasCount(page.locator('.react-flow__edge'), 3, 5_000).catch((e: Error) => e);
      if (landed === true) break;
      if (attempt === 3) throw landed;
    }
    await page.getByTestId('validity').filter({ hasText: 'Ready to publish' }).waitFor();
    await page.getByRole('button', { name: 'Arrange' }).click();
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.screenshot({ path: join(SHOTS, 'builder.png') });

    // publish (activates it)
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published version 1; it is active').waitFor();
    // the records that already meet the trigger: counted by a dry-run enrollment; only new ones, here
    const enrollDialog = page.getByTestId('enroll-dialog');
    await enrollDialog.locator('[data-enrollable="1"]').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, 'enroll-dialog.png') });
    await enrollDialog.getByRole('button', { name: 'Only new ones' }).click();
    await enrollDialog.waitFor({ state: 'hidden' });
    await isChecked(page.getByRole('switch', { name: 'Active' }));
    const stored = await pool.query<{ definition: { edges: { source: string; target: string; branch: string }[] }; is_active: boolean }>(
      'SELECT definition, is_active FROM automation_workflows WHERE id = $1',
      [workflowId],
    );
    expect(stored.rows[0]!.is_active).toBe(true);
    expect(stored.rows[0]!.definition.edges.map((e) => `${e.source}-${e.branch}->${e.target}`).sort()).toEqual([
      'condition-false->create_task',
      'condition-true->sms',
      'trigger-next->condition',
    ]);
    const matcher = services.find((s) => s.name === 'matcher')!;
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${workflowId}`)).json()) as { present: boolean }).present,
      90_000,
      'the matcher to index the workflow',
    );

    // the monitor, live: the execution appears and completes without a reload
    await page.getByRole('link', { name: 'Executions' }).click();
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
    await page.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
    await pool.query(`INSERT INTO jobs (organization_id, client_id, title, status, total) VALUES ($1, $2, 'Fix the boiler', 'completed', 1800)`, [
      org,
      clientId,
    ]);
    const row = page.locator(`[data-execution-row][data-workflow="${workflowId}"]`);
    await row.waitFor({ timeout: 90_000 });
    await page
      .locator(`[data-execution-row][data-workflow="${workflowId}"][data-status="completed"]`)
      .waitFor({ timeout: 90_000 })
      .catch(async (e: Error) => {
        throw new Error(`${e.message}\n${await whereItStands(workflowId)}`);
      });
    expect(await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await row.getByRole('button').first().click();
    const detail = page.locator('.exec-detail');
    await detail.locator('[data-step="sms"]').waitFor();
    await hasText(detail.locator('[data-step="condition"] .badge'), 'succeeded');
    await hasText(detail.locator('[data-step="sms"] .badge'), 'succeeded');
    await page.screenshot({ path: join(SHOTS, 'monitor.png') });

    // the SMS the Telnyx stand-in received, in the outbox page
    await page.getByRole('link', { name: 'Outbox' }).click();
    const sms = page.locator('[data-sms-to="+15557771234"]');
    await sms.first().waitFor();
    await hasText(sms.first().locator('.sms-text'), 'Thanks Grace! Your job "Fix the boiler" is complete.');
    expect(telnyx.received.filter((m) => m.to === '+15557771234')).toHaveLength(1);
    await page.screenshot({ path: join(SHOTS, 'outbox.png') });

    // the dashboard with the counters and charts
    await waitFor(
      async () => (await pool.query('SELECT 1 FROM automation_workflows WHERE id = $1 AND success_count = 1', [workflowId])).rowCount === 1,
      60_000,
      'the counters',
    );
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const wfRow = page.locator(`[data-workflow-row="${workflowId}"]`);
    await wfRow.waitFor();
    await hasText(wfRow.locator('td.num').first(), '1');
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("explains from the web why a record's events did or did not start the workflow", async () => {
    await signIn();
    const job = await pool.query<{ id: string }>(`SELECT id FROM jobs WHERE organization_id = $1 AND title = 'Fix the boiler'`, [org]);
    expect(job.rows).toHaveLength(1);
    await page.getByRole('link', { name: 'Why?' }).click();
    const form = page.getByRole('form', { name: 'Explain a record' });
    await form.locator('select').first().selectOption('job');
    await form.getByPlaceholder("the record's id").fill(job.rows[0]!.id);
    await form.getByRole('button', { name: 'Explain' }).click();
    // the job was created completed: its job_completed event started the published workflow
    const started = page.locator('[data-verdict="started"]');
    await started.first().waitFor({ timeout: 60_000 });
    await containsText(started.first(), 'Started (version 1, completed)');
    await started.first().getByRole('link', { name: 'execution' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'explain.png') });
  });

  it('previews the draft on the last 7 days of real events from the builder: what would start and what would be sent, nothing sent', async () => {
    await signIn();
    const wf = await pool.query<{ id: string; current_version: number }>(
      `SELECT id, current_version FROM automation_workflows WHERE organization_id = $1 AND name = 'Job done thank-you (browser)'`,
      [org],
    );
    expect(wf.rows).toHaveLength(1);
    const sentBefore = telnyx.received.length;
    await page.goto(`${base}/workflows/${wf.rows[0]!.id}`);
    await page.getByRole('button', { name: 'Preview on the last 7 days' }).click();
    const dialog = page.getByRole('dialog', { name: 'Preview on the last 7 days' });
    const report = dialog.getByTestId('preview-report');
    await report.waitFor({ timeout: 120_000 });
    // the completed jobs' events would start the draft (a version of its own) twice — 'Fix the boiler' and the
    // 'Old repair' offered for enrollment — and text Grace once (the old repair has no client to text)
    await hasText(report.locator('[data-preview-started]'), '2');
    await hasText(report.locator('[data-channel="sms"] [data-sent]'), '1');
    await containsText(dialog.getByRole('table', { name: `Compared with v${wf.rows[0]!.current_version}` }), 'sms sent');
    await page.screenshot({ path: join(SHOTS, 'preview.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(telnyx.received.length).toBe(sentBefore);
  });

  it('lets the owner give the organization its own Telnyx account (bad input explained, secret never shown back), then find and re-drive a dead letter', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // the API's Content-Security-Policy must let the whole app work: any refusal shows up here
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) errors.push(`CSP: ${m.text()}`);
    });
    await signIn();
    await page.getByRole('link', { name: 'Settings · Channels' }).click();
    const card = page.locator('section[data-provider="telnyx"]');
    await containsText(card, "deployment's account");
    await card.getByRole('button', { name: 'Use own account' }).click();
    await card.getByLabel('API key').fill('KEY_browser_5678');
    await card.getByLabel('From number').fill('555-0109');
    await card.getByRole('button', { name: 'Save' }).click();
    await containsText(card, 'E.164');
    await card.getByLabel('API key').fill('KEY_browser_5678');
    await card.getByLabel('From number').fill('+15550109999');
    await card.getByRole('button', { name: 'Save' }).click();
    await containsText(card, 'own account');
    await containsText(card, '••••5678');
    await containsText(card, '+15550109999');
    expect(await card.textContent()).not.toContain('KEY_browser');
    const stored = await pool.query<{ secret_ciphertext: string; settings: { from: string } }>(
      `SELECT secret_ciphertext, settings FROM organization_channel_credentials WHERE organization_id = $1 AND provider = 'telnyx'`,
      [org],
    );
    expect(stored.rows[0]!.settings.from).toBe('+15550109999');
    expect(stored.rows[0]!.secret_ciphertext).not.toContain('KEY_browser');
    await page.screenshot({ path: join(SHOTS, 'channels.png'), fullPage: true });

    // nothing of this organization went wrong yet: the dead-letter page says so
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByText('No dead letters').waitFor();
    // a message of this organization that a consumer gave up on (a manual event for a workflow that does not exist: harmless to re-drive)
    const reason = `browser test: unreadable event ${process.pid}`;
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: TOPICS.dlq,
      messages: [
        {
          key: org,
          value: JSON.stringify({
            v: 1,
            origin: { topic: TOPICS.events, partition: 0, offset: '1', key: `${org}:x` },
            consumer: 'matcher',
            reason,
            value: JSON.stringify({ v: 1, organizationId: org, eventId: randomUUID(), type: 'manual' }),
            headers: {},
            failedAt: new Date().toISOString(),
          }),
        },
      ],
    });
    await producer.disconnect();
    const row = page.locator('li.dead-letter').filter({ hasText: reason });
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return row.isVisible();
      },
      30_000,
      'the dead letter on the page',
      500,
    );
    await containsText(row, 'Not re-driven yet');
    await row.getByRole('button', { name: 'Re-drive' }).click();
    await containsText(row, 'Re-driven 1×');
    const recorded = await pool.query<{ redrive_count: number }>('SELECT redrive_count FROM automation_dead_letter_redrives WHERE organization_id = $1', [org]);
    expect(recorded.rows).toEqual([{ redrive_count: 1 }]);
    await page.screenshot({ path: join(SHOTS, 'dead-letters.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('lets the owner rotate the webhook signing secret (confirmed, shown once with a copy button, the old one accepted for the grace period), never offering to remove it', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) errors.push(`CSP: ${m.text()}`);
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    // from an organization without a secret, also on a retry (the executor makes one only when a webhook is sent)
    await pool.query(`DELETE FROM organization_channel_credentials WHERE organization_id = $1 AND provider = 'webhook'`, [org]);
    await signIn();
    await page.getByRole('link', { name: 'Settings · Channels' }).click();
    const card = page.locator('section[data-provider="webhook"]');
    await containsText(card, 'created when its first webhook is sent');
    expect(await card.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    const storedSecrets = async () =>
      openCredentials(
        org,
        (await readChannelCredentials(pool, [org])).filter((r) => r.provider === 'webhook'),
        credentialsKey(),
      ).webhook;

    /** Rotates through the dialog and returns the secret it shows, once. */
    const rotate = async (notice: string): Promise<string> => {
      await card.getByRole('button', { name: 'Rotate signing secret' }).click();
      const confirm = page.getByRole('dialog', { name: 'Rotate the webhook signing secret?' });
      await confirm.waitFor();
      await confirm.getByRole('button', { name: 'Rotate', exact: true }).click();
      const shown = page.getByRole('dialog', { name: 'New webhook signing secret' });
      await containsText(shown.getByRole('status'), notice);
      const secret = await shown.getByLabel('Signing secret').inputValue();
      await shown.getByRole('button', { name: 'Copy' }).click();
      await shown.getByRole('button', { name: 'Copied' }).waitFor();
      expect(
        await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText: () => Promise<string> } } }).navigator.clipboard.readText()),
      ).toBe(secret);
      return secret;
    };

    // a cancelled rotation changes nothing
    await card.getByRole('button', { name: 'Rotate signing secret' }).click();
    await page.getByRole('dialog', { name: 'Rotate the webhook signing secret?' }).getByRole('button', { name: 'Cancel' }).click();
    await hasCount(page.getByRole('dialog'), 0);
    expect(await storedSecrets()).toBeUndefined();

    const first = await rotate('first signing secret');
    expect((await storedSecrets())?.secret).toBe(first);
    await page.getByRole('button', { name: 'Done' }).click();
    await hasCount(page.getByRole('dialog'), 0);
    await containsText(card, `••••${first.slice(-4)}`);
    expect(await card.textContent()).not.toContain(first);
    expect(await card.getByRole('button', { name: 'Remove' }).count()).toBe(0);

    const second = await rotate('The previous secret is still accepted until');
    await page.screenshot({ path: join(SHOTS, 'webhook-secret-rotated.png') });
    const stored = await storedSecrets();
    expect(second).not.toBe(first);
    expect(stored?.secret).toBe(second);
    expect(stored?.previous?.secret).toBe(first);
    // the deployment's default grace period (WEBHOOK_SECRET_ROTATION_GRACE_SECONDS, 24 h)
    expect(stored!.previous!.validUntil.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    await page.keyboard.press('Escape');
    await hasCount(page.getByRole('dialog'), 0);
    await containsText(card, `••••${second.slice(-4)}`);
    // shown once: nothing on the page keeps it
    expect(await page.content()).not.toContain(second);
    await page.screenshot({ path: join(SHOTS, 'webhook-secret.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('test-runs a draft with sample data from the builder, showing how each step ran in the dialog and on the canvas', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) errors.push(`CSP: ${m.text()}`);
    });
    await signIn();
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
    await page.locator('#wf-name').fill('Test run (browser)');
    await page.locator('[data-palette="trigger:job_completed"]').click();
    await page.locator('[data-palette="create_task"]').click();
    await page.getByTestId('validity').filter({ hasText: 'Ready to publish' }).waitFor();
    // a test run saves the draft first
    await page.getByRole('button', { name: 'Test run' }).click();
    const dialog = page.getByRole('dialog', { name: 'Test run with sample data' });
    await dialog.getByLabel("Sample job (the trigger's record)").fill(JSON.stringify({ title: 'Small fix', status: 'completed', total: 50 }));
    await dialog.getByRole('button', { name: 'Run test' }).click();
    await dialog.locator('.test-result [data-step="create_task"]').waitFor({ timeout: 90_000 });
    await hasText(dialog.locator('.test-result [data-step="create_task"] .badge'), 'succeeded');
    await hasText(dialog.locator('.test-result > p .badge'), 'completed', 90_000);
    await page.screenshot({ path: join(SHOTS, 'builder-test-run.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await hasCount(page.getByRole('dialog'), 0);
    await page.locator('.step-run-succeeded[data-step-id="create_task"]').waitFor();
    await page.getByRole('button', { name: 'Saved' }).waitFor();
    expect(errors).toEqual([]);
  });

  it("shows a client's consent with its history, suppresses and restores by hand, and says an SMS STOP needs the client's START", async () => {
    await signIn();
    await page.getByRole('link', { name: 'Consent' }).click();
    const form = page.getByRole('form', { name: 'Look up a recipient' });
    await form.locator('select').selectOption('email');
    await form.getByPlaceholder('client@example.com').fill('grace@example.com');
    await form.getByRole('button', { name: 'Look up' }).click();
    const card = page.getByRole('region', { name: 'Consent of the recipient' });
    await card.getByRole('button', { name: 'Suppress' }).click();
    await page.locator('[data-consent="suppressed"]').waitFor();
    await card.locator('[data-change="suppressed"][data-source="owner"]').waitFor();
    await card.getByRole('button', { name: 'Restore' }).click();
    await page.locator('[data-consent="allowed"]').waitFor();
    await hasCount(card.locator('tbody tr'), 2);
    const rows = await pool.query('SELECT state, source FROM communication_consent_changes WHERE organization_id = $1 ORDER BY id', [org]);
    expect(rows.rows).toEqual([
      { state: 'suppressed', source: 'owner' },
      { state: 'allowed', source: 'owner' },
    ]);
    // a STOP the client texted (as ingest records it): no restore button, the reason why
    await pool.query(
      `WITH c AS (INSERT INTO communication_consent_changes (organization_id, channel, address, state, source, reason) VALUES ($1, 'sms', '+15557771234', 'suppressed', 'inbound_sms', 'replied STOP'))
       INSERT INTO communication_suppressions (organization_id, channel, address, reason, source) VALUES ($1, 'sms', '+15557771234', 'replied STOP', 'inbound_sms')`,
      [org],
    );
    await form.locator('select').selectOption('sms');
    await form.getByPlaceholder('+15551234567').fill('+15557771234');
    await form.getByRole('button', { name: 'Look up' }).click();
    await card.locator('[data-restore-needs-start]').waitFor();
    await containsText(card.locator('[data-consent-reason]'), 'replied STOP');
    await hasCount(card.getByRole('button', { name: 'Restore' }), 0);
    await page.screenshot({ path: join(SHOTS, 'consent.png') });
  });
});
