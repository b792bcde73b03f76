import { TemplateError } from './errors';
import { MAX_TEMPLATE_OUTPUT, parseTemplate, renderDeep, renderTemplate, templateProblem } from './template';

const opts = { locale: 'en-US', timeZone: 'America/New_York', currency: 'USD' };
const ctx = {
  client: { name: 'Ann', email: 'ann@example.com' },
  invoice: { total: '1234.5', due: '2026-03-09T02:00:00Z', items: [{ name: 'Pipe' }, { name: 'Valve' }] },
  job: { scheduled_start: '2026-03-08T15:00:00Z' },
};
const render = (t: string, c: Record<string, unknown> = ctx): string => renderTemplate(t, c, opts);
const nbsp = (s: string): string => s.replace(/\u00a0|\u202f/g, ' ');

describe('renderTemplate', () => {
  it('renders variables, loops and built-in filters', () => {
    expect(render('Hi {{ client.name | upcase }}')).toBe('Hi ANN');
    expect(render('{% for i in invoice.items %}{{ i.name }};{% endfor %}')).toBe('Pipe;Valve;');
    expect(render('{{ client.phone | default: "no phone" }}')).toBe('no phone');
    expect(render('{{ missing.deep.value }}|')).toBe('|');
    expect(render('plain text')).toBe('plain text');
  });

  it('has locale-aware money and dates in the recipient zone', () => {
    expect(render('{{ invoice.total | money }}')).toBe('$1,234.50');
    expect(render("{{ invoice.total | money: 'EUR' }}")).toBe('€1,234.50');
    expect(nbsp(renderTemplate('{{ invoice.total | money }}', ctx, { locale: 'de-DE', timeZone: 'Europe/Berlin', currency: 'EUR' }))).toBe('1.234,50 €');
    expect(render('{{ invoice.total | money }}', { invoice: { total: 5 } })).toBe('$5.00');
    expect(nbsp(render('{{ job.scheduled_start | datetime }}'))).toBe('Mar 8, 2026, 11:00 AM');
    expect(render("{{ job.scheduled_start | datetime: 'HH:mm' }}")).toBe('11:00');
    expect(render('{{ invoice.due | date_only }}')).toBe('Mar 8, 2026');
    expect(renderTemplate('{{ invoice.due | date_only }}', ctx, { locale: 'en-GB', timeZone: 'Europe/London' })).toBe('9 Mar 2026');
  });

  it('uses UTC for the built-in date filter whatever the host zone', () => {
    expect(render("{{ '2026-03-08T23:30:00Z' | date: '%Y-%m-%d %H:%M' }}")).toBe('2026-03-08 23:30');
  });

  it('throws template_invalid with the reason on parse errors', () => {
    for (const bad of ['{{ client.name ', '{% if x %}no end', '{{ x | no_such_filter }}', '{% include "secrets.txt" %}', "{% render 'a' %}"]) {
      let err: unknown;
      try {
        render(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TemplateError);
      expect((err as TemplateError).code).toBe('template_invalid');
      expect((err as TemplateError).message).toMatch(/^The template cannot be read: .+/);
    }
    expect(templateProblem('{{ x | nope }}')).toMatch(/nope/);
    expect(templateProblem('{{ x }}')).toBeNull();
  });

  it('reports filter failures as template_render_failed', () => {
    expect(() => render("{{ 5 | money: 'dollars' }}")).toThrow(
      expect.objectContaining({ code: 'template_render_failed', message: expect.stringMatching(/currency code/) }),
    );
  });

  it('caches parsed templates', () => {
    const t = '{{ client.email }} cached';
    expect(parseTemplate(t)).toBe(parseTemplate(t));
    expect(render(t)).toBe('ann@example.com cached');
  });

  it('keeps the cache bounded', () => {
    for (let i = 0; i < 600; i++) render(`{{ client.name }} ${i}`);
    expect(render('{{ client.name }} 0')).toBe('Ann 0');
  });
});

describe('renderTemplate: hostile templates', () => {
  it('cannot reach constructors or prototypes', () => {
    expect(render('{{ constructor.constructor }}')).toBe('');
    expect(render('{{ __proto__ }}')).toBe('');
    expect(render('{{ client.constructor.name }}')).toBe('');
    expect(render("{{ client.name.constructor }}{{ 'x'.constructor }}")).toBe('');
    expect(render('{{ client.__proto__.toString }}')).toBe('');
    expect(render('{% assign f = client.constructor %}{{ f.constructor }}')).toBe('');
    expect(render('{{ client.hasOwnProperty }}{{ invoice.items.map }}')).toBe('');
  });

  it('bounds a huge range without hanging', () => {
    const started = Date.now();
    expect(() => render('{% for i in (1..100000000) %}x{% endfor %}')).toThrow(expect.objectContaining({ code: 'template_render_failed' }));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('bounds nested loops by time', () => {
    const started = Date.now();
    expect(() => render('{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}')).toThrow(
      expect.objectContaining({ code: 'template_render_failed', message: expect.stringMatching(/too long|too much/) }),
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('caps the output length', () => {
    const big = { s: 'x'.repeat(100_000) };
    expect(() => render('{% for i in (1..100) %}{{ s }}{% endfor %}', big)).toThrow(expect.objectContaining({ code: 'template_output_too_large' }));
    expect(render('{% for i in (1..9) %}{{ s }}{% endfor %}', big)).toHaveLength(900_000);
    expect(MAX_TEMPLATE_OUTPUT).toBe(1_000_000);
  });

  it('rejects over-long templates and string blow-ups', () => {
    expect(() => render('{{ a }}' + 'x'.repeat(300_000))).toThrow(expect.objectContaining({ code: 'template_invalid' }));
    expect(() => render("{% assign s = 'xxxxxxxxxx' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}")).toThrow(TemplateError);
  });

  it('does not call functions found in the context', () => {
    let called = false;
    const c = {
      f: () => {
        called = true;
        return 'ran';
      },
      o: { g: () => 'ran' },
    };
    expect(render('{{ f }}{{ o.g }}|{{ o.g.size }}', c)).toBe('|');
    expect(called).toBe(false);
  });
});

describe('renderDeep', () => {
  it('renders every string inside objects and arrays', () => {
    const cfg = { to: '{{ client.email }}', headers: { 'X-Name': '{{ client.name }}' }, list: ['{{ invoice.total | money }}', 3, null], n: 5, b: true };
    expect(renderDeep(cfg, ctx, opts)).toEqual({ to: 'ann@example.com', headers: { 'X-Name': 'Ann' }, list: ['$1,234.50', 3, null], n: 5, b: true });
    expect(cfg.to).toBe('{{ client.email }}');
  });

  it('keeps a __proto__ key as data', () => {
    const cfg = JSON.parse('{"__proto__": {"polluted": "{{ client.name }}"}}') as Record<string, unknown>;
    const out = renderDeep(cfg, ctx, opts);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 'Ann' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('renderTemplate: output of non-text values', () => {
  it('prints numbers, booleans and objects sensibly', () => {
    expect(render('{{ n }} {{ b }} {{ o }} {{ l }}', { n: 1.5, b: true, o: { a: 1 }, l: ['x', 'y'] })).toBe('1.5 true {"a":1} xy');
    expect(render('{{ o | json }}', { o: { a: [1] } })).toBe('{"a":[1]}');
  });
});
