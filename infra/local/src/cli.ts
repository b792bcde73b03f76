import * as fs from 'node:fs';
import { kafkaNodePaths, stackConfig, stackEnv } from './config';
import { StackError, formatKb, tailLines } from './proc';
import { PROCESS_PARTS, type ProcessPart, partLogFile, stackDown, stackStatus, stackUp } from './stack';

const USAGE = `usage: npm run stack -- <command>
  up [--brokers N]        start PostgreSQL, migrations, Kafka, topics, Connect, the Debezium connector;
                          --brokers 3: a three-node Kafka cluster (replication 3, min.insync.replicas 2),
                          remembered by later commands until 'down --wipe'
  down [--wipe [--all]]   stop (reverse order); --wipe deletes data+logs, --all also the Maven lib cache
  status [--json]         parts, pids, ports, memory, health
  logs [part] [-f] [-n N] last lines of ${PROCESS_PARTS.join('|')} (all when no part); -f follows
  env                     shell exports for services: eval "$(npm run -s stack -- env)"`;

function printStackError(e: StackError): void {
  console.error(`\n✗ ${e.part} failed: ${e.message}`);
  if (e.logFile) {
    console.error(`  log: ${e.logFile}`);
    const tail = tailLines(e.logFile, 20);
    if (tail) console.error(`  ── last lines ──\n${tail.replace(/^/gm, '  │ ')}`);
  }
}

async function status(json: boolean): Promise<void> {
  const rows = await stackStatus();
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const table = [
    ['PART', 'STATE', 'PID', 'PORT', 'RSS', 'HEALTH'],
    ...rows.map((r) => [
      r.node !== undefined && r.node > 1 ? `${r.part}-${r.node}` : r.part,
      r.state,
      r.pid === undefined ? '-' : String(r.pid),
      r.port === undefined ? '-' : String(r.port),
      r.treeRssKb === undefined ? formatKb(r.rssKb) : `${formatKb(r.rssKb)} (+children ${formatKb(r.treeRssKb)})`,
      r.health,
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) console.log(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
  console.log(`state: ${stackConfig().stateDir}`);
}

/** Prints new bytes of each file as they arrive (poll-based: works for files that do not exist yet). */
async function follow(files: readonly { name: string; file: string }[]): Promise<never> {
  const offsets = new Map(files.map((f) => [f.file, fs.existsSync(f.file) ? fs.statSync(f.file).size : 0]));
  const prefix = files.length > 1;
  for (;;) {
    for (const { name, file } of files) {
      let size: number;
      try {
        size = fs.statSync(file).size;
      } catch {
        continue;
      }
      const from = offsets.get(file) ?? 0;
      if (size < from) offsets.set(file, 0); // truncated or wiped
      if (size <= from) continue;
      const fd = fs.openSync(file, 'r');
      const buf = Buffer.alloc(size - from);
      fs.readSync(fd, buf, 0, buf.length, from);
      fs.closeSync(fd);
      offsets.set(file, size);
      const text = buf.toString('utf8');
      process.stdout.write(prefix ? text.replace(/^(?=.)/gm, `[${name}] `) : text);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function logs(args: readonly string[]): Promise<void> {
  const part = args.find((a) => !a.startsWith('-') && !/^\d+$/.test(a));
  const nIdx = args.indexOf('-n');
  const n = nIdx >= 0 ? Number(args[nIdx + 1]) : 50;
  if (part !== undefined && !PROCESS_PARTS.includes(part as ProcessPart)) {
    throw new Error(`unknown part "${part}": one of ${PROCESS_PARTS.join(', ')}`);
  }
  const config = stackConfig();
  const parts = part === undefined ? PROCESS_PARTS : [part as ProcessPart];
  // every node's log for kafka on a cluster
  const files = parts.flatMap((p) =>
    p === 'kafka' && config.kafka.nodes.length > 1
      ? config.kafka.nodes.map((n) => ({ name: n.id === 1 ? 'kafka' : `kafka-${n.id}`, file: kafkaNodePaths(config, n).log }))
      : [{ name: p, file: partLogFile(config, p) }],
  );
  for (const { name, file } of files) {
    if (files.length > 1) console.log(`── ${name} (${file}) ──`);
    const tail = tailLines(file, Number.isFinite(n) && n > 0 ? n : 50);
    console.log(tail || `(no log yet at ${file})`);
  }
  if (args.includes('-f') || args.includes('--follow')) await follow(files);
}

async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up': {
      const i = rest.indexOf('--brokers');
      if (i >= 0) {
        const n = rest[i + 1];
        if (n === undefined || !/^[1-5]$/.test(n)) throw new Error('--brokers takes a node count from 1 to 5, e.g. `up --brokers 3`');
        process.env.FIXLIFY_KAFKA_NODES = n;
      }
      await stackUp();
      return 0;
    }
    case 'down':
      await stackDown({ wipe: rest.includes('--wipe'), all: rest.includes('--all') });
      return 0;
    case 'status':
      await status(rest.includes('--json'));
      return 0;
    case 'logs':
      await logs(rest);
      return 0;
    case 'env':
      for (const [k, v] of Object.entries(stackEnv())) console.log(`export ${k}=${v}`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return cmd === undefined ? 1 : 0;
    default:
      console.error(`unknown command "${cmd}"\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof StackError) printStackError(e);
    else console.error(`✗ ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
