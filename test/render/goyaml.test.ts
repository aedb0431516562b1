/**
 * toYaml proven against the real thing: every value is also printed by sigs.k8s.io/yaml +
 * gopkg.in/yaml.v2 as real Helm runs them (test/support/oracle.ts), and the bytes must agree. Values reach both sides the
 * way Helm reads a values file (the Go side with sigs.k8s.io/yaml.Unmarshal).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatValue, goQuote, toJson } from '../../src/go/fmt.js';
import { toYaml, yamlKeyLess } from '../../src/go/yaml-emit.js';
import { QUIRKS_TOYAML_INDENT4, QUIRKS_VALUES } from '../fixtures/helm-engine-quirks.js';
import {
  oracleForTests,
  parseYaml11,
  seededRandom,
  valueAt,
  yamlSource,
  type OracleNode,
} from '../support/oracle.js';

const oracle = oracleForTests();



/** Helm's indent: every line prefixed. */
function indent(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return pad + s.split('\n').join('\n' + pad);
}

/**
 * Whether some map in v has keys yaml.v2's order cannot sort consistently ("1q" < "9x" < "12-" <
 * "1q"): Go then sorts them in an order that depends on its random map iteration, so Helm's own
 * output varies between runs, and only the lines of the output can be compared.
 */
function ambiguousKeyOrder(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(ambiguousKeyOrder);
  if (v === null || typeof v !== 'object') return false;
  const keys = Object.keys(v).sort((a, b) => (yamlKeyLess(a, b) ? -1 : yamlKeyLess(b, a) ? 1 : 0));
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) if (yamlKeyLess(keys[j]!, keys[i]!)) return true;
  }
  return Object.values(v).some(ambiguousKeyOrder);
}

const sortedLines = (s: string): string => s.split('\n').sort().join('\n');

/** Differences between our printers and the oracle's, over all nodes of a document. */
function mismatches(root: unknown, nodes: OracleNode[], label = ''): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const v = valueAt(root, n.path);
    const where = `${label}${JSON.stringify(n.path)}`;
    const y = toYaml(v);
    const sameYaml = y === n.yaml || (ambiguousKeyOrder(v) && sortedLines(y) === sortedLines(n.yaml));
    if (!sameYaml) out.push(`${where} toYaml\n  go: ${JSON.stringify(n.yaml)} ${n.yamlError ?? ''}\n  ts: ${JSON.stringify(y)}`);
    const j = toJson(v);
    if (j !== n.json) out.push(`${where} toJson\n  go: ${JSON.stringify(n.json)}\n  ts: ${JSON.stringify(j)}`);
    const p = formatValue(v);
    if (p !== n.print) out.push(`${where} print\n  go: ${JSON.stringify(n.print)}\n  ts: ${JSON.stringify(p)}`);
    if (n.quote !== undefined && typeof v === 'string' && goQuote(v) !== n.quote) {
      out.push(`${where} quote\n  go: ${n.quote}\n  ts: ${goQuote(v)}`);
    }
  }
  return out;
}

function expectNoMismatches(list: string[]): void {
  expect(list.slice(0, 15).join('\n'), `${list.length} mismatches`).toBe('');
}

describe('toYaml: the quirks file example', () => {
  it('prints the expected text of helm-engine-quirks.md', () => {
    const values = parseYaml11(QUIRKS_VALUES);
    expect(indent(4, toYaml(values))).toBe(QUIRKS_TOYAML_INDENT4);
  });

  it('is the example of the shared quirks file, when that file is at hand', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const candidates = [join(here, '../../../shared/helm-engine-quirks.md'), '/work/shared/helm-engine-quirks.md'];
    const file = candidates.find((f) => existsSync(f));
    if (!file) return;
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(QUIRKS_VALUES);
    expect(text).toContain(QUIRKS_TOYAML_INDENT4);
  });

  it.runIf(oracle)('matches the Helm oracle on every node', async () => {
    const values = parseYaml11(QUIRKS_VALUES);
    const nodes = await oracle!.yaml(QUIRKS_VALUES);
    expect(indent(4, nodes[0]!.yaml)).toBe(QUIRKS_TOYAML_INDENT4);
    expectNoMismatches(mismatches(values, nodes));
  });
});

