import { parseSettings } from '@fixlify/contracts';
import { z } from 'zod';

const DbEnv = z.object({
  /** PostgreSQL connection string; the local stack's database by default */
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:55432/fixlify'),
  /** pool size per process */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
});
export type DbEnv = z.infer<typeof DbEnv>;

export const dbEnv = (env: NodeJS.ProcessEnv = process.env): DbEnv => {
  return parseSettings(DbEnv, 'database', env);
};
