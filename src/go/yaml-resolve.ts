/**
 * go-yaml v2's resolve(): how an untagged plain scalar is typed. Helm 3 reads values through
 * sigs.k8s.io/yaml (a go-yaml v2 fork) and its toYaml writes through yaml.v2, so one port serves
 * both: the values reader takes the typed value (resolvePlain, and keyString for map keys as
 * sigs.k8s.io/yaml turns them into strings); the emitter (yaml-emit.ts) asks only whether a
 * string's plain form would read back as something else (resolveTag, isBase60Float) and quotes it.
 * The `yaml` package's own YAML 1.1 schema differs in details (sexagesimal numbers, `1e3` as a
 * string, `y`/`n`, timestamps as dates), so scalars are read as text and typed here.
 */
import { formatFloatG } from './fmt.js';

export type Resolved =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint } // fits int64
  | { kind: 'uint'; value: bigint } // above int64, fits uint64
  | { kind: 'float'; value: number } // may be ±Infinity or NaN (`.inf`, `.nan`)
  | { kind: 'str'; value: string };

/** The tag resolve() gives: a Resolved kind, or a timestamp (which decodes into interface{} as its text). */
export type Tag = Resolved['kind'] | 'timestamp';

/** resolve()'s table of words. */
const MAPPED: ReadonlyMap<string, Resolved> = (() => {
  const m = new Map<string, Resolved>();
  const add = (r: Resolved, words: string[]): void => words.forEach((w) => m.set(w, r));
  add({ kind: 'bool', value: true }, ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
  add({ kind: 'bool', value: false }, ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
  add({ kind: 'null' }, ['', '~', 'null', 'Null', 'NULL']);
  add({ kind: 'float', value: NaN }, ['.nan', '.NaN', '.NAN']);
  add({ kind: 'float', value: Infinity }, ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']);
  add({ kind: 'float', value: -Infinity }, ['-.inf', '-.Inf', '-.INF']);
  return m;
})();

// go-yaml's yamlStyleFloat.
const YAML_STYLE_FLOAT_RE = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** What strconv.ParseFloat accepts from a string starting with '.' (underscores between digits). */
const DOT_FLOAT_RE = /^\.[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+(?:_[0-9]+)*)?$/;
const BASE60_FLOAT_RE = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const UNDERSCORE_RE = /_/g;

/**
 * resolve()'s tag for an untagged plain scalar, in go-yaml v2's order: the table of words; then by
 * the first character a float starting with '.', a timestamp, ParseInt, ParseUint (underscores
 * removed), a yamlStyleFloat that ParseFloat reads finite, the `0b` forms; else a string.
 */
export function resolveTag(s: string): Tag {
  if (s.length === 0) return 'null';
  const c = s.charCodeAt(0);
  let hint: number; // 1 words only, 2 '.', 3 digit or sign
  if (c === 0x2b || c === 0x2d || (c >= 0x30 && c <= 0x39)) hint = 3;
  else if (c === 0x2e) hint = 2;
  else if ('yYnNtTfFoO~'.indexOf(s[0]!) >= 0) hint = 1;
  else return 'str';
  const mapped = MAPPED.get(s);
  if (mapped) return mapped.kind;
  if (hint === 1) return 'str';
  // ParseFloat fails on overflow (`.1e400`), and the scalar stays a string.
  if (hint === 2) return DOT_FLOAT_RE.test(s) && Number.isFinite(Number(s.replace(UNDERSCORE_RE, ''))) ? 'float' : 'str';
  if (isGoTimestamp(s)) return 'timestamp';
  const plain = s.indexOf('_') >= 0 ? s.replace(UNDERSCORE_RE, '') : s;
  if (goParseIntOk(plain, 0)) return 'int';
  if (goParseUintOk(plain, 0)) return 'uint';
  if (YAML_STYLE_FLOAT_RE.test(plain) && Number.isFinite(Number(plain))) return 'float';
  if (plain.startsWith('0b')) {
    const rest = plain.slice(2);
    if (goParseIntOk(rest, 2)) return 'int';
    if (goParseUintOk(rest, 2)) return 'uint';
  } else if (plain.startsWith('-0b') && goParseIntOk('-' + plain.slice(3), 2)) {
    return 'int';
  }
  return 'str';
}

/** resolve() with the value, as decoding into interface{} gives it (a timestamp keeps its text). */
export function resolvePlain(text: string): Resolved {
  const mapped = MAPPED.get(text);
  if (mapped) return mapped;
  switch (resolveTag(text)) {
    case 'int':
      return { kind: 'int', value: goInt(text) };
    case 'uint':
      return { kind: 'uint', value: goInt(text) };
    case 'float':
      return { kind: 'float', value: Number(text.replace(UNDERSCORE_RE, '')) };
    default:
      return { kind: 'str', value: text };
  }
}

/** The value of an integer resolveTag accepted: underscores dropped, a sign, a base prefix or decimal. */
function goInt(text: string): bigint {
  const s = text.replace(UNDERSCORE_RE, '');
  const c = s.charCodeAt(0);
  const n = BigInt(prefixed(c === 0x2b || c === 0x2d ? s.slice(1) : s));
  return c === 0x2d ? -n : n;
}

/**
 * sigs.k8s.io/yaml's string for a non-string map key; undefined where it refuses the key type
 * (null, and integers beyond int64 which go-yaml hands over as uint64).
 */
export function keyString(r: Resolved): string | undefined {
  switch (r.kind) {
    case 'str':
      return r.value;
    case 'bool':
      return r.value ? 'true' : 'false';
    case 'int':
      return r.value.toString();
    case 'float': {
      const s = formatFloatG(r.value, 32);
      return s === '+Inf' ? '.inf' : s === '-Inf' ? '-.inf' : s === 'NaN' ? '.nan' : s;
    }
    default:
      return undefined;
  }
}

/** Whether Go's strconv.ParseUint(s, base, 64) succeeds (base 0: prefixes 0b 0o 0x 0). */
function goParseUintOk(s: string, base: number): boolean {
  if (s.length === 0) return false;
  if (base === 0) {
    base = 10;
    if (s.charCodeAt(0) === 0x30) {
      const p = s.length >= 3 ? s.charCodeAt(1) | 0x20 : 0;
      if (p === 0x62) { base = 2; s = s.slice(2); }
      else if (p === 0x6f) { base = 8; s = s.slice(2); }
      else if (p === 0x78) { base = 16; s = s.slice(2); }
      else { base = 8; s = s.slice(1); }
    }
  }
  let value = 0;
  let big: bigint | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) d = (c | 0x20) - 0x61 + 10;
    else return false; // '_' never reaches here: yaml.v2 removed them
    if (d >= base) return false;
    if (big === undefined && value < 0x100000000) {
      value = value * base + d; // exact: below 2^38
    } else {
      big = (big ?? BigInt(value)) * BigInt(base) + BigInt(d);
    }
  }
  return big === undefined || big <= 0xffffffffffffffffn;
}

/** Whether Go's strconv.ParseInt(s, base, 64) succeeds. */
function goParseIntOk(s: string, base: number): boolean {
  if (s.length === 0) return false;
  let neg = false;
  const c = s.charCodeAt(0);
  if (c === 0x2b || c === 0x2d) {
    neg = c === 0x2d;
    s = s.slice(1);
  }
  if (!goParseUintOk(s, base)) return false;
  // Range: magnitude below 2^63 (at most 2^63 when negative).
  let mag: bigint;
  try {
    mag = BigInt(base === 2 ? '0b' + s : base === 0 ? prefixed(s) : s);
  } catch {
    return false;
  }
  return neg ? mag <= 0x8000000000000000n : mag < 0x8000000000000000n;
}

/** A base-0 Go integer literal in the form BigInt() reads. */
function prefixed(s: string): string {
  if (s.length >= 3 && s.charCodeAt(0) === 0x30) {
    const p = s.charCodeAt(1) | 0x20;
    if (p === 0x62 || p === 0x6f || p === 0x78) return '0' + String.fromCharCode(p) + s.slice(2);
  }
  if (s.length > 1 && s.charCodeAt(0) === 0x30) return '0o' + s.slice(1);
  return s;
}

/** yaml.v2's isBase60Float: quoted on output though yaml.v2 no longer reads it as a number. */
export function isBase60Float(s: string): boolean {
  const c = s.charCodeAt(0);
  if (!(c === 0x2b || c === 0x2d || (c >= 0x30 && c <= 0x39)) || s.indexOf(':') < 0) return false;
  return BASE60_FLOAT_RE.test(s);
}

// yaml.v2 parseTimestamp: YYYY- then one of these time.Parse layouts (Go 1.20+ rules).
//   "2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00",
//   "2006-1-2 15:4:5.999999999", "2006-1-2"

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

/** time's getnum(s, false) at position i: one or two digits; returns [value, next] or undefined. */
function getnum(s: string, i: number): [number, number] | undefined {
  if (!isDigitAt(s, i)) return undefined;
  if (!isDigitAt(s, i + 1)) return [s.charCodeAt(i) - 0x30, i + 1];
  return [(s.charCodeAt(i) - 0x30) * 10 + s.charCodeAt(i + 1) - 0x30, i + 2];
}

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isGoTimestamp(s: string): boolean {
  let i = 0;
  while (i < s.length && isDigitAt(s, i)) i++;
  if (i !== 4 || i === s.length || s.charCodeAt(i) !== 0x2d) return false;
  const year = Number(s.slice(0, 4));
  const mo = getnum(s, 5);
  if (!mo || mo[0] < 1 || mo[0] > 12 || s.charCodeAt(mo[1]) !== 0x2d) return false;
  const dy = getnum(s, mo[1] + 1);
  if (!dy) return false;
  const dayOk = dy[0] >= 1 && dy[0] <= daysIn(mo[0], year);
  let p = dy[1];
  if (p === s.length) return dayOk; // "2006-1-2"
  const sep = s.charCodeAt(p);
  let tz: boolean;
  if (sep === 0x54 || sep === 0x74) {
    tz = true;
    p++;
  } else if (sep === 0x20) {
    tz = false;
    while (p < s.length && s.charCodeAt(p) === 0x20) p++; // a layout space matches any run of spaces
  } else {
    return false;
  }
  const hh = getnum(s, p);
  if (!hh || hh[0] >= 24 || s.charCodeAt(hh[1]) !== 0x3a) return false;
  const mm = getnum(s, hh[1] + 1);
  if (!mm || mm[0] >= 60 || s.charCodeAt(mm[1]) !== 0x3a) return false;
  const ss = getnum(s, mm[1] + 1);
  if (!ss || ss[0] >= 60) return false;
  p = ss[1];
  // Optional fraction: '.' or ',' and digits.
  const f = s.charCodeAt(p);
  if ((f === 0x2e || f === 0x2c) && isDigitAt(s, p + 1)) {
    p += 2;
    while (isDigitAt(s, p)) p++;
  }
  if (tz) {
    if (s.charCodeAt(p) === 0x5a) {
      p++;
    } else {
      // ±hh:mm, two digits each, hour at most 24, minute at most 60.
      if (s.length - p < 6 || s.charCodeAt(p + 3) !== 0x3a) return false;
      const sign = s.charCodeAt(p);
      if (!isDigitAt(s, p + 1) || !isDigitAt(s, p + 2) || !isDigitAt(s, p + 4) || !isDigitAt(s, p + 5)) return false;
      const th = Number(s.slice(p + 1, p + 3));
      const tm = Number(s.slice(p + 4, p + 6));
      if (th > 24 || tm > 60 || (sign !== 0x2b && sign !== 0x2d)) return false;
      p += 6;
    }
  }
  return p === s.length && dayOk;
}
