import type { ChannelProvider } from '@fixlify/contracts';
import type { Me } from '../api';
import { formatTime } from '../components/ui';

/**
 * The edit form of an organization's own provider account, one table for the five providers
 * (mirrors libs/contracts/src/channel-credentials.ts; the API validates and has the last word).
 */
export type FieldValue = string | boolean;
export type FormValues = Record<string, FieldValue>;

export interface ChannelField {
  /** `secret` (sealed, never shown back), or the key in `settings` */
  name: string;
  label: string;
  kind: 'text' | 'secret' | 'number' | 'checkbox';
  optional?: boolean;
  /** what the API assumes when the field is left out */
  defaultValue?: FieldValue;
  placeholder?: string;
  hint?: string;
  minLength?: number;
  min?: number;
  max?: number;
}

export interface ChannelSpec {
  title: string;
  channel: string;
  fields: ChannelField[];
  /** what the card says while the organization has no own account (default: the deployment's account is used) */
  withoutOwn?: { tag: string; text: string };
}

const sender = (placeholder: string): ChannelField => ({ name: 'from', label: 'From', kind: 'text', placeholder });

export const CHANNELS: Record<ChannelProvider, ChannelSpec> = {
  mailgun: {
    title: 'Mailgun',
    channel: 'Email',
    fields: [
      { name: 'secret', label: 'API key', kind: 'secret', hint: 'The private API key of the Mailgun account.' },
      { name: 'domain', label: 'Domain', kind: 'text', placeholder: 'mg.example.com' },
      sender('Acme Plumbing <jobs@mg.example.com>'),
      {
        name: 'apiBase',
        label: 'API base URL',
        kind: 'text',
        optional: true,
        placeholder: 'https://api.mailgun.net',
        hint: 'https://api.eu.mailgun.net for a domain in the EU region.',
      },
    ],
  },
  smtp: {
    title: 'SMTP',
    channel: 'Email',
    fields: [
      { name: 'host', label: 'Host', kind: 'text', placeholder: 'smtp.example.com' },
      { name: 'port', label: 'Port', kind: 'number', defaultValue: '587', min: 1, max: 65535 },
      {
        name: 'secure',
        label: 'Implicit TLS (port 465)',
        kind: 'checkbox',
        defaultValue: false,
        hint: 'Otherwise STARTTLS is used when the server offers it.',
      },
      { name: 'user', label: 'User name', kind: 'text' },
      { name: 'secret', label: 'Password', kind: 'secret' },
      sender('Acme Plumbing <jobs@example.com>'),
    ],
  },
  telnyx: {
    title: 'Telnyx',
    channel: 'SMS',
    fields: [
      { name: 'secret', label: 'API key', kind: 'secret' },
      { name: 'from', label: 'From number', kind: 'text', placeholder: '+15551234567', hint: 'E.164: a plus sign, the country code and the number.' },
      { name: 'messagingProfileId', label: 'Messaging profile ID', kind: 'text', optional: true },
    ],
  },
  webpush: {
    title: 'Web Push',
    channel: 'Push',
    fields: [
      { name: 'secret', label: 'VAPID private key', kind: 'secret', hint: 'Base64url, as generated with the public key.' },
      { name: 'publicKey', label: 'VAPID public key', kind: 'text' },
      { name: 'subject', label: 'Subject', kind: 'text', placeholder: 'mailto:ops@example.com', hint: 'A mailto: or https: contact for push services.' },
    ],
  },
  webhook: {
    title: 'Webhook signing',
    channel: 'Webhooks',
    fields: [
      {
        name: 'secret',
        label: 'Signing secret',
        kind: 'secret',
        minLength: 16,
        hint: 'At least 16 characters. Receivers verify the Fixlify-Signature header with it.',
      },
    ],
    // no deployment-wide secret signs an organization's webhooks: each has its own, made when first needed
    withoutOwn: {
      tag: 'none yet',
      text: "The organization's signing secret is created when its first webhook is sent. Rotate it to create one now and see it.",
    },
  },
};

