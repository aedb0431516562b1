/**
 * The values fast path (src/values/simpleyaml.ts) against the full reader (parseValuesWithYaml in
 * src/values/load.ts, itself proven against go-yaml): whatever the fast path reads, it reads to the same values, in
 * the same key order, with the same position for every value path; and it reads none of what the
 * full loader refuses. Random files are built from lines chosen to sit on the subset's edges.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseValuesWithYaml } from '../../src/values/load.js';
import { parseSimpleValues } from '../../src/values/simpleyaml.js';
import type { Provenance } from '../../src/values/provenance.js';
import type { Value } from '../../src/values/types.js';
import { seededRandom } from '../support/oracle.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'values');

/** Every value path with its recorded position. */
function positionsOf(v: Value, p: Provenance, path: string[] = [], out: string[] = []): string[] {
  if (path.length > 0) out.push(`${path.join('.')} @ ${p.sourceOf(path)}`);
  if (Array.isArray(v)) v.forEach((x, i) => positionsOf(x, p, [...path, String(i)], out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) positionsOf(v[k]!, p, [...path, k], out);
  return out;
}

/** undefined when the fast path agrees (or declines); else what differs. */
function disagreement(text: string): string | undefined {
  const fast = parseSimpleValues(text, 'f.yaml');
  if (fast === undefined) return undefined;
  let full;
  try {
    full = parseValuesWithYaml(text, 'f.yaml');
  } catch (e) {
    return `fast path read what the full loader refuses (${(e as Error).message}):\n${text}`;
  }
  const a = JSON.stringify(fast.values);
  const b = JSON.stringify(full.values);
  if (a !== b) return `values differ:\n${text}\nfast ${a}\nfull ${b}`;
  const pa = positionsOf(fast.values, fast.positions).join('\n');
  const pb = positionsOf(full.values, full.positions).join('\n');
  if (pa !== pb) return `positions differ:\n${text}\nfast\n${pa}\nfull\n${pb}`;
  return undefined;
}

const KEYS = ['a', 'b', 'name', 'on', 'y', '1', '0x1F', 'null', '~', 'a.b', 'a/b-c', '_x', 'Key'];
const SCALARS = [
  'x', 'hello world', 'yes', 'No', 'on', 'true', '~', 'null', '', '0', '-1', '0x1F', '0o17', '017', '1e3', '1.5', '.5', '-.inf', '.NaN',
  '1_000', '2001-12-14', '12:30', 'a: b', 'a:b', 'a #c', 'a#c', '# c', '"q"', '"a\\"b\\n\\u00e9"', '"\\x41"', '"\\/"', '"\\uD800"', "'it''s'",
  "'a' #c", '"a" x', '{}', '[]', '{a: 1}', '[1]', '[a, b]', '[ x ,y]', '[a,]', '[, a]', '[yes, 0x1F, ~, 1.5]', '[a b, c]', '[-a, b]', '[- a]', '[a] #c', '[a]x', '[http://x]', '[.inf]', '|', '|-', '|+', '>', '|2', '&a x', '*a', '!!str 1', '%x', '@x', '-x', '- x', '?x', ':x',
  'http://x', 'x:', '9223372036854775808', '18446744073709551616', '+1', '0b101', '1:20', 'é', '\u00a0x',
];
const BLOCK_LINES = ['text', '  more', '', '   ', '# not a comment', 'a: b', '- x'];

function randomFile(rand: () => number): string {
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const lines: string[] = [];
  let indent = 0;
  if (rand() < 0.1) lines.push('---');
  const n = 1 + Math.floor(rand() * 10);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.3) indent += 2;
    else if (r < 0.5) indent = Math.max(0, indent - 2);
    else if (r < 0.55) indent += 1;
    else if (r < 0.65) indent = 0;
    const pad = ' '.repeat(indent);
    const v = pick(SCALARS);
    const shape = rand();
    if (shape < 0.45) lines.push(`${pad}${pick(KEYS)}:${v === '' ? '' : ' ' + v}`);
    else if (shape < 0.65) lines.push(`${pad}-${v === '' ? '' : ' ' + v}`);
    else if (shape < 0.8) lines.push(`${pad}- ${pick(KEYS)}:${v === '' ? '' : ' ' + v}`);
    else if (shape < 0.88) lines.push(`${pad}# comment`);
    else if (shape < 0.92) lines.push('');
    else {
      const header = pick(['|', '|-', '| # c', '|+']);
      lines.push(`${pad}${pick(KEYS)}: ${header}`);
      const inner = ' '.repeat(indent + pick([1, 2, 4]));
      for (let k = Math.floor(rand() * 4); k > 0; k--) {
        const b = pick(BLOCK_LINES);
        lines.push(b === '' || b.trim() === '' ? b : inner + b);
      }
    }
  }
  return lines.join('\n') + (rand() < 0.8 ? '\n' : '');
}

describe('the values fast path reads what the full loader reads', () => {
  it('agrees on every fixture, the chart defaults and the bench values, and takes most of them', () => {
    const files = [
      ...readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).map((f) => join(FIXTURES, f)),
      join(ROOT, 'chart', 'values.yaml'),
      join(ROOT, 'bench', 'values-full.yaml'),
    ];
    let taken = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(disagreement(text)).toBeUndefined();
      if (parseSimpleValues(text, f)) taken++;
    }
    expect(taken).toBeGreaterThan(files.length * 0.8);
  });

  it('agrees on 100,000 random files built from edge-case lines', () => {
    const rand = seededRandom(1124);
    let taken = 0;
    const problems: string[] = [];
    for (let n = 0; n < 100000; n++) {
      const text = randomFile(rand);
      const d = disagreement(text);
      if (d) problems.push(d);
      if (parseSimpleValues(text, 'f.yaml')) taken++;
    }
    expect(problems.slice(0, 5)).toEqual([]);
    // Enough files are taken for the comparison to mean something.
    expect(taken).toBeGreaterThan(3000);
  }, 120_000);
});
