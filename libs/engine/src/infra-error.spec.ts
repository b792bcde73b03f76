import { TransientError } from '@fixlify/kafka';
import { classifyBatchFailure, isInfrastructureError } from './infra-error';

describe('infrastructure errors', () => {
  it.each([
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006', message: 'connection failure' }],
    [new Error('Client has encountered a connection error and is not queryable')],
    [new Error('Connection terminated unexpectedly')],
    [new Error('connect ECONNREFUSED 127.0.0.1:55432')],
    [new Error('the database system is not yet accepting connections')],
    [new Error('terminating connection due to unexpected postmaster exit')],
  ])('%p is the database, not the command', (e) => {
    expect(isInfrastructureError(e)).toBe(true);
  });

  it.each([[new Error('template: unknown filter')], [{ code: '23505', message: 'duplicate key' }], [new Error('state_too_large')]])('%p is not', (e) => {
    expect(isInfrastructureError(e)).toBe(false);
  });

  it('a known infrastructure error is transient without a probe', async () => {
    const probe = jest.fn(async () => undefined);
    const out = await classifyBatchFailure(new Error('Connection terminated'), probe);
    expect(out).toBeInstanceOf(TransientError);
    expect(probe).not.toHaveBeenCalled();
  });

  it('an unknown error stays as it is while the database answers', async () => {
    const e = new Error('something else');
    expect(await classifyBatchFailure(e, async () => undefined)).toBe(e);
  });

  it('an unknown error is transient while the database fails or does not answer the probe', async () => {
    const e = new Error('something else');
    const failing = await classifyBatchFailure(e, async () => Promise.reject(new Error('down')));
    expect(failing).toBeInstanceOf(TransientError);
    expect((failing as Error).message).toContain('PostgreSQL does not answer');
    const hanging = await classifyBatchFailure(e, () => new Promise(() => undefined), 20);
    expect(hanging).toBeInstanceOf(TransientError);
  });
});
