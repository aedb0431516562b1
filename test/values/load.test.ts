import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStdinPath, loadValuesFile, parseValuesDocument, parseValuesYaml } from '../../src/values/load.js';
import { userErrorOf } from '../support/errors.js';

const errorOf = userErrorOf;
const tmp = (name: string, text: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'load-')), name);
  writeFileSync(file, text);
  return file;
};

describe('YAML 1.1 typing as go-yaml v2 then JSON (Helm 3)', () => {
  it('types scalars', () => {
    const v = parseValuesYaml(
      [
        'yes1: yes', 'no1: No', 'on1: on', 'off1: OFF', 'y1: y', 'tilde: ~', 'empty:', 'nul: Null',
        'oct: 0123', 'hex: 0x1F', 'bin: 0b101', 'under: 1_000', 'exp: 1e3', 'dot: .5', 'eight: 08',
        'float: 1.0', 'big: 1000000', 'neg: -7', 'date: 2001-12-14', 'sexa: 1:30', 'quoted: "yes"',
        "single: '0123'", 'block: |', '  text', 'str: !!str 5', 'custom: !foo 7', 'fl: !!float 3',
      ].join('\n'),
      'x.yaml',
    );
    expect(v).toEqual({
      yes1: true, no1: false, on1: true, off1: false, y1: true, tilde: null, empty: null, nul: null,
      oct: 83, hex: 31, bin: 5, under: 1000, exp: 1000, dot: 0.5, eight: 8,
      float: 1, big: 1000000, neg: -7, date: '2001-12-14', sexa: '1:30', quoted: 'yes',
      single: '0123', block: 'text\n', str: '5', custom: '7', fl: 3,
    });
    // Every number from a file is a float64 (a JS number), never an int64 (bigint).
    for (const n of [v['oct'], v['big'], v['neg']]) expect(typeof n).toBe('number');
  });

  it('turns non-string keys into strings as sigs.k8s.io/yaml does', () => {
    expect(parseValuesYaml('1: a\n1.5: b\non: d\n0x10: e\n1e6: f\n0.1: g\n', 'k.yaml')).toEqual({
      '1': 'a', '1.5': 'b', true: 'd', '16': 'e', '1e+06': 'f', '0.1': 'g',
    });
    // Keys of one type equal once stringified are duplicates too (YAML 1.1 reads `on` as true): the last wins.
    expect(parseValuesDocument('true: c\non: d\n', 'k.yaml')).toMatchObject({ values: { true: 'd' }, warnings: ['warning: k.yaml:2:1: duplicate key "true": the last one is used, as Helm uses it'] });
  });

  it('expands anchors, aliases and << merges with go-yaml v2 precedence', () => {
    const v = parseValuesYaml('base: &b {p: 1, q: 2}\nm:\n  q: 9\n  <<: *b\nk:\n  <<: [{r: 1}, {r: 2, s: 3}]\n  s: 4\nc: *b\nn: 1\n', 'm.yaml');
    expect(v).toEqual({ base: { p: 1, q: 2 }, m: { q: 2, p: 1 }, k: { r: 1, s: 4 }, c: { p: 1, q: 2 }, false: 1 });
  });

  it('reads only the first document, and an empty or null document is an empty map', () => {
    expect(parseValuesYaml('a: 1\n---\nb: 2\n', 'd.yaml')).toEqual({ a: 1 });
    expect(parseValuesYaml('---\n---\nb: 2\n', 'd.yaml')).toEqual({});
    expect(parseValuesYaml('', 'e.yaml')).toEqual({});
    expect(parseValuesYaml('# only a comment\n', 'e.yaml')).toEqual({});
    expect(parseValuesYaml('~\n', 'e.yaml')).toEqual({});
  });

  it('keeps keys that shadow Object.prototype as plain data', () => {
    const v = parseValuesYaml('__proto__: {polluted: true}\nconstructor: 1\n', 'p.yaml');
    expect(Object.keys(v)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('as go-yaml v2 reads them', () => {
  it('a later duplicate key replaces the earlier, with a warning', () => {
    const loaded = parseValuesDocument('a: 1\nb:\n  c: {x: 1}\n  c: {z: 2}\n', 'my.yaml');
    expect(loaded.values).toEqual({ a: 1, b: { c: { z: 2 } } });
    expect(loaded.warnings).toEqual(['warning: my.yaml:4:3: duplicate key "c": the last one is used, as Helm uses it']);
    expect(loaded.positions.sourceOf(['b', 'c'])).toBe('my.yaml:4:3');
    // Said once, however often an alias repeats the map.
    expect(parseValuesDocument('a: &a {x: 1, x: 2}\nb: [*a, *a, *a]\n', 'al.yaml').warnings).toEqual(['warning: al.yaml:1:14: duplicate key "x": the last one is used, as Helm uses it']);
  });

  it('refuses duplicate keys of two types, of which Helm keeps one at random', () => {
    expect(errorOf(() => parseValuesYaml('1: a\n"1": b\n', 'ty.yaml'))).toBe('ty.yaml:2:1: duplicate key "1" (written as an int and as a string: Helm keeps one of them at random)');
    expect(errorOf(() => parseValuesYaml('m:\n  1.0: a\n  1: b\n', 'ty.yaml'))).toBe('ty.yaml:3:3: duplicate key "1" (written as a float and as an int: Helm keeps one of them at random)');
  });

  it('CR LF, a lone CR and NEL end lines', () => {
    expect(parseValuesYaml('a: b\rc:\r\n  d: e\x85f: "g\x85  h"\n', 'cr.yaml')).toEqual({ a: 'b', c: { d: 'e' }, f: 'g h' });
  });

  it('!!null takes what resolves to null, and fails anything else', () => {
    expect(parseValuesYaml('a: !!null ""\nb: !!null\nc: !!null ~\n', 'n.yaml')).toEqual({ a: null, b: null, c: null });
    expect(errorOf(() => parseValuesYaml('a: !!null x\n', 'n.yaml'))).toBe('n.yaml:1:11: cannot decode !!str `x` as a !!null');
  });

  it('refuses escapes go-yaml refuses, and a YAML version other than 1.1', () => {
    expect(errorOf(() => parseValuesYaml('a: "x\\/y"\n', 'e.yaml'))).toBe('e.yaml:1:6: found unknown escape character');
    expect(errorOf(() => parseValuesYaml('a: ["\\%"]\n', 'e.yaml'))).toBe('e.yaml:1:6: found unknown escape character');
    expect(errorOf(() => parseValuesYaml('a: "\\ud83d\\ude00"\n', 'e.yaml'))).toBe('e.yaml:1:5: found invalid Unicode character escape code');
    expect(errorOf(() => parseValuesYaml('a: "\\U00110000"\n', 'e.yaml'))).toBe('e.yaml:1:5: found invalid Unicode character escape code');
    expect(parseValuesYaml('a: "\\x41\\u00e9\\U0001F600\\e\\N\\_\\\\"\n', 'e.yaml')).toEqual({ a: 'A\u00e9\u{1F600}\x1b\x85\xa0\\' });
    expect(errorOf(() => parseValuesYaml('a: "\\x4g"\n', 'e.yaml'))).toBe('e.yaml:1:5: did not find expected hexdecimal number');
    // `\'`, which go-yaml reads as `'`, on one line (over several, the `yaml` package's refusal stands).
    expect(parseValuesYaml('a: "it\\\'s \\"q\\" \\x41\\\\"\n"k\\\'": [" \\\'"]\n', 'e.yaml')).toEqual({ a: 'it\'s "q" A\\', "k'": [" '"] });
    expect(errorOf(() => parseValuesYaml('a: "x\\\'\n  y"\n', 'e.yaml'))).toBe("e.yaml:1:6: Invalid escape sequence \\'");
    expect(errorOf(() => parseValuesYaml('%YAML 1.2\n---\na: 1\n', 'v.yaml'))).toBe('v.yaml:1:1: found incompatible YAML document');
    expect(errorOf(() => parseValuesYaml('# c\n\n%YAML 2.0\n---\na: 1\n', 'v.yaml'))).toBe('v.yaml:3:1: found incompatible YAML document');
    expect(errorOf(() => parseValuesYaml('%YAML 1.1\n%YAML 1.1\n---\na: 1\n', 'v.yaml'))).toBe('v.yaml:2:1: found duplicate %YAML directive');
    expect(errorOf(() => parseValuesYaml('%TAG !e! tag:x,1:\n%TAG !e! tag:y,1:\n---\na: 1\n', 'v.yaml'))).toBe('v.yaml:2:1: found duplicate %TAG directive');
    expect(errorOf(() => parseValuesYaml('%FOO bar\n---\na: 1\n', 'v.yaml'))).toBe('v.yaml:1:1: found unknown directive name');
    expect(parseValuesYaml('%YAML 1.1\n---\na: 1\n', 'v.yaml')).toEqual({ a: 1 });
    expect(parseValuesYaml('%YAML 1.01\n---\na: 1\n', 'v.yaml')).toEqual({ a: 1 });
  });
});

describe('errors are one line: <file>:<line>:<col>: <what>', () => {
  it('syntax errors', () => {
    const msg = errorOf(() => parseValuesYaml('a: [1, 2\nb: 3\n', 'bad.yaml'));
    expect(msg).toMatch(/^bad\.yaml:\d+:\d+: \S/);
    expect(msg).not.toContain('\n');
    expect(errorOf(() => parseValuesYaml('a:\n\tb: 1\n', 'tab.yaml'))).toMatch(/^tab\.yaml:2:1: /);
  });

  it('top level that is not a map', () => {
    expect(errorOf(() => parseValuesYaml('- a\n- b\n', 'list.yaml'))).toBe('list.yaml: top level must be a map of values, got a list');
    expect(errorOf(() => parseValuesYaml('hello\n', 's.yaml'))).toBe('s.yaml: top level must be a map of values, got a string');
  });

  it('values JSON cannot hold, unknown anchors, wrong explicit tags', () => {
    expect(errorOf(() => parseValuesYaml('a:\n  b: .inf\n', 'i.yaml'))).toMatch(/^i\.yaml:2:6: \.inf is not a valid value/);
    expect(errorOf(() => parseValuesYaml('a: *nope\n', 'n.yaml'))).toBe('n.yaml:1:4: unknown anchor "nope"');
    expect(errorOf(() => parseValuesYaml('a: !!int x\n', 't.yaml'))).toBe('t.yaml:1:10: cannot decode !!str `x` as a !!int');
    expect(errorOf(() => parseValuesYaml('~: 1\n', 'k.yaml'))).toBe('k.yaml:1:1: a map key cannot be null');
  });

  it('files that cannot be read', () => {
    expect(errorOf(() => loadValuesFile('/nope/missing.yaml'))).toBe('/nope/missing.yaml: no such file');
    const dir = mkdtempSync(join(tmpdir(), 'load-'));
    expect(errorOf(() => loadValuesFile(dir))).toBe(`${dir}: is a directory, not a file`);
    const bin = join(dir, 'bin.yaml');
    writeFileSync(bin, Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]));
    expect(errorOf(() => loadValuesFile(bin))).toBe(`${bin}: not valid UTF-8`);
    if (process.getuid?.() !== 0) {
      const locked = tmp('locked.yaml', 'a: 1\n');
      chmodSync(locked, 0o000);
      expect(errorOf(() => loadValuesFile(locked))).toBe(`${locked}: permission denied`);
    }
  });
});

describe('loadValuesFile', () => {
  it('reads a file and records where each value path was written', () => {
    const file = tmp('my.yaml', 'api:\n  image: x\n  replicas: 2\nlist:\n  - a\n  - b\n');
    const loaded = loadValuesFile(file);
    expect(loaded.values).toEqual({ api: { image: 'x', replicas: 2 }, list: ['a', 'b'] });
    expect(loaded.source).toBe(file);
    expect(loaded.positions.sourceOf(['api', 'replicas'])).toBe(`${file}:3:3`);
    expect(loaded.positions.sourceOf(['list', '1'])).toBe(`${file}:6:5`);
    // A path below a recorded one falls back to the nearest recorded ancestor.
    expect(loaded.positions.sourceOf(['api', 'replicas', 'deeper'])).toBe(`${file}:3:3`);
    expect(loaded.positions.sourceOf(['missing'])).toBeUndefined();
  });

  it("reads '-' from stdin", () => {
    const loaded = loadValuesFile('-', () => 'a: 1\n');
    expect(loaded).toMatchObject({ values: { a: 1 }, source: '<stdin>' });
    expect(parseValuesDocument('a: 1\n', 'x').positions.sourceOf(['a'])).toBe('x:1:1');
  });
});

describe('isStdinPath', () => {
  it("trims as Go's strings.TrimSpace: U+0085 is a space, U+FEFF is not", () => {
    for (const p of ['-', ' - ', '\t-\n', '\u0085-', '-\u3000']) expect(isStdinPath(p), JSON.stringify(p)).toBe(true);
    for (const p of ['--', '-\ufeff', '\ufeff-', './-', '']) expect(isStdinPath(p), JSON.stringify(p)).toBe(false);
  });
});
