import { spawnSync } from 'node:child_process';
import { REPO_ROOT, stackEnv } from './config';
import { StackError } from './proc';
import { stackUp } from './stack';

/**
 * `npm test`: brings the local stack up if it is down (idempotent), then runs the unit tests
 * and the integration tests on the real stack. Extra arguments go to Jest (e.g. a path filter).
 */
const main = async (): Promise<number> => {
  const args = process.argv.slice(2);
  const only = args[0] === '--unit' ? 'unit' : args[0] === '--int' ? 'integration' : null;
  const jestArgs = only ? args.slice(1) : args;
  const env = { ...process.env, ...stackEnv() };
  if (only !== 'unit') {
    console.log('▶ local stack');
    await stackUp();
  }
  const jest = (project: string, extra: string[]): number =>
    spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--selectProjects', project, ...extra, ...jestArgs], {
      cwd: REPO_ROOT,
      env,
      stdio: 'inherit',
    }).status ?? 1;
  let code = 0;
  if (only !== 'integration') {
    console.log('▶ unit tests');
    code = jest('unit', []);
  }
  if (only !== 'unit' && code === 0) {
    console.log('▶ integration tests (real PostgreSQL, Kafka, Connect)');
    code = jest('integration', ['--runInBand']);
  }
  return code;
};

main()
  .then((code) => process.exit(code))
  .catch((e: unknown) => {
    if (e instanceof StackError) console.error(`✗ ${e.part} failed: ${e.message}${e.logFile ? `\n  log: ${e.logFile}` : ''}`);
    else console.error(e);
    process.exit(1);
  });