// ---------------------------------------------------------------------------------------------
// The corpus of tricky strings

const r = (n: number, s = 'a'): string => s.repeat(n);
const words = (n: number): string => {
  const w = ['alpha', 'be', 'gamma', 'delta', 'e', 'zeta', 'theta', 'iota', 'kappa', 'lambda'];
  const out: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const x = w[i % w.length]!;
    out.push(x);
    len += x.length + 1;
  }
  return out.join(' ').slice(0, n);
};

export const TRICKY_STRINGS: string[] = [
  // YAML 1.1 booleans and nulls, and near misses
  'y', 'Y', 'yes', 'Yes', 'YES', 'yEs', 'n', 'N', 'no', 'No', 'NO', 'nO', 'on', 'On', 'ON', 'oN', 'off', 'Off', 'OFF',
  'true', 'True', 'TRUE', 'tRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', 'nULL', '~', '', 't', 'f', 'o', 'x',
  // integers
  '0', '00', '-0', '+0', '0123', '0128', '08', '09', '0x1F', '0X1f', '0x', '0x1G', '0o17', '0O17', '0o8', '0b101', '0B101', '0b', '0b2',
  '-0b101', '+0b101', '0b-101', '0b+101', '-0x1F', '+0x1F', '1_000', '_1000', '1__0', '-1_0', '1_', '+12', '-12', '12',
  '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
  '18446744073709551615', '18446744073709551616', '0xFFFFFFFFFFFFFFFF', '0x10000000000000000', '0x1FFFFFFFFFFFFFFFFF',
  '0b' + r(64, '1'), '0b' + r(65, '1'), '-0b' + r(64, '1'), '0b-' + r(64, '1'), '0o1777777777777777777777', '01777777777777777777777',
  '0o2000000000000000000000', '0b1' + r(64, '0'), '0x' + r(16, 'F') + '0', '-0x8000000000000000', '-0x8000000000000001',
  // floats
  '1e6', '1E6', '1e+6', '1e-6', '.5', '-.5', '+.5', '1.', '-1.', '+1', '1.5e3', '1.5e', '1e', '1e400', '-1e400', '.1e-400',
  '1e-400', '._5', '.5_0', '.5__0', '.5_', '.5e1_0', '.5_e3', '+.5_0', '1_0e1_0', '0x_1F', '0_x1F', '1e1_', '1_0.5', '1.2.3', '.', '-', '+', '.e5', '-.e5', '5.e3', '1.0', '0.5', '1e+06', '.5e400', '0x1p-2',
  '.inf', '.Inf', '.INF', '-.inf', '+.inf', '-.Inf', '+.INF', '.nan', '.NaN', '.NAN', '.iNf', '.nAn', 'inf', 'nan', 'NaN', 'Infinity', '-Infinity',
  // base 60
  '12:30', '190:20:30', '1:2', '-1:30', '+1:30', '1:60', '1:5', '1:05.5', '1_0:30', '12:30:60', 'a:30', '1::2', '12:3a', '1:30.', '12:30:', ':30',
  // timestamps
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14T21:59:43Z', '2001-12-14 21:59:43.10', '2001-12-14  21:59:43',
  '2001-1-1', '2001-13-01', '2001-02-29', '2000-02-29', '2001-04-31', '2001-12-14T21:59:43+24:00', '2001-12-14T21:59:43.123456789Z',
  '2001-12-14T21:59:43+05:60', '2001-12-14T21:59:43+24:60', '2001-12-14 21:59:43', '2001-12-14T1:2:3Z', '2001-12-14T21:59',
  '20011-12-14', '2001-12-14x', '2001-12-14T21:59:43.Z', '2001-12-14T21:59:43,5Z', '2001-12-14 24:00:00', '2001-12-14 23:60:00',
  '2001-12-14T21:59:43-0500', '2001-12-14T21:59:43+5:00', '2001-12-14T21:59:43+05:0', '2001-12-14 21:59:43 -5', '2001-12-14T21:59:43z', '2001-00-10', '2001-12-00',
  // indicators
  '-', '- x', '-x', '--', '---', '--- x', '---x', '...', '....', '... x', '?', '? x', '?x', ':', ': x', ':x', 'x:', 'x: y', 'x:y', 'x :y',
  '#', '#x', 'x#y', 'x #y', 'x# y', '&a', '*a', '!a', '!!str', '|', '|x', '>', '>x', "'", "'x'", '"', '"x"', '%x', '@x', '`x`',
  '{', '{x}', '}', '[', '[x]', ']', ',', 'x,y', ', x', 'x,', 'a{b', 'a}b', 'a[b', 'a]b', 'a?b', 'x ?y', '<<', '=', 'x:\ty', 'x\t#y',
  'x\u0000#y', "it's", 'say "hi"', 'a\\b', 'C:\\path\\to', '50%', '$HOME', '${VAR}', '{{ .Values.x }}', 'key=value',
  'https://example.com/a?b=c#d', '0.0.0.0', '10.0.0.1', 'v1.2.3', 'on-call', 'yes please', 'null ', ' null', 'true\n', '- - x',
  // whitespace and line breaks
  ' ', '  ', ' x', 'x ', ' x ', 'x  y', '\t', 'x\ty', '\tx', 'x\t', '\r', 'x\ry', 'x\r\ny', '\n', '\n\n', '\n\n\n', 'x\n', 'x\n\n',
  'x\n\n\n', '\nx', '\n\nx', ' x\ny', 'x\n y', 'x \ny', 'x\n\ny', 'x\n \ny', '  lead\n  more\n', 'a\n\tb', '\n x', ' \n', 'x\n ',
  'multi\nline', 'multi\nline\n', 'multi\nline\n\n', '# c\nx', '- a\n- b', 'a: 1\nb: 2\n', 'x\n---\ny', 'x\n...\n', '|\n>',
  // unicode
  'üñí', 'é', '中文', 'Ω', 'ǅ', '٣', '😀', 'x😀', '😀 x', '\u00a0', 'x\u00a0y', '\u2028', 'x\u2028y', 'x\u2028', '\u2029', 'x\u2029 y',
  '\ufeff', '\ufeffx y', 'x\ufeff', '\ufeff\n', '\u0085', 'x\u0085y', 'x \u0085 y', '\u0085\u0085', 'x\u0085\u0085\u0085y', ' \u0085',
  'x\u0085---y', 'x\u0085--- y', 'x\u0085...', 'x\u0085... y', 'x\u0085---\u0085', 'x\u0085 --- y', '\u0085---\t',
  '\u0000', 'x\u0000y', '\u0007\u001b', '\u0001\u001f', '\u007f', 'x\u007f', '\u0080', '\u009f', '\u00ad', '\ufffd', '\ufffe', '\uffff',
  '\ue000', '\u200b', '\u202e', '\u{10ffff}', '\u{1f1fa}\u{1f1f8}', 'a\u0301', '\u3000', 'x\u3000y',
  // JSON's HTML escaping
  '<', '>', '&', '<a href="x">&amp;</a>', '\u2028<&>',
  // lengths around the folding width
  r(79), r(80), r(81), r(120), r(300), words(79), words(80), words(81), words(82), words(120), words(300),
  r(78) + ' ' + r(10), r(80) + ' ' + r(10), r(81) + ' b c', r(81) + '  b  c', r(81) + ' ', r(85) + ' #x ' + r(5),
  '@' + words(150), '@' + r(85) + '  x  y', '"' + words(200), 'x\t' + words(150), '😀' + words(150), '\ufeff' + words(100),
  words(100) + '\n' + words(100), ' ' + words(100) + '\n', words(90) + ' \n' + words(10), r(81) + '\u2028' + words(90),
  words(40) + '\u0085' + words(60), 'yes ' + words(100), r(200, 'ab '), r(100, ' a'), words(85) + '\u00a0' + words(10),
];
// Long plain-ASCII text takes toYaml's scan without a loop (past 48 characters): every short ASCII
// string above again at the start, in the middle and at the end of such a text.
TRICKY_STRINGS.push(
  ...TRICKY_STRINGS.filter((s) => s.length <= 48 && /^[\n\x20-\x7e]*$/.test(s)).flatMap((s) => [s + words(50), words(50) + s + words(50), words(50) + s]),
);

