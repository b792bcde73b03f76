import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { StepResult } from '@fixlify/contracts';
import { jsonDecoder } from '@fixlify/kafka';
import type { PoolClient } from 'pg';
import { projectBatch } from '../services/metrics/src/projection/project-batch';
import { projectionTarget } from '../services/metrics/src/projection/target';
import { syntheticStepResults, seededUuid } from '../services/metrics/src/testing/synthetic-step-results';

const N = 120_000;
const rs = [...syntheticStepResults({ organizationIds: Array.from({ length: 50 }, (_, i) => seededUuid(`o${i}`)), workflowsPerOrg: 20, executions: N / 4.4, startMs: Date.UTC(2025, 0, 1), seed: 'm' })];
const msgs = rs.map((r, i) => ({ offset: String(i), value: Buffer.from(JSON.stringify(r)), key: null, timestamp: '0', attributes: 0, headers: {} }));
rs.length = 0;
const decode = jsonDecoder(StepResult);
const fakeDb = { query: async (sql: string, params?: unknown[]) => { if (/RETURNING/.test(sql)) { const p = params as string[][]; return { rows: p[0]!.map((w, i) => ({ workflow_id: w, period: p[1]![i], period_start: new Date(p[2]![i]!), organization_id: p[3]![i], total_executions: 0, successful_executions: 0, failed_executions: 0, total_execution_time_ms: '0', emails_sent: 0, sms_sent: 0, push_sent: 0, webhooks_sent: 0, suppressed_messages: 0, duration_histogram: {}, updated_at: new Date(p[2]![i]!) })) }; } return { rows: [] }; } } as unknown as PoolClient;
(async () => {
  (globalThis as { gc?: () => void }).gc?.();
  const s = new Session(); s.connect(); const prof = !!process.env.PROF; if (prof) { await s.post('Profiler.enable'); await s.post('Profiler.start'); }
  const tt: number[] = [];
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  for (let k = 0; k < 2; k++) {
    let t = cpu();
    const items = msgs.map((m) => { const d = decode(m as never); return { offset: m.offset, value: d.ok === true ? d.value : null }; });
    const tDecode = cpu() - t;
    t = cpu();
    for (let i = 0; i < items.length; i += 30000) await projectBatch(fakeDb, 'x', { topic: 't', partition: 0, items: items.slice(i, i + 30000) }, projectionTarget('x'));
    const tProject = cpu() - t;
    tt.push(tDecode, tProject);
  }
  if (prof) { const { profile } = await s.post('Profiler.stop'); writeFileSync('/tmp/prof/micro2.cpuprofile', JSON.stringify(profile)); }
  const us = (ms: number) => +((ms * 1000) / msgs.length).toFixed(2);
  console.log(tt.map(us));
})();
