import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Pool } from 'pg';
import { openUnsubscribeToken, type UnsubscribeSubject } from '@fixlify/channels';
import { UNSUBSCRIBE_PATH_PREFIX } from '@fixlify/contracts';
import { readConsent, recordConsentChange, withTransaction } from '@fixlify/db';
import type { Request, Response } from '../http/express-types';

/** the token of /unsubscribe/<token>[/resubscribe] */
const tokenOf = (req: Request): string => req.path.slice(UNSUBSCRIBE_PATH_PREFIX.length).replace(/\/resubscribe$/, '');

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (res: Response, status: number, title: string, body: string): void => {
  res
    .status(status)
    .type('html')
    .setHeader('cache-control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`,
    );
};

const form = (action: string, label: string): string => `<form method="post" action="${esc(action)}"><button type="submit">${esc(label)}</button></form>`;

/**
 * The unsubscribe link of every automated e-mail (List-Unsubscribe), public and without a session:
 * the token names the organization, the channel and the address, signed by the deployment
 * (UNSUBSCRIBE_SIGNING_KEY), so nothing in it can be guessed or changed.
 * - POST /unsubscribe/<token>: suppresses at once (RFC 8058 one-click: the mailbox provider posts
 *   `List-Unsubscribe=One-Click`; the page's button posts the same), answers the confirmation page.
 * - GET: the page (a link scanner's GET changes nothing): the state and the button that changes it.
 * - POST /unsubscribe/<token>/resubscribe: lifts it again.
 */
export const serveUnsubscribe = (app: NestExpressApplication, pool: Pool, key: string): void => {
  const subjectOf = async (req: Request, res: Response): Promise<{ s: UnsubscribeSubject; org: string } | null> => {
    const s = openUnsubscribeToken(key, tokenOf(req));
    const org = s ? await pool.query<{ name: string }>('SELECT name FROM organizations WHERE id = $1', [s.organizationId]) : null;
    if (!s || !org?.rows[0]) {
      page(res, 400, 'This unsubscribe link is not valid', '<p>The link is incomplete or was not issued here. Use the link of the e-mail you received.</p>');
      return null;
    }
    return { s, org: org.rows[0].name };
  };
  const show = async (res: Response, s: UnsubscribeSubject, org: string, token: string, status = 200): Promise<void> => {
    const c = await readConsent(pool, s.organizationId, s.channel, s.address);
    const self = `${UNSUBSCRIBE_PATH_PREFIX}${token}`;
    if (c.state === 'suppressed')
      page(
        res,
        status,
        'You are unsubscribed',
        `<p>${esc(org)} will send no more automated e-mail to <strong>${esc(s.address)}</strong>.</p>${form(`${self}/resubscribe`, 'Resubscribe')}`,
      );
    else
      page(
        res,
        status,
        `E-mail from ${org}`,
        `<p>Automated e-mail from ${esc(org)} goes to <strong>${esc(s.address)}</strong>.</p>${form(self, 'Unsubscribe')}`,
      );
  };
  const change = (state: 'suppressed' | 'allowed') => async (req: Request, res: Response) => {
    const got = await subjectOf(req, res);
    if (!got) return;
    await withTransaction(pool, (db) =>
      recordConsentChange(db, {
        organizationId: got.s.organizationId,
        channel: got.s.channel,
        address: got.s.address,
        state,
        source: 'unsubscribe_link',
        reason: state === 'suppressed' ? 'unsubscribed with the link' : 'resubscribed with the link',
      }),
    );
    await show(res, got.s, got.org, tokenOf(req));
  };
  const guard = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response) => {
    fn(req, res).catch(() => page(res, 503, 'Please try again', '<p>Your request could not be recorded just now. Nothing changed; try again in a moment.</p>'));
  };
  const http = app.getHttpAdapter().getInstance() as {
    get: (p: string, h: (req: Request, res: Response) => void) => void;
    post: (p: string, h: (req: Request, res: Response) => void) => void;
  };
  http.get(
    `${UNSUBSCRIBE_PATH_PREFIX}:token`,
    guard(async (req, res) => {
      const got = await subjectOf(req, res);
      if (got) await show(res, got.s, got.org, tokenOf(req));
    }),
  );
  http.post(`${UNSUBSCRIBE_PATH_PREFIX}:token`, guard(change('suppressed')));
  http.post(`${UNSUBSCRIBE_PATH_PREFIX}:token/resubscribe`, guard(change('allowed')));
};