/**
 * yaml.v2 quotes what time.Parse takes for a timestamp, and time.Parse took at most 9 fraction
 * digits and any zone offset up to Go 1.19, any number of digits and offsets up to 24:60 only
 * from Go 1.20: what Helm (Go 1.26) prints.
 */
const GO122_ONLY: Record<string, string> = {
  '2001-12-14T21:59:43.123456789123Z': '"2001-12-14T21:59:43.123456789123Z"',
  '2001-12-14T21:59:43+25:00': '2001-12-14T21:59:43+25:00',
  '2001-12-14T21:59:43+05:61': '2001-12-14T21:59:43+05:61',
};

const NUMBERS: number[] = [
  0, -0, 1, -1, 7, 1e6, 100000, 999999, 1000000, 1234567, 123456789, 1e15, 1e20, 1e21, 1e22, 1e-4, 1e-5, 1e-6, 1e-7, 0.1, 0.5,
  1.5, -2.5, 123456789.123, 3.141592653589793, 10000000000, 9007199254740993, 2 ** 63, 2 ** 64, -(2 ** 63), 2 ** 63 - 1024,
  1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 1e100, -1e-100, 0.000123, 12345.678, 1e-10, 4.35, 0.1 + 0.2,
];

/** Keys: everything of the corpus that may be a key (a NEL makes the YAML reader fail). */
function corpusDocument(): Record<string, unknown> {
  const asKeys: Record<string, unknown> = {};
  TRICKY_STRINGS.forEach((s, i) => (asKeys[s] = i % 3 === 0 ? s : i % 3 === 1 ? [s, i] : { k: s }));
  return {
    strings: TRICKY_STRINGS,
    keys: asKeys,
    nested: { a: { b: { c: TRICKY_STRINGS.filter((_, i) => i % 7 === 0) } }, l: [[TRICKY_STRINGS.slice(400, 420)], { x: [[], {}] }] },
    numbers: NUMBERS,
    mixed: [null, true, false, [], {}, [null], { n: null }, [[[]]], [{}], { e: {} }, 'x'],
    longKeys: {
      [r(128)]: 1,
      [r(129)]: 2,
      [r(43, 'é')]: 3,
      [r(64, 'é')]: 4,
      [r(65, 'é')]: { a: 1, b: [1, 2] },
      [words(200)]: ['x', { y: 'z' }],
      [words(300)]: words(300),
      [r(1022)]: 'fits the reader',
      ['multi\nline key']: 'v',
      ['multi\nline key 2']: ['a', 'b\nc'],
      ['multi\nline key 3']: { k: 'v' },
      [' lead\n']: null,
    },
    emptyKey: { '': 1, ' ': 2, '~': 3, null: 4 },
    keyOrder: Object.fromEntries(
      [
        'a0123456789', 'a123456789', 'a99999999999999999999', 'a99999999999999999998', 'a٣', 'a3', 'a10', 'a9', 'a01', 'a1',
        'a001', 'a00', 'a0', 'a_', 'a.', 'aé', 'aZ', 'a😀', 'b', '1', '01', '10', '9', 'x1y2', 'x1y10', 'x10y', '१२',
        'B', '_x', 'Ab', 'ab', 'a b', 'a-b', 'v1.10.0', 'v1.9.0', 'v1.9', 'port8080', 'port443', 'ǅ', 'Σ', 'σ',
      ].map((k, i) => [k, i]),
    ),
  };
}

