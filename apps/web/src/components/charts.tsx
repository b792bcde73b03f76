export interface Series {
  name: string;
  color: string;
  values: number[];
}

const W = 560;
const H = 180;
const PAD = { l: 36, r: 8, t: 10, b: 24 };

const niceMax = (v: number): number => {
  if (v <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / p) * p;
};

const Axis = ({ labels, max, fmt }: { labels: string[]; max: number; fmt: (n: number) => string }) => {
  const step = Math.max(1, Math.ceil(labels.length / 6));
  const iw = W - PAD.l - PAD.r;
  return (
    <g className="axis">
      {[0, 0.5, 1].map((f) => (
        <g key={f}>
          <line x1={PAD.l} x2={W - PAD.r} y1={PAD.t + (1 - f) * (H - PAD.t - PAD.b)} y2={PAD.t + (1 - f) * (H - PAD.t - PAD.b)} className="grid" />
          <text x={PAD.l - 4} y={PAD.t + (1 - f) * (H - PAD.t - PAD.b) + 4} textAnchor="end">
            {fmt(max * f)}
          </text>
        </g>
      ))}
      {labels.map((l, i) =>
        i % step === 0 ? (
          <text key={i} x={PAD.l + ((i + 0.5) * iw) / labels.length} y={H - 6} textAnchor="middle">
            {l}
          </text>
        ) : null,
      )}
    </g>
  );
};

/** Stacked bars per period (executions by outcome, messages by channel): plain SVG, no chart library. */
export const StackedBars = ({ title, labels, series, empty }: { title: string; labels: string[]; series: Series[]; empty?: string }) => {
  const totals = labels.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const bw = Math.max(2, (iw / Math.max(1, labels.length)) * 0.7);
  const none = totals.every((t) => t === 0);
  return (
    <figure className="chart">
      <figcaption>
        {title}
        <span className="legend">
          {series.map((s) => (
            <span key={s.name}>
              <i style={{ background: s.color }} /> {s.name} {s.values.reduce((a, b) => a + b, 0)}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${series.map((s) => `${s.name} ${s.values.reduce((a, b) => a + b, 0)}`).join(', ')}`}>
        <Axis labels={labels} max={max} fmt={(n) => String(Math.round(n))} />
        {labels.map((_, i) => {
          let y = PAD.t + ih;
          return series.map((s) => {
            const v = s.values[i] ?? 0;
            const h = (v / max) * ih;
            y -= h;
            return v > 0 ? (
              <rect key={`${s.name}-${i}`} x={PAD.l + ((i + 0.5) * iw) / labels.length - bw / 2} y={y} width={bw} height={h} fill={s.color} rx={1.5} />
            ) : null;
          });
        })}
        {none && (
          <text x={W / 2} y={H / 2} textAnchor="middle" className="chart-empty">
            {empty ?? 'No data in this period yet'}
          </text>
        )}
      </svg>
    </figure>
  );
};

/** A line over periods (success rate, durations); gaps where there is no value. */
export const LineChart = ({
  title,
  labels,
  values,
  color,
  max: fixedMax,
  fmt,
}: {
  title: string;
  labels: string[];
  values: (number | null)[];
  color: string;
  max?: number;
  fmt: (n: number) => string;
}) => {
  const present = values.filter((v): v is number => v !== null);
  const max = fixedMax ?? niceMax(Math.max(0, ...present));
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const pts = values.map((v, i) => (v === null ? null : ([PAD.l + ((i + 0.5) * iw) / labels.length, PAD.t + (1 - v / max) * ih] as const)));
  const segments: string[] = [];
  let cur = '';
  for (const p of pts) {
    if (!p) {
      if (cur) segments.push(cur);
      cur = '';
      continue;
    }
    cur += `${cur ? 'L' : 'M'}${p[0].toFixed(1)},${p[1].toFixed(1)}`;
  }
  if (cur) segments.push(cur);
  return (
    <figure className="chart">
      <figcaption>
        {title}
        <span className="legend">{present.length ? `latest ${fmt(present[present.length - 1]!)}` : ''}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}${present.length ? `, latest ${fmt(present[present.length - 1]!)}` : ', no data'}`}>
        <Axis labels={labels} max={max} fmt={fmt} />
        {segments.map((d, i) => (
          <path key={i} d={d} fill="none" stroke={color} strokeWidth={2} />
        ))}
        {pts.map((p, i) => (p ? <circle key={i} cx={p[0]} cy={p[1]} r={2.5} fill={color} /> : null))}
        {present.length === 0 && (
          <text x={W / 2} y={H / 2} textAnchor="middle" className="chart-empty">
            No data in this period yet
          </text>
        )}
      </svg>
    </figure>
  );
};
