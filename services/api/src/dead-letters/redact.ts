import { isSealedSecret, redactWorkflowSecrets } from '@fixlify/channels';

export const REDACTED = '[redacted]';

/** Field names whose values are secrets wherever they appear (topic messages, CDC rows, headers). */
const SECRET_KEY = /pass(word|wd|phrase)?$|secret|token|api[-_]?key|authorization|^auth$|cookie|credential|private[-_]?key|signature|_hash$|^headers$/i;
/** Values that are secrets whatever their field: credentials in a header value, our API keys. */
const SECRET_VALUE = /^(bearer|basic|token)\s+\S+|^fx_[A-Za-z0-9]{8}_/i;
const TEXT_PATTERNS: [RegExp, string][] = [
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [/\bfx_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{20,}/g, REDACTED],
  [/((?:pass(?:word)?|secret|token|api[-_]?key)["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi, `$1${REDACTED}`],
];

const redactAll = (v: unknown): unknown => {
  if (v === null || v === undefined || v === '') return v;
  if (Array.isArray(v)) return v.map(redactAll);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, redactAll(x)]));
  return REDACTED;
};

const looksLikeJson = (s: string): boolean => /^\s*[[{]/.test(s);

/**
 * A copy of a value with its secrets replaced: fields with secret-looking names (whole subtree),
 * credential-looking strings, sealed workflow secrets and workflow steps' secret fields; JSON held
 * in strings (Debezium sends jsonb columns as text, a dead letter's value is text) is opened too.
 */
export const redactSecrets = (v: unknown, depth = 0): unknown => {
  if (depth > 20) return REDACTED;
  if (typeof v === 'string') {
    if (isSealedSecret(v) || SECRET_VALUE.test(v)) return REDACTED;
    if (looksLikeJson(v)) {
      try {
        return JSON.stringify(redactSecrets(JSON.parse(v), depth + 1));
      } catch {
        // not JSON after all
      }
    }
    return TEXT_PATTERNS.reduce<string>((s, [re, to]) => s.replace(re, to), v);
  }
  if (Array.isArray(v)) return v.map((x) => redactSecrets(x, depth + 1));
  if (v && typeof v === 'object') {
    const o = redactWorkflowSecrets(v as Record<string, unknown>);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, SECRET_KEY.test(k) ? redactAll(x) : redactSecrets(x, depth + 1)]));
  }
  return v;
};

/** A dead letter's text value (JSON or not) with its secrets replaced. */
export const redactText = (text: string | null): string | null => (text === null ? null : (redactSecrets(text) as string));
