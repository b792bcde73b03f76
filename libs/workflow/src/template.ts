import { Context, Liquid, toValue, toValueSync, type Drop, type Emitter, type Scope, type Template } from 'liquidjs';
import { TemplateError } from './errors';
import { formatDateOnly, formatDateTime, formatMoney, type RenderOptions } from './template-filters';

export type { RenderOptions } from './template-filters';

/** The largest template we parse (the biggest template field, an email's HTML, is 100k). */
export const MAX_TEMPLATE_LENGTH = 200_000;
/** Rendered output beyond this fails the step instead of exhausting memory. */
export const MAX_TEMPLATE_OUTPUT = 1_000_000;
/** Wall-clock budget of one render; a template loop cannot hold an executor longer. */
const RENDER_TIME_LIMIT_MS = 500;
/** liquidjs allocation units (range items, string lengths of filters) per render. */
const RENDER_MEMORY_LIMIT = 10_000_000;
const PARSE_CACHE_SIZE = 500;
const MAX_DEEP = 32;

/** Render options ride on the context under a symbol: filters can read them, templates cannot name them. */
const OPTS = Symbol('fixlify.render-options');

/** What a filter sees as `this` (liquidjs does not export its FilterImpl type). */
interface FilterImpl {
  context: Context;
}

const optsOf = (impl: FilterImpl): RenderOptions => {
  const globals = impl.context.globals as Record<symbol, RenderOptions | undefined>;
  return globals[OPTS] ?? { locale: 'en-US', timeZone: 'UTC' };
};

const createEngine = (): Liquid => {
  const engine = new Liquid({
    ownPropertyOnly: true,
    strictFilters: true,
    // A missing value renders empty, as people writing messages expect.
    strictVariables: false,
    // An empty in-memory file system: include/render/layout can never read the disk.
    templates: {},
    relativeReference: false,
    cache: false,
    // The built-in `date` filter works in UTC whatever the host zone; use `datetime` for local times.
    timezoneOffset: 0,
    parseLimit: MAX_TEMPLATE_LENGTH,
    renderLimit: RENDER_TIME_LIMIT_MS,
    memoryLimit: RENDER_MEMORY_LIMIT,
  });
  // No partials at all: fail at parse time with a clear reason rather than at send time.
  for (const tag of ['include', 'render', 'layout']) delete engine.tags[tag];
  engine.registerFilter('money', function (this: FilterImpl, value: unknown, currency?: unknown) {
    return formatMoney(value, currency, optsOf(this));
  });
  engine.registerFilter('datetime', function (this: FilterImpl, value: unknown, format?: unknown) {
    return formatDateTime(value, format, optsOf(this));
  });
  engine.registerFilter('date_only', function (this: FilterImpl, value: unknown, format?: unknown) {
    return formatDateOnly(value, format, optsOf(this));
  });
  return engine;
};

const engine = createEngine();
const parsed = new Map<string, Template[]>();

const stringify = (value: unknown): string => {
  const v: unknown = toValue(value);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(stringify).join('');
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  // An object prints as JSON rather than "[object Object]": handy in webhook payloads.
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '';
  }
};

/** Collects output and stops the render as soon as it outgrows the cap. */
class CappedEmitter implements Emitter {
  buffer = '';

  write(html: unknown): void {
    const s = stringify(html);
    if (this.buffer.length + s.length > MAX_TEMPLATE_OUTPUT) {
      throw new TemplateError('template_output_too_large', `The rendered text is longer than ${MAX_TEMPLATE_OUTPUT} characters`);
    }
    this.buffer += s;
  }
}

/** Liquid calls functions it finds in the data; ours is plain data, so a function reads as nothing. */
class DataContext extends Context {
  override readProperty(obj: Scope, key: string | number | Drop): unknown {
    if (obj !== null && typeof obj === 'object' && (typeof key === 'string' || typeof key === 'number')) {
      if (Object.prototype.hasOwnProperty.call(obj, key) && typeof (obj as Record<string | number, unknown>)[key] === 'function') return undefined;
    }
    return super.readProperty(obj, key);
  }
}

const reasonOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Unwraps liquidjs errors down to our own TemplateError, if one started it. */
const originalTemplateError = (e: unknown): TemplateError | undefined => {
  let cur: unknown = e;
  for (let i = 0; i < 10 && cur instanceof Error; i++) {
    if (cur instanceof TemplateError) return cur;
    cur = (cur as { originalError?: unknown }).originalError;
  }
  return undefined;
};

/** Parses (or fetches from the cache) a template; throws TemplateError `template_invalid`. */
export const parseTemplate = (template: string): Template[] => {
  const hit = parsed.get(template);
  if (hit) {
    // Refresh recency: Map iteration order is insertion order, so the first key is the least recent.
    parsed.delete(template);
    parsed.set(template, hit);
    return hit;
  }
  if (template.length > MAX_TEMPLATE_LENGTH) {
    throw new TemplateError('template_invalid', `The template is longer than ${MAX_TEMPLATE_LENGTH} characters`);
  }
  let tpl: Template[];
  try {
    tpl = engine.parse(template);
  } catch (e) {
    throw new TemplateError('template_invalid', `The template cannot be read: ${reasonOf(e)}`);
  }
  parsed.set(template, tpl);
  if (parsed.size > PARSE_CACHE_SIZE) {
    const oldest = parsed.keys().next();
    if (!oldest.done) parsed.delete(oldest.value);
  }
  return tpl;
};

/** The reason a template cannot be parsed, or null; for validating what a user typed. */
export const templateProblem = (template: string): string | null => {
  try {
    parseTemplate(template);
    return null;
  } catch (e) {
    return reasonOf(e);
  }
};

const LIMIT_MESSAGES: Array<[RegExp, string]> = [
  [/memory alloc limit exceeded/, 'The template builds too much data (a loop or a list is too large)'],
  [/template render limit exceeded/, 'The template takes too long to render (a loop is too large)'],
];

/**
 * Renders a Liquid template over plain data, safely: no code execution, own properties only,
 * unknown filters rejected, no file access, bounded time, memory and output.
 */
export const renderTemplate = (template: string, context: Record<string, unknown>, opts: RenderOptions): string => {
  if (!template.includes('{{') && !template.includes('{%')) return template;
  const tpl = parseTemplate(template);
  const emitter = new CappedEmitter();
  try {
    const ctx = new DataContext(context, engine.options, { sync: true, globals: { [OPTS]: opts } }, { liquid: engine });
    toValueSync(engine.renderer.renderTemplates(tpl, ctx, emitter));
  } catch (e) {
    const own = originalTemplateError(e);
    if (own) throw own;
    const reason = reasonOf(e);
    const friendly = LIMIT_MESSAGES.find(([re]) => re.test(reason))?.[1];
    throw new TemplateError('template_render_failed', friendly ? `${friendly} (${reason})` : `The template failed to render: ${reason}`);
  }
  return emitter.buffer;
};

/** Renders every string inside a config object or array; keys and non-strings stay as they are. */
export const renderDeep = <T>(value: T, context: Record<string, unknown>, opts: RenderOptions): T => {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return renderTemplate(v, context, opts);
    if (depth >= MAX_DEEP || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    const out: Record<string, unknown> = {};
    // defineProperty, not assignment: an own `__proto__` key must stay data, not become the prototype.
    for (const [k, x] of Object.entries(v)) {
      Object.defineProperty(out, k, { value: walk(x, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return walk(value, 0) as T;
};
