import type { Logger } from './logger';
import { Health, probeDependency } from './health';

const log = { info: () => undefined, warn: () => undefined } as unknown as Logger;

describe('Health', () => {
  it('is ready only when every check is ok, and names the failing ones', () => {
    const h = new Health().add('consumer a', () => ({ ok: true })).add('postgres', () => ({ ok: false, detail: 'ECONNREFUSED' }));
    expect(h.report()).toEqual({ ready: false, checks: { 'consumer a': { ok: true }, postgres: { ok: false, detail: 'ECONNREFUSED' } } });
    expect(new Health().add('consumer a', () => ({ ok: true })).report().ready).toBe(true);
  });
  it('is not ready with no checks at all, and a throwing check counts as failing', () => {
    expect(new Health().report().ready).toBe(false);
    const r = new Health()
      .add('x', () => {
        throw new Error('bad');
      })
      .report();
    expect(r).toEqual({ ready: false, checks: { x: { ok: false, detail: 'bad' } } });
  });
});

describe('probeDependency', () => {
  it('reports the last probe, and a probe that hangs as failing', async () => {
    let answer: 'ok' | 'fail' | 'hang' = 'ok';
    const p = probeDependency({
      name: 'db',
      log,
      intervalMs: 10,
      timeoutMs: 30,
      run: () => (answer === 'ok' ? Promise.resolve() : answer === 'fail' ? Promise.reject(new Error('down')) : new Promise<void>(() => undefined)),
    });
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
      return ok();
    };
    expect(await until(() => p.check().ok)).toBe(true);
    answer = 'fail';
    expect(await until(() => p.check().detail === 'down')).toBe(true);
    answer = 'hang';
    expect(await until(() => /no answer within 30 ms/.test(p.check().detail ?? ''))).toBe(true);
    answer = 'ok';
    expect(await until(() => p.check().ok)).toBe(true);
    p.stop();
  });
});