describe.runIf(oracle)('toYaml, toJson and %v against the Helm oracle: corpus', () => {
  it('agrees on every string as a value, a key and in lists and maps', async () => {
    const src = yamlSource(corpusDocument());
    const values = parseYaml11(src);
    const nodes = await oracle!.yaml(src);
    expect(nodes.length).toBeGreaterThan(TRICKY_STRINGS.length * 2);
    expectNoMismatches(mismatches(values, nodes));
  });

  it('orders keys exactly as yaml.v2 (a key set it can order consistently)', async () => {
    const keyOrder = (corpusDocument() as { keyOrder: Record<string, unknown> }).keyOrder;
    expect(ambiguousKeyOrder(keyOrder)).toBe(false);
    const src = yamlSource(keyOrder);
    expect(toYaml(parseYaml11(src))).toBe((await oracle!.yaml(src))[0]!.yaml);
  });

  it('agrees on documents that fail (reader-refused characters, long keys, NEL keys)', async () => {
    const docs = [
      { s: 'a\u007fb' },
      { s: ['\u0080'] },
      { [r(1023)]: 1 },
      { [r(1017) + '<']: 1 },
      { [r(1016) + '<']: 1 },
      { ['a\u0085b']: 1 },
      { s: 'x\u0085--- y' },
      { s: 'x\u0085... y' },
      { ok: 'x\u0085---y' },
    ];
    const out = await oracle!.multi(docs.map((d) => yamlSource(d)));
    const problems: string[] = [];
    docs.forEach((d, i) => {
      const o = out[i]!;
      if ('error' in o) throw new Error(`oracle could not read document ${i}: ${o.error}`);
      problems.push(...mismatches(parseYaml11(yamlSource(d)), o.nodes, `doc ${i} `));
    });
    expectNoMismatches(problems);
    const failed = out.map((o) => 'nodes' in o && o.nodes[0]!.yaml === '' && o.nodes[0]!.yamlError !== undefined);
    expect(failed).toEqual([true, true, true, true, false, true, true, true, false]);
  });
});

