import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { isAlive, ourPid, portOpen, rssKb, spawnDetached, stopPid, tailLines, waitUntil } from './proc';

describe('process helpers', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-proc-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('tails the last lines of a file', () => {
    const f = path.join(dir, 'a.log');
    fs.writeFileSync(f, Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(tailLines(f, 3)).toBe('line 27\nline 28\nline 29');
    expect(tailLines(path.join(dir, 'missing.log'), 3)).toBe('');
  });

  it('tells an open port from a closed one', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    expect(await portOpen(port)).toBe(true);
    await new Promise((r) => server.close(r));
    expect(await portOpen(port)).toBe(false);
  });

  it('starts a detached process with its output in a log, recognises it by pid file, and stops it', async () => {
    const log = path.join(dir, 'sleep.log');
    const pid = await spawnDetached('sh', ['-c', 'echo hello; exec sleep 30'], { logFile: log, cwd: dir });
    const pidFile = path.join(dir, 'sleep.pid');
    fs.writeFileSync(pidFile, `${pid}\n`);
    await waitUntil('echo', async () => fs.readFileSync(log, 'utf8').includes('hello'), { timeoutMs: 5000, intervalMs: 20 });
    expect(isAlive(pid)).toBe(true);
    expect(rssKb(pid)).toBeGreaterThan(0);
    expect(ourPid(pidFile, ['sleep'])).toBe(pid);
    expect(ourPid(pidFile, ['kafka.Kafka'])).toBeUndefined();
    expect(await stopPid(pid, 5000)).toBe(true);
    expect(isAlive(pid)).toBe(false);
    expect(ourPid(pidFile, ['sleep'])).toBeUndefined();
  });

  it('fails fast when the watched process is gone and keeps the last error on timeout', async () => {
    await expect(waitUntil('x', async () => false, { timeoutMs: 10_000, alive: () => false })).rejects.toThrow(/process exited/);
    await expect(waitUntil('y', () => Promise.reject(new Error('refused')), { timeoutMs: 50, intervalMs: 10 })).rejects.toThrow(
      /not healthy after 50 ms \(last error: refused\)/,
    );
  });
});
