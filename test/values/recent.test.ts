import { describe, expect, it } from 'vitest';
import { RecentBuilds, type RecentBuild } from '../../src/values/recent.js';

const build = (n: number): RecentBuild => ({ values: { n, nested: { n } }, warnings: [], sourceOf: () => undefined });
/** Offers a build twice, so it is held. */
const hold = (r: RecentBuilds, key: string, texts: string[], b: RecentBuild): RecentBuild => {
  expect(r.offer(key, texts, build(-1))).toBe(false);
  expect(r.offer(key, texts, b)).toBe(true);
  return b;
};

describe('RecentBuilds', () => {
  it('holds a build only when its inputs come again, and answers only for the same key and texts', () => {
    const r = new RecentBuilds();
    const first = build(0);
    expect(r.offer('k', ['a: 1\n'], first)).toBe(false);
    expect(Object.isFrozen(first.values)).toBe(false);
    expect(r.get('k', ['a: 1\n'])).toBeUndefined();
    // Same key, other texts: still a first sight.
    expect(r.offer('k', ['a: 2\n'], build(2))).toBe(false);
    const b = build(1);
    expect(r.offer('k', ['a: 2\n'], b)).toBe(true);
    expect(Object.isFrozen(b.values['nested'])).toBe(true);
    expect(r.get('k', ['a: 2\n'])).toBe(b);
    expect(r.get('k', ['a: 1\n'])).toBeUndefined();
    expect(r.get('k', ['a: 2\n', ''])).toBeUndefined();
    expect(r.get('other', ['a: 2\n'])).toBeUndefined();
  });

  it('keeps the most recently used builds up to its limit', () => {
    const r = new RecentBuilds(2);
    hold(r, 'a', [], build(1));
    hold(r, 'b', [], build(2));
    expect(r.get('a', [])).toBeDefined(); // a is now the most recent
    hold(r, 'c', [], build(3)); // b goes
    expect(r.get('b', [])).toBeUndefined();
    expect(r.get('a', [])?.values['n']).toBe(1);
    expect(r.get('c', [])?.values['n']).toBe(3);
  });
});
