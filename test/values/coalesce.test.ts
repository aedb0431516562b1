import { describe, expect, it } from 'vitest';
import { coalesceValues, mergeValueMaps } from '../../src/values/coalesce.js';
import type { ValueMap } from '../../src/values/types.js';

const defaults = (): ValueMap => ({
  api: { image: 'api:1', replicas: 1, env: { A: '1', B: '2' } },
  servers: [{ port: 80 }, { port: 81 }],
  tag: 'latest',
  empty: null,
});

describe('coalesceValues (Helm CoalesceValues)', () => {
  it('merges maps deeply; user values win', () => {
    const { values, warnings } = coalesceValues({ api: { replicas: 3, env: { B: 'x' } } }, defaults(), 'demo');
    expect(values).toEqual({
      api: { image: 'api:1', replicas: 3, env: { A: '1', B: 'x' } },
      servers: [{ port: 80 }, { port: 81 }],
      tag: 'latest',
      empty: null,
    });
    expect(warnings).toEqual([]);
  });

  it('replaces lists whole', () => {
    expect(coalesceValues({ servers: [{ host: 'h' }] }, defaults(), 'demo').values['servers']).toEqual([{ host: 'h' }]);
  });

  it('a user null deletes the key where the chart has one, at any depth', () => {
    const { values } = coalesceValues({ tag: null, api: { env: null, replicas: null } }, defaults(), 'demo');
    expect(values).toEqual({ api: { image: 'api:1' }, servers: [{ port: 80 }, { port: 81 }], empty: null });
    expect(Object.hasOwn(values, 'tag')).toBe(false);
  });

  it('keeps a user null for a key the chart does not have (Helm 3)', () => {
    const { values } = coalesceValues({ extra: null, api: { other: null } }, defaults(), 'demo');
    expect(values['extra']).toBeNull();
    expect(values['api']).toEqual({ image: 'api:1', replicas: 1, env: { A: '1', B: '2' }, other: null });
  });

  it('keeps the user value on a table/non-table clash and warns as Helm does', () => {
    const { values, warnings } = coalesceValues(
      { tag: { a: 1 }, api: { env: 'flat', image: { repo: 'r' } }, servers: 'none' },
      { ...defaults(), big: 1000000 },
      'demo',
    );
    expect(values['tag']).toEqual({ a: 1 });
    expect(values['api']).toEqual({ image: { repo: 'r' }, replicas: 1, env: 'flat' });
    expect(values['servers']).toBe('none');
    expect(warnings).toEqual([
      'warning: cannot overwrite table with non table for demo.api.env (map[A:1 B:2])',
      'warning: destination for demo.api.image is a table. Ignoring non-table value (api:1)',
      'warning: skipped value for demo.tag: Not a table.',
    ]);
  });

  it('prints chart values in warnings with Go %v (float64 as %g)', () => {
    const { warnings } = coalesceValues({ a: { b: 'x' } }, { a: { b: { n: 1000000, f: 1.5, l: [1, 'x'], z: null } } }, 'c');
    expect(warnings).toEqual(['warning: cannot overwrite table with non table for c.a.b (map[f:1.5 l:[1 x] n:1e+06 z:<nil>])']);
  });

  it('does not modify its inputs', () => {
    const user: ValueMap = { api: { env: { B: 'x' } }, tag: null };
    const defs = defaults();
    const userCopy = structuredClone(user);
    const defsCopy = structuredClone(defs);
    const { values } = coalesceValues(user, defs, 'demo');
    (values['api'] as ValueMap)['image'] = 'changed';
    expect(user).toEqual(userCopy);
    expect(defs).toEqual(defsCopy);
  });
});

describe('mergeValueMaps (between -f files)', () => {
  it('merges maps, later file wins, lists and nulls replace', () => {
    const a: ValueMap = { api: { image: 'a', replicas: 1 }, list: [1, 2], tag: 'x' };
    const b: ValueMap = { api: { replicas: 2 }, list: [3], tag: null };
    expect(mergeValueMaps(a, b)).toEqual({ api: { image: 'a', replicas: 2 }, list: [3], tag: null });
    expect(a).toEqual({ api: { image: 'a', replicas: 1 }, list: [1, 2], tag: 'x' });
  });

  it('keeps keys named like Object.prototype members', () => {
    expect(mergeValueMaps({}, { constructor: 'x', toString: 'y' })).toEqual({ constructor: 'x', toString: 'y' });
  });
});
