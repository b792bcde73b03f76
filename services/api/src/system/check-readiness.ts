import type { HealthReady } from '@fixlify/contracts';
import type { ApiDeps } from '../deps';

/** GET /health/ready: the database answers and the Kafka readers joined; the controller answers 503 when not ready. */
export const checkReadiness = async (deps: Pick<ApiDeps, 'pool' | 'kafkaReady'>): Promise<HealthReady> => {
  const db = await deps.pool.query('SELECT 1').then(
    () => true,
    () => false,
  );
  const ready = db && deps.kafkaReady();
  return { status: ready ? 'ready' : 'not_ready', database: db, kafka: deps.kafkaReady() };
};
