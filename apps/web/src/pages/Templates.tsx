import { useState } from 'react';
import { api, type Template, type WorkflowDetail } from '../api';
import { Empty, ErrorBox, PageHeader, Spinner, toast, toastError, useAsync } from '../components/ui';
import { navigate } from '../router';

const Stars = ({ t, canRate, onRated }: { t: Template; canRate: boolean; onRated: (t: Template) => void }) => (
  <div className="stars" role="group" aria-label={`Rating ${t.rating ?? 'none'} of 5 from ${t.ratingCount} rating(s)`}>
    {[1, 2, 3, 4, 5].map((n) => (
      <button
        key={n}
        type="button"
        className={`star${(t.rating ?? 0) >= n - 0.25 ? ' on' : ''}`}
        disabled={!canRate}
        aria-label={`Rate ${n} of 5`}
        onClick={() =>
          api.post<Template>(`/api/templates/${t.id}/rate`, { rating: n }).then((r) => {
            onRated(r);
            toast('ok', 'Thanks for rating');
          }, toastError)
        }
      >
        ★
      </button>
    ))}
    <span className="muted small">{t.ratingCount ? `${t.rating?.toFixed(1)} (${t.ratingCount})` : 'not rated'}</span>
  </div>
);

export const Templates = ({ canEdit }: { canEdit: boolean }) => {
  const [category, setCategory] = useState('');
  const list = useAsync(
    () =>
      api.get<{ items: Template[]; categories: { category: string; count: number }[] }>(
        `/api/templates${category ? `?category=${encodeURIComponent(category)}` : ''}`,
      ),
    [category],
  );
  const [busy, setBusy] = useState<string | null>(null);
  const use = async (t: Template) => {
    setBusy(t.id);
    try {
      const w = await api.post<WorkflowDetail>(`/api/templates/${t.id}/instantiate`, {});
      toast('ok', `"${t.name}" added as a draft`);
      navigate(`/workflows/${w.id}`);
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="page">
      <PageHeader
        title="Templates"
        subtitle="Ready-made automations for field-service businesses. Using one creates a draft you can adjust before publishing."
      />
      <div className="tabs" role="tablist" aria-label="Categories">
        <button type="button" role="tab" aria-selected={category === ''} onClick={() => setCategory('')}>
          All
        </button>
        {list.data?.categories.map((c) => (
          <button key={c.category} type="button" role="tab" aria-selected={category === c.category} onClick={() => setCategory(c.category)}>
            {c.category} <span className="muted">{c.count}</span>
          </button>
        ))}
      </div>
      {list.error ? (
        <ErrorBox error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Spinner />
      ) : list.data.items.length === 0 ? (
        <Empty title="No templates in this category" />
      ) : (
        <div className="gallery">
          {list.data.items.map((t) => (
            <article key={t.id} className="card template" data-template={t.slug}>
              <div className="template-head">
                <span className="tag">{t.category}</span>
                {t.featured && <span className="tag tag-featured">Popular</span>}
              </div>
              <h3>{t.name}</h3>
              <p>{t.description}</p>
              <p className="muted small">
                Starts on <code>{t.triggerType}</code> · used {t.usageCount} time{t.usageCount === 1 ? '' : 's'}
              </p>
              <div className="tags">
                {t.tags.map((x) => (
                  <span key={x} className="tag tag-light">
                    {x}
                  </span>
                ))}
              </div>
              <Stars t={t} canRate={canEdit} onRated={(r) => list.setData((d) => d && { ...d, items: d.items.map((x) => (x.id === r.id ? r : x)) })} />
              {canEdit && (
                <button type="button" className="btn btn-primary" disabled={busy === t.id} onClick={() => void use(t)}>
                  Use this template
                </button>
              )}
            </article>
          ))}
        </div>
      )}
    </div>
  );
};