// ---------------------------------------------------------------------------------------------
// Random documents

const ALPHABET: string[] = [
  ' ', ' ', ' ', '  ', '\t', '\n', '\n', '\n\n', '\r', '-', '--', '---', '?', ':', ': ', '#', ' #', '&', '*', '!', '|', '>', "'", '"',
  '%', '@', '`', '{', '}', '[', ']', ',', '.', '...', '~', '0', '1', '9', '12', 'e', 'E', 'x', 'b', 'o', '+', '_', 'a', 'y', 'n',
  'Y', 'N', 'T', 'l', '\\', '/', '<', '>', '&', 'true', 'null', 'yes', 'on', 'No', '0x', '1e', '.5', '0o', '0b1', '2001-', '12:30',
  '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', 'é', '中', '😀', '\u0000', '\u0007', '\u001b', '\u007f', '\u0080', '\u00ad',
  'word', 'words ', 'lorem ipsum ', 'dolor sit amet ', 'Z', 'q',
];

function randomString(rnd: () => number): string {
  const long = rnd() < 0.15;
  const n = long ? 20 + Math.floor(rnd() * 60) : Math.floor(rnd() * 8);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)]!;
  return s;
}

function randomNumber(rnd: () => number): number {
  const k = rnd();
  if (k < 0.3) return Math.floor(rnd() * 2000) - 1000;
  if (k < 0.5) return Math.round(rnd() * 1e6) * 10 ** Math.floor(rnd() * 20);
  if (k < 0.7) return Number((rnd() * 1000).toFixed(Math.floor(rnd() * 6)));
  const f = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 60 - 30);
  return f;
}

function randomValue(rnd: () => number, depth: number): unknown {
  const k = rnd();
  if (depth < 4 && k < 0.2) {
    const n = Math.floor(rnd() * 6);
    const m: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = randomString(rnd);
      if (key === '<<' || key.includes('\u0085')) continue;
      m[key] = randomValue(rnd, depth + 1);
    }
    return m;
  }
  if (depth < 4 && k < 0.35) {
    const n = Math.floor(rnd() * 5);
    return Array.from({ length: n }, () => randomValue(rnd, depth + 1));
  }
  if (k < 0.75) return randomString(rnd);
  if (k < 0.9) return randomNumber(rnd);
  if (k < 0.95) return rnd() < 0.5;
  return null;
}

