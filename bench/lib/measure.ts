import { readFileSync } from 'node:fs';
import { parsePrometheusText, type PromExposition } from '@fixlify/kafka';

/** What the benchmarks measure with: /proc readings of a process, percentiles, /metrics, command-line lists. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** nearest-rank percentile (NaN for no values) */
export const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};

const CLK_TCK = 100; // USER_HZ on Linux (getconf CLK_TCK)

/** CPU time (utime + stime, ms, all its threads) a process has used so far, from /proc (Linux); NaN when it cannot be read. */
export const cpuMs = (pid: number | undefined): number => {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
};

/** VmRSS and VmHWM (peak) of a process, MiB */
export const memMb = (pid: number): { rss: number; hwm: number } => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
};

/** a service's /metrics, parsed (prom-client writes NaN as `Nan`: the event-loop lag before its first sample) */
export const scrape = async (port: number): Promise<PromExposition> =>
  parsePrometheusText((await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).replace(/ Nan$/gm, ' NaN'));

/** `K=V,K=V` (extra environment of a service) */
export const envList = (s: string | undefined): Record<string, string> =>
  Object.fromEntries(
    (s ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

/** `1000,10_000` → [1000, 10000]; anything but positive integers is refused, naming `what` */
export const numList = (s: string, what: string): number[] =>
  s.split(',').map((x) => {
    const n = Number(x.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 1) throw new Error(`${what}: ${JSON.stringify(x)} is not a positive integer`);
    return n;
  });
