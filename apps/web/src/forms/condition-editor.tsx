import { useId, useState } from 'react';
import { parseLiteral } from './literal';
import { JsonField } from './schema-form';

const OPS = [
  ['eq', 'equals'],
  ['neq', 'does not equal'],
  ['gt', 'is greater than'],
  ['gte', 'is at least'],
  ['lt', 'is less than'],
  ['lte', 'is at most'],
  ['contains', 'contains'],
  ['in', 'is one of'],
  ['not_in', 'is none of'],
  ['is_empty', 'is empty'],
  ['is_not_empty', 'is not empty'],
  ['changed', 'changed (from → to)'],
] as const;

interface Leaf {
  field?: string;
  op?: string;
  value?: unknown;
  from?: unknown;
  to?: unknown;
}

const one = (x: unknown): string => (typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? `${x}` : (JSON.stringify(x) ?? ''));
const show = (v: unknown): string => (v === undefined ? '' : Array.isArray(v) ? v.map(one).join(', ') : one(v));

const isLeaf = (c: unknown): c is Leaf => !!c && typeof c === 'object' && !('all' in c) && !('any' in c) && !('not' in c);

/** One comparison edited as "field · operator · value"; groups (all/any/not) in JSON. */
export const ConditionEditor = ({
  value,
  onChange,
  variables,
  label,
  error,
}: {
  value: unknown;
  onChange: (v: unknown) => void;
  variables: string[];
  label: string;
  error?: string | undefined;
}) => {
  const id = useId();
  const [advanced, setAdvanced] = useState(() => value !== undefined && !isLeaf(value));
  const leaf: Leaf = isLeaf(value) ? value : {};
  const set = (patch: Partial<Leaf>) => {
    const next: Leaf = { ...leaf, ...patch };
    for (const k of Object.keys(next) as (keyof Leaf)[]) if (next[k] === undefined) delete next[k];
    onChange(next);
  };
  const op = leaf.op ?? 'eq';
  return (
    <fieldset className={`condition-editor${error ? ' field-invalid' : ''}`}>
      <legend>{label}</legend>
      {advanced ? (
        <JsonField id={id} value={value} onChange={onChange} />
      ) : (
        <div className="condition-row">
          <input
            type="text"
            list={`${id}-vars`}
            aria-label={`${label}: field`}
            placeholder="job.total"
            value={leaf.field ?? ''}
            onChange={(e) => set({ field: e.target.value })}
          />
          <datalist id={`${id}-vars`}>
            {variables.map((v) => (
              <option key={v} value={v} />
            ))}
          </datalist>
          <select
            aria-label={`${label}: operator`}
            value={op}
            onChange={(e) => {
              const nop = e.target.value;
              if (nop === 'changed') set({ op: nop, value: undefined, field: leaf.field?.replace(/^after\./, '') });
              else if (nop === 'is_empty' || nop === 'is_not_empty') set({ op: nop, value: undefined, from: undefined, to: undefined });
              else if (nop === 'in' || nop === 'not_in')
                set({ op: nop, value: Array.isArray(leaf.value) ? leaf.value : leaf.value === undefined ? [] : [leaf.value], from: undefined, to: undefined });
              else set({ op: nop, value: Array.isArray(leaf.value) ? leaf.value[0] : leaf.value, from: undefined, to: undefined });
            }}
          >
            {OPS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
          {op === 'changed' ? (
            <>
              <input
                type="text"
                aria-label={`${label}: from`}
                placeholder="from (any)"
                value={show(leaf.from)}
                onChange={(e) => set({ from: e.target.value === '' ? undefined : parseLiteral(e.target.value) })}
              />
              <input
                type="text"
                aria-label={`${label}: to`}
                placeholder="to (any)"
                value={show(leaf.to)}
                onChange={(e) => set({ to: e.target.value === '' ? undefined : parseLiteral(e.target.value) })}
              />
            </>
          ) : op === 'is_empty' || op === 'is_not_empty' ? null : (
            <input
              type="text"
              aria-label={`${label}: value`}
              placeholder={op === 'in' || op === 'not_in' ? 'a, b, c' : 'value'}
              value={show(leaf.value)}
              onChange={(e) =>
                set({
                  value:
                    op === 'in' || op === 'not_in'
                      ? e.target.value
                          .split(',')
                          .map((x) => x.trim())
                          .filter(Boolean)
                          .map(parseLiteral)
                      : parseLiteral(e.target.value),
                })
              }
            />
          )}
        </div>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="button" className="btn btn-small btn-ghost" onClick={() => setAdvanced((a) => !a)}>
        {advanced ? 'Simple editor' : 'Edit as JSON (groups: all / any / not)'}
      </button>
    </fieldset>
  );
};
