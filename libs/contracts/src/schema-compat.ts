/**
 * The compatibility gate of the topic contracts. The committed JSON Schemas of a `vN` topic
 * (libs/contracts/json-schema) are its released contract; a new schema of the same topic may only
 * add to it, so every message valid under the released schema stays valid and means the same:
 * - allowed: a new optional field; a new message kind (a new branch of a `kind` union); a new enum
 *   value; a looser limit;
 * - breaking: a field removed or renamed; a changed type; a new required field (or an optional one
 *   made required); an enum value or a message kind removed; a tighter limit (length, range, pattern).
 * A breaking change needs a new topic version (`…v2`, dual-written while readers move).
 *
 * The schemas are closed (`additionalProperties: false`, what the zod contracts emit): a schema
 * registry in BACKWARD mode (Confluent's default) accepts adding an optional property to a closed
 * model, and refuses it on an open one (old data might hold the name with another type). Consumers
 * that validate take the newest released schema before reading; those that do not ignore unknown
 * fields and kinds.
 */

type Schema = Record<string, unknown>;

const isObj = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON types a schema admits (null for "anything"). */
const typesOf = (s: Schema): Set<string> | null => {
  if (s.const !== undefined) return new Set([s.const === null ? 'null' : typeof s.const === 'number' ? 'number' : typeof s.const]);
  const t = s.type;
  if (typeof t === 'string') return new Set([t === 'integer' ? 'number' : t]);
  if (Array.isArray(t)) return new Set(t.map((x) => (x === 'integer' ? 'number' : String(x))));
  const alts = s.anyOf ?? s.oneOf;
  if (Array.isArray(alts)) {
    const out = new Set<string>();
    for (const a of alts) {
      const ts = isObj(a) ? typesOf(a) : null;
      if (ts === null) return null;
      for (const x of ts) out.add(x);
    }
    return out;
  }
  if (Array.isArray(s.enum)) return new Set(s.enum.map((v) => (v === null ? 'null' : typeof v)));
  return null;
};

/** The types a schema admits, as one comparable string. */
const typeKey = (s: Schema): string => [...(typesOf(s) ?? ['any'])].sort().join('|');

/**
 * The property that tells a union's branches apart (`kind`, `type`, `mode`, …): one every branch
 * has as a constant string. Null when the alternatives are not such a union (nullable, string | number).
 */
const discriminatorOf = (alts: unknown[]): string | null => {
  if (alts.length === 0 || !alts.every((a) => isObj(a) && isObj(a.properties))) return null;
  const first = (alts[0] as Schema).properties as Schema;
  for (const name of Object.keys(first))
    if (
      alts.every((a) => {
        const p = ((a as Schema).properties as Schema)[name];
        return isObj(p) && typeof p.const === 'string';
      })
    )
      return name;
  return null;
};
const branchName = (a: Schema, d: string): string => `${d}=${String(((a.properties as Schema)[d] as Schema).const)}`;

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Limits that accept less than before: a message valid under the released schema might fail the new one. */
const tighter = (path: string, r: Schema, c: Schema, out: string[]): void => {
  for (const k of ['maxLength', 'maximum', 'maxItems'] as const) {
    const was = num(r[k]);
    const now = num(c[k]);
    if (now !== undefined && (was === undefined || now < was))
      out.push(`${path}: ${k} ${was === undefined ? `${now} added` : `lowered from ${was} to ${now}`}`);
  }
  for (const k of ['minLength', 'minimum', 'minItems'] as const) {
    const was = num(r[k]);
    const now = num(c[k]);
    if (now !== undefined && (was === undefined || now > was)) out.push(`${path}: ${k} raised from ${was ?? 'none'} to ${now}`);
  }
  if (typeof c.pattern === 'string' && c.pattern !== r.pattern) out.push(`${path}: pattern changed to ${c.pattern}`);
};

const compare = (path: string, released: unknown, current: unknown, out: string[]): void => {
  if (!isObj(released)) return;
  if (!isObj(current)) {
    out.push(`${path}: removed`);
    return;
  }
  // unions of message kinds: every released branch must still be there (matched by discriminator)
  const rAlts = released.oneOf ?? released.anyOf;
  const cAlts = current.oneOf ?? current.anyOf;
  const d = Array.isArray(rAlts) ? discriminatorOf(rAlts) : null;
  if (d && Array.isArray(rAlts)) {
    const cur = new Map<string, Schema>();
    for (const a of Array.isArray(cAlts) ? cAlts : [current]) if (isObj(a) && isObj(a.properties) && isObj(a.properties[d])) cur.set(branchName(a, d), a);
    for (const a of rAlts as Schema[]) {
      const name = branchName(a, d);
      const c = cur.get(name);
      if (!c) out.push(`${path}: message kind ${name} removed`);
      else compare(`${path}[${name}]`, a, c, out);
    }
    return;
  }
  const rt = typesOf(released);
  const ct = typesOf(current);
  if (rt && ct && ![...rt].every((t) => ct.has(t))) out.push(`${path}: type changed from ${[...rt].join('|')} to ${[...ct].join('|')}`);
  if (released.const !== undefined && current.const !== released.const && !(Array.isArray(current.enum) && current.enum.includes(released.const)))
    out.push(`${path}: value changed from ${JSON.stringify(released.const)} to ${JSON.stringify(current.const)}`);
  if (Array.isArray(released.enum)) {
    const cur = Array.isArray(current.enum) ? current.enum : null;
    if (cur) for (const v of released.enum) if (!cur.includes(v)) out.push(`${path}: enum value ${JSON.stringify(v)} removed`);
  }
  tighter(path, released, current, out);
  // objects: released fields stay, nothing new becomes required
  const rp = isObj(released.properties) ? released.properties : null;
  const cp = isObj(current.properties) ? current.properties : null;
  if (rp) {
    for (const [k, v] of Object.entries(rp)) {
      if (!cp || !(k in cp)) out.push(`${path}.${k}: field removed`);
      else compare(`${path}.${k}`, v, cp[k], out);
    }
  }
  const rReq = new Set(Array.isArray(released.required) ? (released.required as string[]) : []);
  for (const k of Array.isArray(current.required) ? (current.required as string[]) : [])
    if (!rReq.has(k)) out.push(`${path}.${k}: ${rp && k in rp ? 'made required' : 'new required field'}`);
  if (released.additionalProperties !== false && current.additionalProperties === false && !rp) out.push(`${path}: closed to other fields`);
  if (isObj(released.additionalProperties)) compare(`${path}.*`, released.additionalProperties, current.additionalProperties, out);
  if (isObj(released.items)) compare(`${path}[]`, released.items, current.items, out);
  // unions of types (nullable, string | number): each released alternative is compared with the current one of the same types
  if (Array.isArray(rAlts) && Array.isArray(cAlts))
    rAlts.forEach((a, i) => {
      const match = isObj(a) ? (cAlts as unknown[]).find((c) => isObj(c) && typeKey(c) === typeKey(a)) : undefined;
      if (match) compare(`${path}|${i}`, a, match, out);
    });
};

/** The breaking changes from a released JSON Schema to a new one of the same topic (empty: compatible). */
export const breakingChanges = (released: unknown, current: unknown): string[] => {
  const out: string[] = [];
  compare('$', released, current, out);
  return [...new Set(out)];
};
