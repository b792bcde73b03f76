import { parseLiteral } from './literal';

describe('parseLiteral', () => {
  it('keeps numbers and booleans typed', () => {
    expect(parseLiteral('100')).toBe(100);
    expect(parseLiteral('-2.5')).toBe(-2.5);
    expect(parseLiteral('true')).toBe(true);
    expect(parseLiteral('null')).toBeNull();
    expect(parseLiteral('completed')).toBe('completed');
    expect(parseLiteral('')).toBe('');
  });
});