describe.runIf(oracle)('toYaml of timestamps as Go 1.20+ time.Parse reads them', () => {
  it('quotes what Helm quotes', async () => {
    const strings = Object.keys(GO122_ONLY);
    expect((await oracle!.typed(strings)).map((n) => n.yaml)).toEqual(Object.values(GO122_ONLY));
    for (const [s, want] of Object.entries(GO122_ONLY)) expect(toYaml(s), s).toBe(want);
  });
});

describe.runIf(oracle)('toYaml, toJson and %v against the Helm oracle: random documents', () => {
  it('agrees on 400 seeded random documents', async () => {
    const rnd = seededRandom(20240611);
    const docs: Record<string, unknown>[] = [];
    for (let i = 0; i < 400; i++) {
      const doc: Record<string, unknown> = {};
      const n = 1 + Math.floor(rnd() * 5);
      for (let j = 0; j < n; j++) {
        const key = randomString(rnd);
        if (key === '<<' || key.includes('\u0085')) continue;
        doc[key] = randomValue(rnd, 0);
      }
      docs.push(doc);
    }
    const sources = docs.map((d) => yamlSource(d));
    const out = await oracle!.multi(sources);
    const problems: string[] = [];
    let nodes = 0;
    sources.forEach((src, i) => {
      const o = out[i]!;
      if ('error' in o) throw new Error(`oracle could not read document ${i}: ${o.error}\n${src}`);
      nodes += o.nodes.length;
      problems.push(...mismatches(parseYaml11(src), o.nodes, `doc ${i} `));
    });
    expect(nodes).toBeGreaterThan(2000);
    expectNoMismatches(problems);
  });
});

// ---------------------------------------------------------------------------------------------
// Shapes, without the oracle (documenting go-yaml's layout)

describe('toYaml layout', () => {
  it('prints empty containers in flow style and nests block collections go-yaml style', () => {
    expect(toYaml({})).toBe('{}');
    expect(toYaml([])).toBe('[]');
    expect(toYaml(null)).toBe('null');
    expect(toYaml({ a: [], b: {}, c: null })).toBe('a: []\nb: {}\nc: null');
    expect(toYaml({ l: [1, [2, 3], { x: 'y', z: [] }] })).toBe('l:\n- 1\n- - 2\n  - 3\n- x: "y"\n  z: []');
  });

  it('orders keys as yaml.v2 does: numbers inside keys by value, non-letters before letters', () => {
    const m = { a10: 1, a2: 1, B: 1, _x: 1, a: 1, a01: 1, a1: 1, Z9: 1 };
    expect(toYaml(m)).toBe('_x: 1\nB: 1\nZ9: 1\na: 1\na1: 1\na01: 1\na2: 1\na10: 1');
  });

  it('prints keys yaml.v2 cannot order consistently in one of the orders Helm prints (each key once, neighbours in order)', () => {
    // "1qNo" < "9x" (1 < 9), "9x" < "12-" (9 < 12), "12-" < "1qNo" (a digit before a letter).
    expect(ambiguousKeyOrder({ '1qNo': 1, '9x': 2, '12-': 3 })).toBe(true);
    const keys = toYaml({ '1qNo': 1, '9x': 2, '12-': 3 }).split('\n').map((l) => l.split(':')[0]!);
    expect([...keys].sort()).toEqual(['12-', '1qNo', '9x']);
    for (let i = 1; i < keys.length; i++) expect(yamlKeyLess(keys[i - 1]!, keys[i]!), `${keys[i - 1]} before ${keys[i]}`).toBe(true);
  });

  it('uses literal blocks with chomping and indentation indicators', () => {
    expect(toYaml('a\nb')).toBe('|-\n  a\n  b');
    expect(toYaml('a\nb\n')).toBe('|\n  a\n  b');
    expect(toYaml('a\n\n')).toBe('|+\n  a\n');
    expect(toYaml({ k: ' a\nb' })).toBe('k: |2-\n   a\n  b');
  });

  it('returns "" where Helm swallows a marshalling error', () => {
    expect(toYaml({ a: NaN })).toBe('');
    expect(toYaml([Infinity])).toBe('');
    expect(toYaml('\u007f')).toBe('');
  });
});
