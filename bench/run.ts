/**
 * `npm run bench -- <name> [args]`: runs bench/<name>.ts on the real local stack.
 * Each benchmark prints one JSON line of figures last.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stackEnv } from '../infra/local/src/config';

const name = process.argv[2];
const known = readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.includes('.spec.'))
  .map((f) => f.replace(/\.ts$/, ''));
if (!name || !existsSync(join(__dirname, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <${known.join('|')}>`);
  process.exit(2);
}
process.argv.splice(2, 1);
// the stack the FIXLIFY_* settings name (as `npm test` does), unless DATABASE_URL etc. are given explicitly
for (const [k, v] of Object.entries(stackEnv())) process.env[k] ??= v;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the benchmark named on the command line
require(join(__dirname, `${name}.ts`));
