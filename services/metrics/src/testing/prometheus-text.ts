/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: every line
 * must be a HELP, a TYPE, or a sample of a declared family; anything else is an error with its
 * line number. prom-client has no parser of its own.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
}

export interface PromExposition {
  families: Map<string, PromFamily>;
  samples: PromSample[];
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<PromFamily['type'], string[]> = {
  counter: ['', '_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['', '_sum', '_count', '_created'],
  untyped: [''],
};

const parseValue = (s: string): number => {
  if (s === '+Inf' || s === 'Inf') return Number.POSITIVE_INFINITY;
  if (s === '-Inf') return Number.NEGATIVE_INFINITY;
  if (s === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`bad value "${s}"`);
  return Number(s);
};

/** Parses `{a="x",b="y\"z"}` starting at `i` (the brace); returns the labels and the index after `}`. */
const parseLabels = (line: string, i: number): [Record<string, string>, number] => {
  const labels: Record<string, string> = {};
  i++; // {
  for (;;) {
    if (line[i] === '}') return [labels, i + 1];
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error('label without "="');
    const name = line.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name "${name}"`);
    if (name in labels) throw new Error(`duplicate label "${name}"`);
    if (line[eq + 1] !== '"') throw new Error(`label ${name}: value not quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`label ${name}: unterminated value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = line[j + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`label ${name}: bad escape \\${e ?? ''}`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`label ${name}: expected "," or "}"`);
  }
};

export const parsePrometheusText = (text: string): PromExposition => {
  const families = new Map<string, PromFamily>();
  const samples: PromSample[] = [];
  const familyOf = (sample: string): PromFamily | undefined => {
    for (const [name, f] of families) if (SUFFIXES[f.type].some((s) => sample === name + s)) return f;
    return undefined;
  };
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  text.split('\n').forEach((line, n) => {
    const at = (msg: string): Error => new Error(`line ${n + 1}: ${msg}: ${JSON.stringify(line)}`);
    if (line === '') return;
    try {
      if (line.startsWith('#')) {
        const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
        if (!m) return; // a plain comment
        const [, kind, name, rest] = m as unknown as [string, string, string, string];
        if (!METRIC.test(name)) throw new Error(`bad metric name "${name}"`);
        const f = families.get(name) ?? { name, type: 'untyped' as const, help: '' };
        if (kind === 'HELP') f.help = rest;
        else {
          if (!TYPES.has(rest)) throw new Error(`bad type "${rest}"`);
          if (samples.some((s) => familyOf(s.name)?.name === name)) throw new Error('TYPE after samples');
          f.type = rest as PromFamily['type'];
        }
        families.set(name, f);
        return;
      }
      const nameEnd = line.search(/[{ ]/);
      if (nameEnd <= 0) throw new Error('no metric name');
      const name = line.slice(0, nameEnd);
      if (!METRIC.test(name)) throw new Error(`bad metric name "${name}"`);
      let labels: Record<string, string> = {};
      let i = nameEnd;
      if (line[i] === '{') [labels, i] = parseLabels(line, i);
      if (line[i] !== ' ') throw new Error('expected a space before the value');
      const [value, timestamp, extra] = line.slice(i + 1).split(' ');
      if (value === undefined || extra !== undefined) throw new Error('expected "value [timestamp]"');
      if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) throw new Error(`bad timestamp "${timestamp}"`);
      if (!familyOf(name)) throw new Error(`sample of an undeclared family "${name}"`);
      samples.push({ name, labels, value: parseValue(value) });
    } catch (e) {
      throw at(e instanceof Error ? e.message : String(e));
    }
  });
  return { families, samples };
};

/** Sum of the samples of `name` whose labels include `match`. */
export const sampleSum = (x: PromExposition, name: string, match: Record<string, string> = {}): number =>
  x.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
