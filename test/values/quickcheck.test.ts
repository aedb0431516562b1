/**
 * The quick check (src/values/quickcheck.ts) against ajv, the authority: on every fixture and on
 * thousands of random mutations of them, whatever the quick check calls valid ajv must call
 * valid too; and it must call valid nearly everything ajv does, or the fast path is not one.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quickCheckFor } from '../../src/values/quickcheck.js';
import { newAjv } from '../../src/values/validate.js';
import { buildValues } from '../../src/values/index.js';
import { turn } from '../support/exec.js';
import { seededRandom } from '../support/oracle.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'chart');
const SCHEMA_PATH = join(ROOT, 'chart', 'values.schema.json');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'values');
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object;
const ajv = newAjv().compile(schema);
const quick = quickCheckFor(schema);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Values as the validator sees them: int64 as numbers. */
function asJson(v: unknown): Json {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x))) as Json;
}

/**
 * Every fixture's values. These loops run seconds in-process, many more on a loaded machine: each
 * awaits turn() now and then so that vitest's worker reads its RPC replies (test/support/exec.ts).
 */
async function fixtureValues(): Promise<Json[]> {
  const out: Json[] = [];
  for (const f of readdirSync(FIXTURES).filter((x) => x.endsWith('.yaml'))) {
    const { values } = buildValues({ chartDir: CHART, schemaPath: SCHEMA_PATH, valueFiles: [join(FIXTURES, f)], set: [], setString: [], setFile: [], setJson: [] });
    out.push(asJson(values));
    await turn();
  }
  return out;
}

/** Every container path in a value tree, with its parent. */
function slots(v: Json, out: { parent: Json[] | { [k: string]: Json }; key: string | number }[] = []) {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push({ parent: v, key: i }), slots(x, out)));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) (out.push({ parent: v, key: k }), slots(v[k]!, out));
  return out;
}

const REPLACEMENTS: Json[] = [
  '', 'x', 'Abc', 'a b', 'a;b', 'http://x', '1Gi', '100m', 'IfNotPresent', 'x'.repeat(300), '-', '.', 'a.b-c',
  0, 1, -1, 1.5, 65536, 2147483648, true, false, null, [], [''], ['x'], {}, { name: 'x' }, { value: 'v' },
  { value: '', existingSecret: { name: '', key: '' }, remoteRef: { key: '', property: '', decodingStrategy: '' } },
  { value: 'v', existingSecret: { name: '', key: '' }, remoteRef: { key: '', property: '', decodingStrategy: '' } },
];

describe('the quick values check against ajv', () => {
  it('knows every keyword of the chart schema', () => {
    expect(quick).toBeDefined();
  });

  it('calls every fixture valid, as ajv does', async () => {
    for (const v of await fixtureValues()) {
      expect(ajv(v)).toBe(true);
      expect(quick!(v)).toBe(true);
    }
  }, 120_000); // every fixture or many values builds: seconds quiet, more on a loaded machine

  it('never calls valid what ajv refuses, over 4,000 random mutations', async () => {
    const rand = seededRandom(8);
    const bases = await fixtureValues();
    let ajvValid = 0;
    let quickValid = 0;
    for (let n = 0; n < 4000; n++) {
      if (n % 100 === 0) await turn();
      const data = structuredClone(bases[n % bases.length]!);
      for (let m = 1 + Math.floor(rand() * 2); m > 0; m--) {
        const all = slots(data);
        const { parent, key } = all[Math.floor(rand() * all.length)]!;
        const r = rand();
        if (r < 0.15 && !Array.isArray(parent)) delete parent[key as string];
        else if (r < 0.25 && !Array.isArray(parent)) parent[`extra${n}`] = 'x';
        else (parent as Record<string | number, Json>)[key] = structuredClone(REPLACEMENTS[Math.floor(rand() * REPLACEMENTS.length)]!);
      }
      const a = ajv(data);
      const q = quick!(data);
      if (q && !a) throw new Error(`quick check passed values ajv refuses: ${JSON.stringify(ajv.errors?.[0])}`);
      if (a) ajvValid++;
      if (q) quickValid++;
    }
    // Enough mutations stay valid for the comparison to mean something, and the fast path takes them.
    expect(ajvValid).toBeGreaterThan(500);
    expect(quickValid).toBe(ajvValid);
  }, 120_000);

  it('gives frozen values the same answer as unfrozen ones, every time it is asked (its memo changes nothing)', async () => {
    const rand = seededRandom(9);
    const bases = await fixtureValues();
    const freeze = <T,>(v: T): T => {
      if (v !== null && typeof v === 'object') for (const x of Object.values(v)) freeze(x);
      return Object.freeze(v);
    };
    // One quick check for the whole run, so answers remembered for one value set meet the next.
    const check = quickCheckFor(schema)!;
    let valid = 0;
    for (let n = 0; n < 600; n++) {
      if (n % 50 === 0) await turn();
      const data = structuredClone(bases[n % bases.length]!);
      const all = slots(data);
      const { parent, key } = all[Math.floor(rand() * all.length)]!;
      (parent as Record<string | number, Json>)[key] = structuredClone(REPLACEMENTS[Math.floor(rand() * REPLACEMENTS.length)]!);
      const plain = quick!(data);
      const frozen = freeze(structuredClone(data));
      expect(check(frozen)).toBe(plain);
      expect(check(frozen)).toBe(plain);
      // A frozen subtree known valid under one schema, now inside a value set that is not.
      expect(check({ ...frozen, notAKey: 1 })).toBe(false);
      if (plain) valid++;
    }
    expect(valid).toBeGreaterThan(100);
  }, 120_000); // every fixture or many values builds: seconds quiet, more on a loaded machine

  it('leaves to ajv what it cannot judge: non-finite numbers, __proto__ keys, unknown keywords', () => {
    expect(quickCheckFor({ type: 'number' })!(Number.POSITIVE_INFINITY)).toBe(false);
    expect(quickCheckFor({ type: 'object' })!(JSON.parse('{"__proto__": 1}'))).toBe(false);
    expect(quickCheckFor({ type: 'string', format: 'uri' })).toBeUndefined();
    expect(quickCheckFor({ $ref: '#/definitions/a', type: 'string', definitions: { a: {} } })).toBeUndefined();
    expect(quickCheckFor({ minLength: 2 })!('\u{1F600}\u{1F600}')).toBe(true);
    expect(quickCheckFor({ maxLength: 1 })!('\u{1F600}')).toBe(true);
  });
});
