import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StackConfig } from './config';
import { statePaths } from './config';
import { StackError, run } from './proc';

export type LibKind = 'broker' | 'connect';

const STAMP = '.pom.sha256';

export const pomFile = (config: StackConfig, kind: LibKind) => path.join(config.repoRoot, 'infra', 'local', 'maven', kind, 'pom.xml');
export const libDir = (config: StackConfig, kind: LibKind) => path.join(statePaths(config).lib, kind);

function pomSha(config: StackConfig, kind: LibKind): string {
  return createHash('sha256').update(fs.readFileSync(pomFile(config, kind))).digest('hex');
}

/** True when the lib dir is missing or was resolved from a different pom. */
export function libStale(config: StackConfig, kind: LibKind): boolean {
  try {
    return fs.readFileSync(path.join(libDir(config, kind), STAMP), 'utf8').trim() !== pomSha(config, kind);
  } catch {
    return true;
  }
}

/**
 * Resolves the runtime classpath of a pom into <state>/lib/<kind> with Maven, only when stale.
 * Writes into a temp dir and renames, so an interrupted run never leaves a half-filled classpath.
 */
export async function ensureLib(config: StackConfig, kind: LibKind): Promise<'cached' | 'resolved'> {
  if (!libStale(config, kind)) return 'cached';
  const dir = libDir(config, kind);
  const tmp = `${dir}.tmp-${process.pid}`;
  const logFile = path.join(statePaths(config).logs, `maven-${kind}.log`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const sha = pomSha(config, kind);
  const args = [
    '-q',
    '-B',
    '-f',
    pomFile(config, kind),
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${tmp}`,
  ];
  const res = await run('mvn', args, { cwd: config.repoRoot, timeoutMs: 15 * 60_000 });
  fs.writeFileSync(logFile, `$ mvn ${args.join(' ')}\n${res.stdout}${res.stderr}`);
  if (res.code !== 0 || !fs.existsSync(tmp)) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new StackError(kind === 'broker' ? 'kafka' : 'connect', `Maven could not resolve ${pomFile(config, kind)} (exit ${res.code})`, logFile);
  }
  fs.writeFileSync(path.join(tmp, STAMP), `${sha}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return 'resolved';
}

/** The `-cp` value: Java expands `dir/*` itself, so no shell is involved. */
export const classpath = (config: StackConfig, kind: LibKind) => `${libDir(config, kind)}/*`;
