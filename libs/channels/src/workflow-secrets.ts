import { SEALED_SECRET_PREFIX, SECRET_PLACEHOLDER, SECRET_PLAIN_MAX } from '@fixlify/contracts';
import { decryptSecret, encryptSecret } from './credentials';

/**
 * Secrets inside workflow definitions: api_call auth (bearer token, basic password, header value)
 * and the header values of webhook and api_call steps.
 *
 * - The API seals every such value before it stores a definition (`fxsecret:v1:…`, AES-256-GCM with
 *   the credentials key), bound to the organization, the workflow, the step and the step's URL: a
 *   sealed value copied to another step, workflow or URL does not open.
 * - Answers carry SECRET_PLACEHOLDER instead (to everybody, whatever the role). A definition saved
 *   with the placeholder keeps the stored value, but only for the same step at the same URL: an
 *   editor cannot point a stored token at a server of their own without typing it again.
 * - The executor opens the values of the step it is about to run, just before rendering its
 *   templates, so drafts, versions, the workflows topic, commands, timers and dead letters only
 *   ever hold the sealed form.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export interface SecretScope {
  organizationId: string;
  workflowId: string;
}

/** Where a secret sits in a step's config, and how long its plain value may be (UTF-8 bytes). */
export interface SecretSlot {
  path: readonly [string, string];
  plainMax: number;
}

/** The secret fields a step's config holds now (only api_call and webhook steps have any). */
export const secretSlots = (node: unknown): SecretSlot[] => {
  if (!isObj(node) || (node.type !== 'api_call' && node.type !== 'webhook') || !isObj(node.config)) return [];
  const c = node.config;
  const out: SecretSlot[] = [];
  if (isObj(c.headers)) for (const name of Object.keys(c.headers)) out.push({ path: ['headers', name], plainMax: SECRET_PLAIN_MAX.headerValue });
  if (node.type === 'api_call' && isObj(c.auth)) {
    if (c.auth.type === 'bearer') out.push({ path: ['auth', 'token'], plainMax: SECRET_PLAIN_MAX.token });
    else if (c.auth.type === 'basic') out.push({ path: ['auth', 'password'], plainMax: SECRET_PLAIN_MAX.password });
    else if (c.auth.type === 'header') out.push({ path: ['auth', 'value'], plainMax: SECRET_PLAIN_MAX.authHeaderValue });
  }
  return out;
};

const getAt = (config: Obj, path: readonly [string, string]): unknown => {
  const parent = config[path[0]];
  return isObj(parent) ? parent[path[1]] : undefined;
};

export const isSealedSecret = (v: unknown): v is string => typeof v === 'string' && v.startsWith(SEALED_SECRET_PREFIX);

const urlOf = (config: Obj): string => (typeof config.url === 'string' ? config.url : '');
const nodeIdOf = (node: Obj): string => (typeof node.id === 'string' ? node.id : '');
const context = (scope: SecretScope, nodeId: string, url: string): string =>
  `workflow-secret/${scope.organizationId.toLowerCase()}/${scope.workflowId.toLowerCase()}/${nodeId}/${url}`;

export const sealWorkflowSecret = (plain: string, scope: SecretScope, nodeId: string, url: string, key: Buffer): string =>
  `${SEALED_SECRET_PREFIX}${encryptSecret(plain, key, context(scope, nodeId, url))}`;

export const openWorkflowSecret = (sealed: string, scope: SecretScope, nodeId: string, url: string, key: Buffer): string =>
  decryptSecret(sealed.slice(SEALED_SECRET_PREFIX.length), key, context(scope, nodeId, url));

/** A copy of a node with its config's secret fields mapped (the rest shared, not copied). */
const mapSecrets = <T>(node: T, f: (value: unknown, slot: SecretSlot, config: Obj) => unknown): T => {
  const slots = secretSlots(node);
  if (slots.length === 0) return node;
  const n = node as Obj;
  const config: Obj = { ...(n.config as Obj) };
  for (const slot of slots) {
    const [k, field] = slot.path;
    const parent = { ...(config[k] as Obj) };
    parent[field] = f(parent[field], slot, n.config as Obj);
    config[k] = parent;
  }
  return { ...n, config } as T;
};

