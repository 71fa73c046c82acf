import { describe, expect, it } from 'vitest';
import { memoizeLast } from './memo';

describe('memoizeLast', () => {
  it('computes once for the same arguments, again when one changes', () => {
    let calls = 0;
    const sum = memoizeLast((a: number[], b: number) => (calls++, a.reduce((x, y) => x + y, b)));
    const list = [1, 2];
    expect(sum(list, 1)).toBe(4);
    expect(sum(list, 1)).toBe(4);
    expect(calls).toBe(1);
    expect(sum([1, 2], 1)).toBe(4);
    expect(calls).toBe(2);
    expect(sum([1, 2], 1) === sum([1, 2], 1)).toBe(true);
    expect(sum(list, 2)).toBe(5);
    expect(calls).toBe(5);
  });
});
