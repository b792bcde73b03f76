import { useMemo } from 'react';
import type { Catalog, CatalogEntry } from '../../api';

/** The catalog's triggers, actions and flow steps; a click sets the trigger or adds a step. */
export const Palette = ({
  catalog,
  onTrigger,
  onStep,
  disabled,
}: {
  catalog: Catalog;
  onTrigger: (e: CatalogEntry) => void;
  onStep: (e: CatalogEntry) => void;
  disabled: boolean;
}) => {
  const groups = useMemo(() => {
    const m = new Map<string, CatalogEntry[]>();
    for (const t of catalog.triggers) m.set(t.group ?? 'Other', [...(m.get(t.group ?? 'Other') ?? []), t]);
    return [...m.entries()];
  }, [catalog]);
  return (
    <aside className="palette" aria-label="Palette">
      <h2>Triggers</h2>
      <p className="muted small">Sets when the workflow starts.</p>
      {groups.map(([g, items]) => (
        <details key={g} open={g === 'Jobs'}>
          <summary>{g}</summary>
          <div className="palette-items">
            {items.map((t) => (
              <button
                key={t.type}
                type="button"
                className="palette-item palette-trigger"
                data-palette={`trigger:${t.type}`}
                disabled={disabled}
                onClick={() => onTrigger(t)}
              >
                {t.label}
              </button>
            ))}
          </div>
        </details>
      ))}
      <h2>Actions</h2>
      <p className="muted small">Added after the selected step (or unconnected when none is).</p>
      <div className="palette-items">
        {catalog.actions.map((a) => (
          <button key={a.type} type="button" className="palette-item" data-palette={a.type} disabled={disabled} onClick={() => onStep(a)}>
            {a.label}
          </button>
        ))}
      </div>
      <h2>Flow</h2>
      <div className="palette-items">
        {catalog.controls.map((c) => (
          <button key={c.type} type="button" className="palette-item palette-control" data-palette={c.type} disabled={disabled} onClick={() => onStep(c)}>
            {c.label}
          </button>
        ))}
      </div>
    </aside>
  );
};