const mapNodes = <D>(definition: D, f: (node: unknown) => unknown): D => {
  if (!isObj(definition) || !Array.isArray(definition.nodes)) return definition;
  return { ...definition, nodes: definition.nodes.map(f) };
};

/** What answers show: every non-empty secret (sealed or, from before sealing, plain) as the placeholder. */
export const redactWorkflowSecrets = <D>(definition: D): D =>
  mapNodes(definition, (node) => mapSecrets(node, (v) => (typeof v === 'string' && v !== '' ? SECRET_PLACEHOLDER : v)));

export interface SecretIssue {
  nodeId: string;
  path: string;
  message: string;
}

/**
 * The definition to store, from the one a client sent and the one stored before (null for a new
 * workflow): plain values are sealed; the placeholder takes the stored value of the same step, field
 * and URL (re-sealed if it was stored plain before sealing existed); anything else is an issue.
 */
export const sealWorkflowSecrets = <D>(incoming: D, stored: unknown, scope: SecretScope, key: Buffer): { definition: D; issues: SecretIssue[] } => {
  const issues: SecretIssue[] = [];
  const storedNodes = new Map<string, Obj>();
  if (isObj(stored) && Array.isArray(stored.nodes)) for (const n of stored.nodes) if (isObj(n) && typeof n.id === 'string') storedNodes.set(n.id, n);
  const definition = mapNodes(incoming, (node) =>
    mapSecrets(node, (v, slot, config) => {
      const nodeId = nodeIdOf(node as Obj);
      const url = urlOf(config);
      const where = `config.${slot.path.join('.')}`;
      const issue = (message: string): unknown => (issues.push({ nodeId, path: where, message }), v);
      if (typeof v !== 'string' || v === '') return v;
      if (v === SECRET_PLACEHOLDER) {
        const before = storedNodes.get(nodeId);
        const beforeConfig = before && before.type === (node as Obj).type && isObj(before.config) ? before.config : null;
        const kept = beforeConfig ? getAt(beforeConfig, slot.path) : undefined;
        if (typeof kept !== 'string' || kept === '') return issue('this secret has no stored value to keep: type it in');
        if (urlOf(beforeConfig!) !== url) return issue('the URL changed: type the secret again (a stored secret is only kept for the URL it was entered for)');
        return isSealedSecret(kept) ? kept : sealWorkflowSecret(kept, scope, nodeId, url, key);
      }
      if (isSealedSecret(v)) return issue('a sealed value cannot be set directly: type the secret itself');
      if (Buffer.byteLength(v, 'utf8') > slot.plainMax) return issue(`at most ${slot.plainMax} bytes`);
      return sealWorkflowSecret(v, scope, nodeId, url, key);
    }),
  );
  return { definition, issues };
};

/**
 * The executor's side: the node with its sealed secrets opened (plain values, stored before sealing
 * existed, pass as they are). Throws when one does not open: wrong key, or moved to another
 * organization, workflow, step or URL.
 */
export const openNodeSecrets = <N>(node: N, scope: SecretScope, key: Buffer): N => {
  const slots = secretSlots(node);
  if (slots.length === 0 || !slots.some((s) => isSealedSecret(getAt((node as Obj).config as Obj, s.path)))) return node;
  return mapSecrets(node, (v, slot, config) => {
    if (!isSealedSecret(v)) return v;
    try {
      return openWorkflowSecret(v, scope, nodeIdOf(node as Obj), urlOf(config), key);
    } catch (e) {
      throw Object.assign(
        new Error(
          `the ${slot.path.join('.')} secret of step ${nodeIdOf(node as Obj)} cannot be opened (${e instanceof Error ? e.message : String(e)}); type it again in the builder`,
        ),
        {
          code: 'secret_unreadable',
        },
      );
    }
  });
};

/** `openNodeSecrets` with the key bound (the executor's RunDeps.openSecrets). */
export const secretOpener =
  (key: Buffer) =>
  <N>(node: N, scope: SecretScope): N =>
    openNodeSecrets(node, scope, key);