/** The form of a provider, prefilled with the saved settings (never the secret) or the defaults. */
export const initialValues = (provider: ChannelProvider, settings?: Record<string, unknown>): FormValues => {
  const out: FormValues = {};
  for (const f of CHANNELS[provider].fields) {
    const saved = f.name === 'secret' ? undefined : settings?.[f.name];
    if (f.kind === 'checkbox') out[f.name] = typeof saved === 'boolean' ? saved : f.defaultValue === true;
    else if (typeof saved === 'string' || typeof saved === 'number') out[f.name] = String(saved);
    else out[f.name] = typeof f.defaultValue === 'string' ? f.defaultValue : '';
  }
  return out;
};

/**
 * The body of PUT /api/channels/:provider: numbers and booleans typed, text trimmed, empty optional
 * (or defaulted) fields left out. A required field left empty is sent as '' so the API names it.
 */
export const toRequestBody = (provider: ChannelProvider, values: FormValues): { secret: string; settings: Record<string, unknown> } => {
  let secret = '';
  const settings: Record<string, unknown> = {};
  for (const f of CHANNELS[provider].fields) {
    const v = values[f.name];
    if (f.kind === 'checkbox') {
      settings[f.name] = v === true;
      continue;
    }
    const s = typeof v === 'string' ? v.trim() : '';
    if (f.name === 'secret') secret = s;
    else if (s === '' && (f.optional || f.defaultValue !== undefined)) continue;
    else settings[f.name] = f.kind === 'number' && /^-?\d+$/.test(s) ? Number(s) : s;
  }
  return { secret, settings };
};

/** The API's `details: [{path, message}]` of a 400, by form field (`secret`, `settings.x` → `x`); the rest apart. */
export const issuesByField = (details: unknown): { byField: Record<string, string[]>; other: string[] } => {
  const byField: Record<string, string[]> = {};
  const other: string[] = [];
  if (!Array.isArray(details)) return { byField, other };
  for (const d of details as unknown[]) {
    if (!d || typeof d !== 'object') continue;
    const { path, message } = d as { path?: unknown; message?: unknown };
    if (typeof message !== 'string') continue;
    const p = typeof path === 'string' ? path : '';
    const field = p === 'secret' ? 'secret' : /^settings\.[^.]+$/.test(p) ? p.slice('settings.'.length) : null;
    if (field) (byField[field] ??= []).push(message);
    else other.push(`${p || 'body'}: ${message}`);
  }
  return { byField, other };
};

/** The saved settings as label/value pairs for display, in the table's order (unknown keys last). */
export const describeSettings = (provider: ChannelProvider, settings: Record<string, unknown>): { label: string; value: string }[] => {
  const fields = CHANNELS[provider].fields.filter((f) => f.name !== 'secret');
  const known = fields.filter((f) => settings[f.name] !== undefined).map((f) => ({ label: f.label, value: show(settings[f.name]) }));
  const rest = Object.keys(settings)
    .filter((k) => !fields.some((f) => f.name === k))
    .map((k) => ({ label: k, value: show(settings[k]) }));
  return [...known, ...rest];
};

const show = (v: unknown): string =>
  typeof v === 'boolean' ? (v ? 'yes' : 'no') : typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);

/**
 * What a provider's card offers. The webhook signing secret cannot be removed (there is no
 * deployment secret to fall back to: the API answers 409), only replaced, and an owner can rotate it.
 */
export const cardActions = (provider: ChannelProvider, hasOwn: boolean, role: Me['role']): { remove: boolean; rotate: boolean } => ({
  remove: hasOwn && provider !== 'webhook',
  rotate: provider === 'webhook' && role === 'owner',
});

/** After a rotation: until when receivers may still verify with the secret it replaced (from the API's answer). */
export const previousSecretNotice = (previousValidUntil: string | null, hadSecret: boolean): string =>
  previousValidUntil
    ? `The previous secret is still accepted until ${formatTime(previousValidUntil)}: until then every webhook carries a signature with each.`
    : hadSecret
      ? 'The previous secret is no longer accepted.'
      : 'This is the organization’s first signing secret.';
