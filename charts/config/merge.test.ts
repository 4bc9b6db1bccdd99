import { deepMerge } from './merge';

describe('deepMerge', () => {
  it.each([
    [
      'merges nested objects key by key',
      { a: { b: 1, c: 2 } },
      { a: { c: 3 } },
      { a: { b: 1, c: 3 } },
    ],
    ['replaces arrays whole', { a: [1, 2] }, { a: [3] }, { a: [3] }],
    ['keeps the base where the override is undefined', { a: 1 }, { a: undefined }, { a: 1 }],
    ['adds keys the base lacks', { a: 1 }, { b: 2 }, { a: 1, b: 2 }],
  ])('%s', (_label, base, override, expected) => {
    expect(deepMerge<Record<string, unknown>>(base, override)).toEqual(expected);
  });

  it('does not modify its arguments', () => {
    const base = { a: { b: 1 } };
    deepMerge(base, { a: { b: 2 } });
    expect(base).toEqual({ a: { b: 1 } });
  });
});
