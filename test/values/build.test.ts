import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildValues, validatorFor, type BuildValuesOptions, type PreparedValues } from '../../src/values/index.js';
import type { ValueMap } from '../../src/values/types.js';
import { userErrorOf } from '../support/errors.js';

const chartDir = fileURLToPath(new URL('../fixtures/values-stage-chart', import.meta.url));
const schemaPath = fileURLToPath(new URL('../fixtures/values-stage-schema.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'build-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const build = (o: Partial<BuildValuesOptions>) =>
  buildValues({ chartDir, schemaPath, valueFiles: [], set: [], setString: [], setFile: [], setJson: [], ...o });
const errorOf = userErrorOf;

describe('buildValues', () => {
  it('returns the chart defaults when nothing is overridden', () => {
    const { values, warnings } = build({});
    expect(values).toEqual({
      api: { image: 'demo/api:1.0', replicas: 1, logLevel: 'info', env: { A: '1' } },
      servers: [{ port: 80, host: 'a' }],
      tag: 'latest',
      tls: { cert: '' },
      nodeSelector: {},
    });
    expect(warnings).toEqual([]);
  });

  it('merges -f files in order onto the defaults: deep maps, lists replaced, later file wins', () => {
    const a = file('a.yaml', 'api:\n  replicas: 2\n  env:\n    B: "2"\nservers:\n  - port: 81\n  - port: 82\ntag: a\n');
    const b = file('b.yaml', 'api:\n  replicas: 3\ntag: b\n');
    const { values } = build({ valueFiles: [a, b] });
    expect(values['api']).toEqual({ image: 'demo/api:1.0', replicas: 3, logLevel: 'info', env: { A: '1', B: '2' } });
    expect(values['servers']).toEqual([{ port: 81 }, { port: 82 }]);
    expect(values['tag']).toBe('b');
  });

  it('null deletes a default key, from a file or from --set', () => {
    const f = file('null.yaml', 'tls: null\n');
    const { values } = build({ valueFiles: [f], set: ['api.env=null'] });
    expect(Object.hasOwn(values, 'tls')).toBe(false);
    expect(values['api']).toEqual({ image: 'demo/api:1.0', replicas: 1, logLevel: 'info' });
  });

  it("applies flags in Helm's order: files, --set-json, --set, --set-string, --set-file", () => {
    const f = file('tag.yaml', 'tag: file\n');
    const t = file('tag.txt', 'from-file');
    expect(build({ valueFiles: [f], setJson: ['tag="json"'] }).values['tag']).toBe('json');
    expect(build({ valueFiles: [f], setJson: ['tag="json"'], set: ['tag=set'] }).values['tag']).toBe('set');
    expect(build({ set: ['tag=set'], setString: ['tag=string'] }).values['tag']).toBe('string');
    expect(build({ setString: ['tag=string'], setFile: [`tag=${t}`] }).values['tag']).toBe('from-file');
  });

  it('--set types integers as int64 (bigint), files as float64 (number)', () => {
    expect((build({ set: ['api.replicas=4'] }).values['api'] as ValueMap)['replicas']).toBe(4n);
    expect((build({ setString: ['tag=123'] }).values['tag'])).toBe('123');
    const f = file('r.yaml', 'api:\n  replicas: 4\n');
    expect((build({ valueFiles: [f] }).values['api'] as ValueMap)['replicas']).toBe(4);
  });

  it('--set indexes into a list given by a -f file (Helm parses into the merged files)', () => {
    const f = file('servers.yaml', 'servers:\n  - port: 81\n    host: x\n  - port: 82\n');
    expect(build({ valueFiles: [f], set: ['servers[1].host=y'] }).values['servers']).toEqual([
      { port: 81, host: 'x' },
      { port: 82, host: 'y' },
    ]);
    // Without a file the list starts empty: the chart default list is replaced, not edited.
    expect(build({ set: ['servers[0].host=y'] }).values['servers']).toEqual([{ host: 'y' }]);
  });

  it('reads -f - from stdin', () => {
    expect(build({ valueFiles: ['-'], stdin: () => 'tag: piped\n' }).values['tag']).toBe('piped');
  });

  it('returns Helm warnings, prefixed with the chart name', () => {
    const f = file('clash.yaml', 'api:\n  env: none\n');
    expect(build({ valueFiles: [f], schemaPath: undefined }).warnings).toEqual([
      'warning: cannot overwrite table with non table for demo.api.env (map[A:1])',
    ]);
  });

  it("warns of a values file's duplicate keys first (the last one is used, as Helm uses it)", () => {
    const f = file('dup.yaml', 'tag: a\ntag: b\napi:\n  env: none\n');
    const built = build({ valueFiles: [f], schemaPath: undefined });
    expect(built.values['tag']).toBe('b');
    expect(built.warnings).toEqual([
      `warning: ${f}:2:1: duplicate key "tag": the last one is used, as Helm uses it`,
      'warning: cannot overwrite table with non table for demo.api.env (map[A:1])',
    ]);
  });

  it('reports every schema violation with the file position or flag that supplied it', () => {
    const f = file('my.yaml', 'api:\n  logLevel: info\n  replicas: many\n');
    const msg = errorOf(() => build({ valueFiles: [f], set: ['api.foo=1,tag=5'], setJson: ['servers=[{"port":"http"}]'] }));
    expect(msg.split('\n')).toEqual([
      'values.api.foo: unknown key (from --set api.foo=1)',
      `values.api.replicas: expected integer, got string "many" (from ${f}:3:3); give a whole number of pods, e.g. --set api.replicas=2`,
      'values.servers[0].port: expected integer, got string "http" (from --set-json servers=[{"port":"http"}])',
      'values.tag: expected string, got integer 5 (from --set tag=5); use --set-string to pass it as text',
    ]);
  });

  it('points at the chart defaults when the bad value is a default', () => {
    const bad = mkdtempSync(join(tmpdir(), 'chart-'));
    writeFileSync(join(bad, 'values.yaml'), 'api:\n  image: 7\n');
    const msg = errorOf(() => buildValues({ chartDir: bad, schemaPath, valueFiles: [], set: [], setString: [], setFile: [], setJson: [] }));
    expect(msg).toBe(`values.api.image: expected string, got number 7 (from ${join(bad, 'values.yaml')}:2:3)`);
  });

  it('passes errors from every input through as one-line UserErrors', () => {
    expect(errorOf(() => build({ valueFiles: [join(dir, 'missing.yaml')] }))).toBe(`${join(dir, 'missing.yaml')}: no such file`);
    expect(errorOf(() => build({ set: ['a[0=1'] }))).toBe('--set "a[0=1": unclosed bracket after "a"');
  });
});

describe('buildValues with prepared defaults, used again and again', () => {
  it('builds what a fresh build builds, freezes the defaults from the second use on and still explains bad values', () => {
    const fresh = build({}).values;
    const prepared: PreparedValues = { defaults: structuredClone(fresh), validator: validatorFor(schemaPath), chartName: 'demo' };
    const a = file('p1.yaml', 'api:\n  replicas: 4\n  env:\n    B: "2"\ntag: p\n');
    const b = file('p2.yaml', 'servers: []\ntls: null\n');
    for (let round = 0; round < 3; round++) {
      for (const valueFiles of [[a], [b], [a, b], []]) {
        const got = build({ valueFiles, prepared }).values;
        expect(got).toEqual(build({ valueFiles }).values);
        // Each build is its own: the caller may change it.
        expect(Object.isFrozen(got), `round ${round}, ${valueFiles.join()}`).toBe(false);
      }
      expect(Object.isFrozen(prepared.defaults)).toBe(round > 0 || prepared.uses! >= 2);
    }
    expect(Object.isFrozen(prepared.defaults['api'])).toBe(true);
    // Validity is remembered for frozen defaults, but a bad user value is still found and explained.
    const bad = file('p3.yaml', 'api:\n  replicas: many\n');
    expect(errorOf(() => build({ valueFiles: [bad], prepared }))).toMatch(/api\.replicas/);
    expect(prepared.defaults).toEqual(fresh);
  });
});
