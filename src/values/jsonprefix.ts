/**
 * One JSON value at the start of a string, read the way Go's json.Decoder reads it for
 * --set-json: it stops right after the value, so `a=[1,2],b=3` leaves `,b=3` for the parser; and
 * an escaped lone surrogate read as Go reads it.
 */
import { setKey } from './maps.js';
import type { Value, ValueMap } from './types.js';

/**
 * The length of the JSON value that starts `s` (after JSON whitespace), where Go's decoder
 * would stop: right after a closing bracket, quote or literal, or at the first character that
 * cannot continue a number. Throws, as Go does, where the value is cut short or malformed
 * at its edges; JSON.parse then checks the inside.
 */
export function scanJsonValue(s: string): number {
  let i = 0;
  while (i < s.length && ' \t\n\r'.includes(s[i] as string)) i++;
  const c = s[i];
  if (c === undefined) throw new Error('unexpected end of JSON input');
  if (c === '{' || c === '[') return scanContainer(s, i);
  if (c === '"') return scanString(s, i);
  if (c === '-' || (c >= '0' && c <= '9')) return scanNumber(s, i);
  for (const lit of ['true', 'false', 'null']) {
    if (lit[0] === c) {
      for (let j = 0; j < lit.length; j++) {
        if (s[i + j] === undefined) throw new Error('unexpected end of JSON input');
        if (s[i + j] !== lit[j]) throw new Error(`invalid character '${s[i + j]}' in literal ${lit} (expecting '${lit[j]}')`);
      }
      return i + lit.length;
    }
  }
  throw new Error(`invalid character '${c}' looking for beginning of value`);
}

function scanString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '"') return j + 1;
  }
  throw new Error('unexpected end of JSON input');
}

function scanContainer(s: string, i: number): number {
  const closers: string[] = [];
  for (let j = i; j < s.length; j++) {
    const c = s[j] as string;
    if (c === '"') {
      j = scanString(s, j) - 1;
    } else if (c === '{' || c === '[') {
      closers.push(c === '{' ? '}' : ']');
    } else if (c === '}' || c === ']') {
      if (closers.pop() !== c) throw new Error(`invalid character '${c}' in JSON value`);
      if (closers.length === 0) return j + 1;
    }
  }
  throw new Error('unexpected end of JSON input');
}

function scanNumber(s: string, i: number): number {
  const digits = (from: number): number => {
    let j = from;
    while (j < s.length && (s[j] as string) >= '0' && (s[j] as string) <= '9') j++;
    return j;
  };
  const need = (j: number, what: string): void => {
    const c = s[j];
    if (c === undefined) throw new Error('unexpected end of JSON input');
    if (c < '0' || c > '9') throw new Error(`invalid character '${c}' ${what}`);
  };
  let j = i;
  if (s[j] === '-') {
    j++;
    need(j, 'in numeric literal');
  }
  j = s[j] === '0' ? j + 1 : digits(j);
  if (s[j] === '.') {
    need(j + 1, 'after decimal point in numeric literal');
    j = digits(j + 1);
  }
  if (s[j] === 'e' || s[j] === 'E') {
    j++;
    if (s[j] === '+' || s[j] === '-') j++;
    need(j, 'in exponent of numeric literal');
    j = digits(j);
  }
  return j;
}

/** Go's decoder refuses numbers a float64 cannot hold; JSON.parse makes them Infinity. */
export function finiteJson(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(finiteJson);
  if (typeof v === 'object' && v !== null) return Object.values(v).every(finiteJson);
  return true;
}

/**
 * `value`, parsed from `json`, as Go's decoder makes it: an escaped lone surrogate (`"\ud800"`,
 * the only way JSON text from a command line holds one) is U+FFFD, in strings and keys alike.
 */
export function withGoSurrogates(json: string, value: unknown): unknown {
  return SURROGATE_ESCAPE.test(json) ? wellFormed(value) : value;
}

/** What may be a `\u` escape of a surrogate: a cheap first test. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const fixText = (s: string): string => s.replace(LONE_SURROGATE, '\ufffd');

function wellFormed(v: unknown): unknown {
  if (typeof v === 'string') return fixText(v);
  if (Array.isArray(v)) return v.map(wellFormed);
  if (v !== null && typeof v === 'object') {
    const out: ValueMap = {};
    for (const [k, x] of Object.entries(v)) setKey(out, fixText(k), wellFormed(x) as Value);
    return out;
  }
  return v;
}
