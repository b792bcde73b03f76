import { getPath, isSafeKey, readOwn } from './path';

describe('getPath', () => {
  const scope = { after: { status: 'done', total: '120.50' }, vars: { api: { total: 3, items: [{ n: 'a' }, { n: 'b' }] } }, nil: null };

  it('follows dotted paths and array indexes', () => {
    expect(getPath(scope, 'after.status')).toBe('done');
    expect(getPath(scope, 'vars.api.total')).toBe(3);
    expect(getPath(scope, 'vars.api.items.1.n')).toBe('b');
    expect(getPath(scope, 'nil')).toBeNull();
  });

  it('returns undefined for missing or non-object steps', () => {
    expect(getPath(scope, 'after.missing.deeper')).toBeUndefined();
    expect(getPath(scope, 'after.status.length')).toBeUndefined();
    expect(getPath(scope, 'nil.x')).toBeUndefined();
    expect(getPath(scope, 'vars.api.items.x')).toBeUndefined();
    expect(getPath(scope, 'vars.api.items.01')).toBeUndefined();
    expect(getPath(scope, '')).toBeUndefined();
    expect(getPath(null, 'a')).toBeUndefined();
  });

  it('never reaches the prototype chain', () => {
    expect(getPath(scope, '__proto__')).toBeUndefined();
    expect(getPath(scope, 'after.constructor')).toBeUndefined();
    expect(getPath(scope, 'after.constructor.prototype')).toBeUndefined();
    expect(getPath(scope, 'after.toString')).toBeUndefined();
    expect(getPath(scope, 'vars.api.items.length')).toBeUndefined();
    expect(getPath({ hasOwnProperty: 1, a: { b: 2 } }, 'a.b')).toBe(2);
    expect(isSafeKey('prototype')).toBe(false);
  });

  it('reads own properties even when they shadow prototype names', () => {
    expect(getPath({ toString: 'x' }, 'toString')).toBe('x');
  });

  it('swallows throwing getters', () => {
    const o = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get: () => {
        throw new Error('x');
      },
    });
    expect(readOwn(o, 'boom')).toBeUndefined();
  });
});
