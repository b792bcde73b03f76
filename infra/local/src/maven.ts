import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StackConfig } from './config';
import { statePaths } from './config';
import { StackError, run } from './proc';

/**
 * broker, connect: runtime classpaths resolved from a pom (dependency:copy-dependencies).
 * connect-smt: Fixlify's own Connect transform, compiled and tested from source (`mvn package`).
 */
export type LibKind = 'broker' | 'connect' | 'connect-smt';

const STAMP = '.pom.sha256';

export const moduleDir = (config: StackConfig, kind: LibKind) => path.join(config.repoRoot, 'infra', 'local', 'maven', kind);
export const pomFile = (config: StackConfig, kind: LibKind) => path.join(moduleDir(config, kind), 'pom.xml');
export const libDir = (config: StackConfig, kind: LibKind) => path.join(statePaths(config).lib, kind);

/** Every file of a folder, relative paths in a stable order. */
function filesUnder(dir: string, rel = ''): string[] {
  const here = path.join(dir, rel);
  if (!fs.existsSync(here)) return [];
  return fs
    .readdirSync(here, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, path.join(rel, e.name)) : e.isFile() ? [path.join(rel, e.name)] : []))
    .sort();
}

/** The pom's sha256; for a module built from source, of its sources too. */
export function pomSha(config: StackConfig, kind: LibKind): string {
  const hash = createHash('sha256').update(fs.readFileSync(pomFile(config, kind)));
  if (kind === 'connect-smt') {
    const src = path.join(moduleDir(config, kind), 'src');
    for (const f of filesUnder(src)) hash.update(`\0${f}\0`).update(fs.readFileSync(path.join(src, f)));
  }
  return hash.digest('hex');
}

/** True when the lib dir is missing or was resolved from a different pom (or other sources). */
export function libStale(config: StackConfig, kind: LibKind): boolean {
  try {
    return fs.readFileSync(path.join(libDir(config, kind), STAMP), 'utf8').trim() !== pomSha(config, kind);
  } catch {
    return true;
  }
}

/** The Maven arguments that fill `out` with the jars of `kind`. */
function mavenArgs(config: StackConfig, kind: LibKind, out: string): string[] {
  const common = ['-q', '-B', '-f', pomFile(config, kind)];
  if (kind === 'connect-smt') return [...common, 'package', `-Dsmt.build.dir=${out}.build`];
  return [...common, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${out}`];
}

/**
 * Resolves (or builds) the jars of `kind` into <state>/lib/<kind> with Maven, only when stale.
 * Writes into a temp dir and renames, so an interrupted run never leaves a half-filled classpath.
 */
export async function ensureLib(config: StackConfig, kind: LibKind): Promise<'cached' | 'resolved'> {
  if (!libStale(config, kind)) return 'cached';
  const dir = libDir(config, kind);
  const tmp = `${dir}.tmp-${process.pid}`;
  const logFile = path.join(statePaths(config).logs, `maven-${kind}.log`);
  const clean = () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(`${tmp}.build`, { recursive: true, force: true });
  };
  clean();
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const sha = pomSha(config, kind);
  const args = mavenArgs(config, kind, tmp);
  const res = await run('mvn', args, { cwd: config.repoRoot, timeoutMs: 15 * 60_000 });
  fs.writeFileSync(logFile, `$ mvn ${args.join(' ')}\n${res.stdout}${res.stderr}`);
  if (res.code === 0 && kind === 'connect-smt') {
    // only the module's own jar goes on the classpath (Connect provides its dependencies)
    fs.mkdirSync(tmp, { recursive: true });
    for (const jar of fs.readdirSync(`${tmp}.build`).filter((f) => f.endsWith('.jar'))) fs.copyFileSync(path.join(`${tmp}.build`, jar), path.join(tmp, jar));
  }
  if (res.code !== 0 || !fs.existsSync(tmp)) {
    clean();
    const what = kind === 'connect-smt' ? 'build (compile and test)' : 'resolve';
    throw new StackError(kind === 'broker' ? 'kafka' : 'connect', `Maven could not ${what} ${pomFile(config, kind)} (exit ${res.code})`, logFile);
  }
  fs.writeFileSync(path.join(tmp, STAMP), `${sha}\n`);
  fs.rmSync(`${tmp}.build`, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return 'resolved';
}

/** The `-cp` value: Java expands `dir/*` itself, so no shell is involved. Connect also gets Fixlify's transform. */
export const classpath = (config: StackConfig, kind: 'broker' | 'connect') =>
  kind === 'connect' ? [libDir(config, 'connect'), libDir(config, 'connect-smt')].map((d) => `${d}/*`).join(path.delimiter) : `${libDir(config, kind)}/*`;
