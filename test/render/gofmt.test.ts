/**
 * %v, %q and toJson proven against Go's fmt, strconv and encoding/json as real Helm runs them (test/support/oracle.ts),
 * with values of the exact Go types Helm's engine sees: float64 (JS number) and int64 (bigint).
 */
import { describe, expect, it } from 'vitest';
import { compareGoStrings, formatFloatG, formatValue, goQuote, toJson } from '../../src/go/fmt.js';
import { toYaml } from '../../src/go/yaml-emit.js';
import { oracleForTests, parseYaml11, seededRandom, type OracleNode } from '../support/oracle.js';

const oracle = oracleForTests();

/** Runs typed values through the oracle and lists every difference with our printers. */
async function differences(values: unknown[], what: { print?: boolean; json?: boolean; yaml?: boolean; quote?: boolean }): Promise<string[]> {
  const nodes: OracleNode[] = await oracle!.typed(values);
  expect(nodes.length).toBe(values.length);
  const out: string[] = [];
  values.forEach((v, i) => {
    const n = nodes[i]!;
    const show = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : typeof x === 'number' ? String(x) : x));
    const check = (name: string, go: string, ts: string): void => {
      if (go !== ts) out.push(`${show} ${name}: go ${JSON.stringify(go)} ts ${JSON.stringify(ts)}`);
    };
    if (what.print) check('%v', n.print, formatValue(v));
    if (what.json) check('toJson', n.json, toJson(v));
    if (what.yaml) check('toYaml', n.yaml, toYaml(v));
    if (what.quote && typeof v === 'string') check('%q', n.quote!, goQuote(v));
  });
  return out;
}

function expectNone(list: string[]): void {
  expect(list.slice(0, 20).join('\n'), `${list.length} differences`).toBe('');
}

const QUIRKS_VALUES = `nums: {a: 1000000, b: 0.5, c: 10000000000, d: 1.0, e: -0}\n`;

describe('%v: the quirks file example', () => {
  it('prints "1e+06 0.5 1e+10 1" for the numbers of a values file', () => {
    const v = parseYaml11(QUIRKS_VALUES) as { nums: Record<string, unknown> };
    const n = v.nums;
    expect(`${formatValue(n.a)} ${formatValue(n.b)} ${formatValue(n.c)} ${formatValue(n.d)}`).toBe('1e+06 0.5 1e+10 1');
  });

  it('prints the values file numbers of the quirks file as %v does: 100000, 1e+06, 1.234567e+06, 1e-05', () => {
    expect([100000, 1000000, 1234567, 0.00001].map(formatValue)).toEqual(['100000', '1e+06', '1.234567e+06', '1e-05']);
    expect(formatValue(1000000n)).toBe('1000000');
  });

  it.runIf(oracle)('agrees with the Helm oracle on that document', async () => {
    const nodes = await oracle!.yaml(QUIRKS_VALUES);
    const v = parseYaml11(QUIRKS_VALUES) as { nums: Record<string, unknown> };
    const print = (k: string): string => nodes.find((n) => n.path.join('.') === `nums.${k}`)!.print;
    expect(`${print('a')} ${print('b')} ${print('c')} ${print('d')}`).toBe('1e+06 0.5 1e+10 1');
    for (const k of ['a', 'b', 'c', 'd', 'e']) expect(formatValue(v.nums[k]), k).toBe(print(k));
  });
});

describe('%v, toJson and toYaml without the oracle', () => {
  it('prints null as nothing, and as <nil> inside lists and maps', () => {
    expect(formatValue(null)).toBe('');
    expect(formatValue(undefined)).toBe('');
    expect(formatValue(['a', null])).toBe('[a <nil>]');
    expect(formatValue({ b: 2, a: 1, c: null })).toBe('map[a:1 b:2 c:<nil>]');
  });

  it('formats floats as strconv does', () => {
    expect(formatFloatG(NaN)).toBe('NaN');
    expect(formatFloatG(Infinity)).toBe('+Inf');
    expect(formatFloatG(-0)).toBe('-0');
    expect(formatFloatG(123456789)).toBe('1.23456789e+08');
    expect(formatFloatG(1e21)).toBe('1e+21');
    expect(formatFloatG(1e100)).toBe('1e+100');
  });

  it('writes JSON as encoding/json does', () => {
    expect(toJson({ b: [1, 'x<y&z>'], a: null, c: 1e21, d: 1e-7, e: -0, f: 10n })).toBe(
      '{"a":null,"b":[1,"x\\u003cy\\u0026z\\u003e"],"c":1e+21,"d":1e-7,"e":-0,"f":10}',
    );
    expect(toJson(NaN)).toBe('');
    expect(toJson('\u2028\b\f\u0001')).toBe('"\\u2028\\b\\f\\u0001"');
  });

  it('orders strings as Go does (UTF-8 bytes)', () => {
    expect(['\uffff', '😀', 'b', 'B', '\ue000'].sort(compareGoStrings)).toEqual(['B', 'b', '\ue000', '\uffff', '😀']);
  });
});

// ---------------------------------------------------------------------------------------------

const SPECIAL_FLOATS: number[] = [
  0, -0, 1, -1, 0.1, 0.2, 0.3, 0.1 + 0.2, 0.5, 1.5, 2.5, 1e-4, 1.0001e-4, 9.9999e-5, 1e-5, 1e-6, 9.99999e-7, 1e-7, 1e-300,
  5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308, 99999, 100000, 999999, 999999.5,
  999999.9999999999, 1e6, 1000001, 1234567, 123456789, 123456789.123, 1e15, 1e16, 9007199254740991, 9007199254740992,
  9007199254740993, 1e20, 99999999999999999999, 1e21, 1e22, 1e23, 2 ** 63, 2 ** 63 - 1024, -(2 ** 63), -(2 ** 63) - 2048, 2 ** 64,
  2 ** 64 - 4096, 18446744073709551616 * 2, 1e100, 3.141592653589793, 2.718281828459045, 1 / 3, 2 / 3, 4.35, 0.000123456,
  12345.678, -12345.678e10, 6.02214076e23, 1.602176634e-19, 100, 1000, 10000, 65536, 1e-10, 1.5e-7, 123e-20,
];

