import { createPool } from '@fixlify/db';
import { applyStepResult, emptyLog, type ExecutionLogRow } from '../services/metrics/src/projection/execution-log';
import { syntheticStepResults, seededUuid } from '../services/metrics/src/testing/synthetic-step-results';

(async () => {
  const logs = new Map<string, ExecutionLogRow>();
  for (const r of syntheticStepResults({ organizationIds: [seededUuid('o1'), seededUuid('o2')], workflowsPerOrg: 20, executions: 20000, startMs: Date.UTC(2025, 0, 1), seed: 'ins' })) {
    logs.set(r.executionId, applyStepResult(logs.get(r.executionId) ?? emptyLog(r), r));
  }
  const rows = [...logs.values()];
  const pool = createPool(undefined, 2);
  await pool.query('DROP SCHEMA IF EXISTS ins_test CASCADE; CREATE SCHEMA ins_test; CREATE TABLE ins_test.l (LIKE public.automation_execution_logs INCLUDING ALL)');
  const unnestSql = `INSERT INTO ins_test.l AS l (id, organization_id, workflow_id, version_id, status, trigger_type, trigger_data,
         actions_executed, error_message, retry_count, last_seq, triggered_at, started_at, completed_at, execution_time_ms, created_at, updated_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[], $9::text[],
         $10::int[], $11::int[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], $15::int[], $16::timestamptz[], $17::timestamptz[])
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, actions_executed = EXCLUDED.actions_executed, updated_at = EXCLUDED.updated_at`;
  const params = () => [rows.map((l) => l.id), rows.map((l) => l.organizationId), rows.map((l) => l.workflowId), rows.map((l) => l.versionId), rows.map((l) => l.status), rows.map((l) => l.triggerType), rows.map((l) => JSON.stringify(l.triggerData)), rows.map((l) => JSON.stringify(l.actionsExecuted)), rows.map((l) => l.errorMessage), rows.map((l) => l.retryCount), rows.map((l) => l.lastSeq), rows.map((l) => l.triggeredAt), rows.map((l) => l.startedAt), rows.map((l) => l.completedAt), rows.map((l) => l.executionTimeMs), rows.map((l) => l.createdAt), rows.map((l) => l.updatedAt)];
  const { prepareValue } = require('pg/lib/utils');
  let t = performance.now(); const p = params(); const ser = p.map((x) => prepareValue(x)); const tSer = performance.now() - t;
  console.log('rows', rows.length, 'serialize ms', tSer.toFixed(0), 'bytes', ser.reduce((a: number, b: string) => a + b.length, 0));
  const cols = `id, organization_id, workflow_id, version_id, status, trigger_type, trigger_data, actions_executed, error_message, retry_count, last_seq, triggered_at, started_at, completed_at, execution_time_ms, created_at, updated_at`;
  const sel = `SELECT id, "organizationId", "workflowId", "versionId", status, "triggerType", "triggerData", "actionsExecuted", "errorMessage", "retryCount", "lastSeq", "triggeredAt", "startedAt", "completedAt", "executionTimeMs", "createdAt", "updatedAt"
       FROM json_to_recordset($1::json) AS x(id uuid, "organizationId" uuid, "workflowId" uuid, "versionId" uuid, status text, "triggerType" text, "triggerData" jsonb, "actionsExecuted" jsonb, "errorMessage" text, "retryCount" int, "lastSeq" int, "triggeredAt" timestamptz, "startedAt" timestamptz, "completedAt" timestamptz, "executionTimeMs" int, "createdAt" timestamptz, "updatedAt" timestamptz)`;
  const upsert = `INSERT INTO ins_test.l AS l (${cols}) ${sel} ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, actions_executed = EXCLUDED.actions_executed, updated_at = EXCLUDED.updated_at`;
  const plain = `INSERT INTO ins_test.l (${cols}) ${sel}`;
  const js = JSON.stringify(rows);
  const run = async (label: string, sql: string) => { await pool.query('TRUNCATE ins_test.l'); const t = performance.now(); await pool.query(sql, [js]); console.log(label, (performance.now() - t).toFixed(0)); };
  const explain = async (label: string) => {
    for (let k = 0; k < 3; k++) {
      await pool.query('TRUNCATE ins_test.l');
      const t1 = performance.now();
      const r = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, WAL, TIMING OFF) ${upsert}`, [js]);
      console.log(label, 'wall', (performance.now() - t1).toFixed(0), r.rows.map((x) => x['QUERY PLAN']).filter((l: string) => /Execution|WAL/.test(l)).join(' | '));
    }
  };
  await explain('with idx');
  for (const i of ['l_organization_id_started_at_idx', 'l_workflow_id_started_at_idx', 'l_organization_id_status_idx']) await pool.query(`DROP INDEX IF EXISTS ins_test.${i}`);
  await explain('pkey only');
  await pool.query('DROP SCHEMA ins_test CASCADE'); await pool.end();
})();
