import { describe, expect, it } from 'vitest';
import { RecentBuilds, type RecentBuild } from '../../src/values/recent.js';

const build = (n: number): RecentBuild => ({ values: { n, nested: { n } }, warnings: [], sourceOf: () => undefined });

describe('RecentBuilds', () => {
  it('answers only for the same key and the same texts, freezing what it holds', () => {
    const r = new RecentBuilds();
    const b = build(1);
    r.set('k', ['a: 1\n'], b);
    expect(Object.isFrozen(b.values['nested'])).toBe(true);
    expect(r.get('k', ['a: 1\n'])).toBe(b);
    expect(r.get('k', ['a: 2\n'])).toBeUndefined();
    expect(r.get('k', ['a: 1\n', ''])).toBeUndefined();
    expect(r.get('other', ['a: 1\n'])).toBeUndefined();
  });

  it('keeps the most recently used builds up to its limit', () => {
    const r = new RecentBuilds(2);
    r.set('a', [], build(1));
    r.set('b', [], build(2));
    expect(r.get('a', [])).toBeDefined(); // a is now the most recent
    r.set('c', [], build(3)); // b goes
    expect(r.get('b', [])).toBeUndefined();
    expect(r.get('a', [])?.values['n']).toBe(1);
    expect(r.get('c', [])?.values['n']).toBe(3);
  });
});