function randomFloats(count: number, seed: number): number[] {
  const rnd = seededRandom(seed);
  const view = new DataView(new ArrayBuffer(8));
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const k = rnd();
    if (k < 0.4) {
      // Any bit pattern (NaN and infinities included).
      view.setUint32(0, Math.floor(rnd() * 2 ** 32));
      view.setUint32(4, Math.floor(rnd() * 2 ** 32));
      out.push(view.getFloat64(0));
    } else if (k < 0.7) {
      // Short decimals at every scale: the cases shortest formatting is about.
      const digits = Math.floor(rnd() * 10 ** (1 + Math.floor(rnd() * 8)));
      out.push(Number(`${rnd() < 0.5 ? '-' : ''}${digits}e${Math.floor(rnd() * 60) - 30}`));
    } else if (k < 0.9) {
      // Integers around the int64/uint64 and exponent boundaries.
      const e = Math.floor(rnd() * 22);
      out.push(Math.round((rnd() - 0.5) * 2 * 10 ** e));
    } else {
      out.push(rnd() * 2 ** Math.floor(rnd() * 140 - 70));
    }
  }
  return out;
}

describe.runIf(oracle)('float64 against the Helm oracle', () => {
  it('agrees on special floats: %v, toJson, toYaml', async () => {
    expectNone(await differences([...SPECIAL_FLOATS, NaN, Infinity, -Infinity], { print: true, json: true, yaml: true }));
  });

  it('agrees on 5000 seeded random floats', async () => {
    expectNone(await differences(randomFloats(5000, 42), { print: true, json: true, yaml: true }));
  });

  it('agrees on floats inside lists and maps', async () => {
    const fl = randomFloats(200, 7).filter((f) => Number.isFinite(f));
    expectNone(await differences([fl, { a: fl.slice(0, 50), b: { c: fl[3]! } }], { print: true, json: true, yaml: true }));
  });
});

describe.runIf(oracle)('int64 against the Helm oracle', () => {
  it('agrees on int64 values (as from --set, int, len, add)', async () => {
    const rnd = seededRandom(99);
    const ints: bigint[] = [0n, 1n, -1n, 1000000n, 10000000000n, 9223372036854775807n, -9223372036854775808n, 2n ** 53n + 1n];
    for (let i = 0; i < 300; i++) {
      const digits = 1 + Math.floor(rnd() * 18);
      let s = rnd() < 0.3 ? '-' : '';
      for (let d = 0; d < digits; d++) s += Math.floor(rnd() * 10);
      ints.push(BigInt(s));
    }
    expectNone(await differences([...ints, ints.slice(0, 20), { n: 5n, f: 5, l: [1n, 1.5, null] }], { print: true, json: true, yaml: true }));
  });
});

// ---------------------------------------------------------------------------------------------

/** Blocks unchanged since Unicode 13 (Go 1.19's tables; Node and Helm's Go 1.22 know more). */
const STABLE_RANGES: [number, number][] = [
  [0x0000, 0x05ff], [0x2000, 0x206f], [0x2190, 0x23ff], [0x3000, 0x303f], [0x4e00, 0x4eff], [0xe000, 0xe0ff],
  [0xf8f0, 0xf8ff], [0xfe00, 0xffff], [0x1f300, 0x1f64f], [0xe0000, 0xe007f], [0xefff0, 0xf0010], [0x10fff0, 0x10ffff],
];

function stableCharacters(): string[] {
  const out: string[] = [];
  for (const [a, b] of STABLE_RANGES) for (let c = a; c <= b; c++) out.push(String.fromCodePoint(c));
  return out;
}

function randomStrings(count: number, seed: number): string[] {
  const rnd = seededRandom(seed);
  const chars = stableCharacters();
  const common = [' ', 'a', 'Z', '0', '"', '\\', '\n', '\t', '<', '&', '%', '\u2028', '\u0085', '😀', 'é'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = Math.floor(rnd() * 12);
    let s = '';
    for (let j = 0; j < n; j++) s += rnd() < 0.5 ? common[Math.floor(rnd() * common.length)]! : chars[Math.floor(rnd() * chars.length)]!;
    out.push(s);
  }
  return out;
}

describe.runIf(oracle)('strings against the Helm oracle', () => {
  it('agrees on %q and toJson for every character of the stable Unicode blocks', async () => {
    expectNone(await differences(stableCharacters(), { print: true, json: true, quote: true }));
  });

  it('agrees on %q, toJson and toYaml for 2000 seeded random strings', async () => {
    expectNone(await differences(randomStrings(2000, 5), { print: true, json: true, quote: true, yaml: true }));
  });

  it('agrees on lists and maps: %v with <nil>, Go key order, JSON', async () => {
    const values: unknown[] = [
      [],
      {},
      [null],
      ['a', null, 'b c', '', true, false, 1.5, 1000000, [], {}, [[]], { x: null }],
      { b: 1, a: [1, 2], '': 'empty', ' ': 'space', '\uffff': 1, '😀': 2, '\ue000': 3, A: { z: null, y: [null, null] } },
      { nested: { deeper: { deepest: ['x', { k: 'v' }] } } },
      [{ a: 1 }, { b: [true] }],
    ];
    expectNone(await differences(values, { print: true, json: true, yaml: true }));
  });
});
