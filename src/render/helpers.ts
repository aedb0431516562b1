/**
 * The closed set of template functions. Each one has the name, argument order and output of its
 * Go template / sprig / Helm counterpart, so the compiler maps a call to the Go function of the
 * same name, and the conformance suite holds both to the same bytes.
 */
import * as crypto from 'node:crypto';
import { sha256 } from '../digest.js';
import { compareGoStrings, formatValue, goQuote, goQuoteRune, GoStruct, toJson, strval } from '../go/fmt.js';
import { toYaml } from '../go/yaml-emit.js';
import { goToLower, goToUpper, goTrimSpace } from '../go/strings.js';
import { float64ToInt64, parseInt0, trimZeroDecimal } from '../go/strconv.js';
import { goTypeName, kindOf, strslice, goEmpty, goTruth } from '../go/template.js';
import { isMap, type Value, type ValueMap } from '../values/types.js';
import { rememberFrozen } from '../values/maps.js';
import { emptyLookup, type LookupFn } from './lookup.js';
import { semverCompare as semverCheck } from '../go/semver.js';
import { SemverError, TemplateError } from '../errors.js';

export type HelperFn = (...args: unknown[]) => unknown;

/**
 * What the helpers keep for one render, as Helm's engine keeps its lookup function per render:
 * where `lookup` reads live objects (nowhere, as `helm template`, unless `render --lookup`), a
 * count of calls whose answer is not a function of their arguments (`randAlphaNum`, and `lookup`
 * reading a cluster; the engine remembers only partials that made none), and sha256sum's last
 * few answers (a chart hashes one config for several Deployments' checksum annotations, and
 * comparing a few strings is far cheaper than hashing one).
 */
export class RenderState {
  impure = 0;
  private readonly sumText: string[] = [];
  private readonly sumHex: string[] = [];
  private sumNext = 0;

  constructor(readonly lookup: LookupFn = emptyLookup) {}

  sha256(text: string): string {
    for (let k = 0; k < this.sumText.length; k++) if (this.sumText[k] === text) return this.sumHex[k]!;
    const sum = sha256(text, 'hex');
    this.sumText[this.sumNext] = text;
    this.sumHex[this.sumNext] = sum;
    this.sumNext = (this.sumNext + 1) % 8;
    return sum;
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Digits without sign, leading zero (octal to cast) or excess length: what ports and counts are, read without the regexes. */
function isPlainDecimal(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 15) return false;
  const c0 = s.charCodeAt(0);
  if (c0 < 0x31 || c0 > 0x39) return n === 1 && c0 === 0x30;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function toInt(v: unknown): bigint {
  // cast.ToInt64 as sprig uses it: invalid input gives 0, never an error.
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'number':
      return float64ToInt64(v);
    case 'boolean':
      return v ? 1n : 0n;
    case 'string':
      if (isPlainDecimal(v)) return BigInt(Number(v)); // exact: at most 15 digits
      return parseInt0(trimZeroDecimal(v)) ?? 0n;
    default:
      return 0n;
  }
}

/**
 * An argument for a Go parameter of type string (sprig's lower, trunc, b64enc, ...): text/template
 * passes strings only, and fails the render on anything else, where strval would print it.
 */
function goString(v: unknown): string {
  if (typeof v === 'string') return v;
  // A nil read from a path is an interface {} holding nil to Go.
  throw new TemplateError(`wrong type for value; expected string; got ${goTypeName(v)}`);
}

/**
 * An argument for a Go parameter of type int (sprig's trunc, indent, nindent, randAlphaNum): an
 * integer only, as text/template checks it; a float64, string or nil fails the render.
 */
function goInt(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  throw new TemplateError(`wrong type for value; expected int; got ${goTypeName(v)}`);
}

/** An argument for a Go parameter of type map[string]interface {} (get, hasKey, keys). */
function goMap(v: unknown): ValueMap {
  if (isMap(v)) return v;
  throw new TemplateError(`wrong type for value; expected map[string]interface {}; got ${goTypeName(v)}`);
}

/** text/template's basicKind: the kind two values must share to be compared; undefined for nil, lists and maps. */
function basicKind(v: unknown): 'int' | 'float' | 'string' | 'bool' | undefined {
  switch (typeof v) {
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      return undefined;
  }
}

/**
 * text/template's eq for one pair: values of one basic kind compare by value (an int never equals
 * a float64: that fails, as in Go); nil equals only nil and is unequal to anything else; two lists
 * or maps cannot be compared.
 */
function basicEq(a: unknown, b: unknown, name = 'eq'): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) {
    if (a === null || b === null) return false;
    throw new TemplateError(`error calling ${name}: incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  }
  if (ka !== undefined) return a === b;
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) {
    throw new TemplateError(`error calling ${name}: non-comparable types ${formatVerb('s', a)}: ${goTypeName(a)}, ${goTypeName(b)}: ${formatValue(b)}`);
  }
  throw new TemplateError(`error calling ${name}: non-comparable type ${formatVerb('s', b)}: ${goTypeName(b)}`);
}

/** text/template's lt (le, gt and ge are made of lt and eq, as in Go): two ints, two float64s or two strings (in Go's byte order). */
function less(name: string, a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === undefined || kb === undefined || (ka === kb && ka === 'bool')) throw new TemplateError(`error calling ${name}: invalid type for comparison`);
  if (ka !== kb) throw new TemplateError(`error calling ${name}: incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  return ka === 'string' ? compareGoStrings(a as string, b as string) < 0 : (a as number) < (b as number);
}

/** Runs of spaces by width, made once: templates indent by a handful of widths. */
const PADS: string[] = [];
/** Far below V8's longest string (2^29 - 24 units), so the pad and a line still fit. */
const MAX_PAD = 1 << 28;

function indent(spaces: unknown, s: unknown): string {
  const n = goInt(spaces);
  if (n < 0) throw new TemplateError('error calling indent: strings: negative Repeat count');
  // Go would try to make the text and run out of memory; JavaScript strings end far sooner.
  if (n > MAX_PAD) throw new TemplateError(`error calling indent: ${n} spaces is more than a string can hold`);
  const pad = n < 64 ? (PADS[n] ??= ' '.repeat(n)) : ' '.repeat(n);
  const str = goString(s);
  // A slice per line: V8 keeps the pieces as a rope, cheaper than replaceAll's copy.
  let out = pad;
  let from = 0;
  for (let nl = str.indexOf('\n'); nl >= 0; nl = str.indexOf('\n', from)) {
    out += str.slice(from, nl + 1) + pad;
    from = nl + 1;
  }
  return from === 0 ? pad + str : out + str.slice(from);
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** text/template's indexArg: an int from 0 to `len` (`len` itself is left to the caller: Go's reflect refuses it with its own words). */
function indexArg(k: unknown, len: number): number {
  if (k === null || k === undefined) throw new TemplateError('error calling index: cannot index slice/array with nil');
  if (typeof k !== 'bigint') throw new TemplateError(`error calling index: cannot index slice/array with type ${goTypeName(k)}`);
  const i = Number(k); // past 2^53 inexact, but still out of range
  if (i < 0 || i > len) throw new TemplateError(`error calling index: index out of range: ${k}`);
  return i;
}

/**
 * sprig's trunc: the first `n` bytes of the UTF-8 text (n < 0: the last -n). A cut inside a
 * character would leave Go with invalid UTF-8, which a JavaScript string cannot hold: that fails.
 */
function truncBytes(c: number, s: string): string {
  const len = byteLength(s);
  let from = 0;
  let to = len;
  if (c < 0 && len + c > 0) from = len + c;
  else if (c >= 0 && len > c) to = c;
  else return s;
  if (len === s.length) return s.slice(from, to); // ASCII: a byte is a character
  const bytes = Buffer.from(s, 'utf8');
  const cut = from > 0 ? from : to;
  if ((bytes[cut]! & 0xc0) === 0x80) {
    throw new TemplateError(`error calling trunc: byte ${cut} of ${goQuote(s)} is inside a character; Go would make invalid UTF-8 of it`);
  }
  return bytes.toString('utf8', from, to);
}

/** Go's strings.Split and Replace with an empty separator: each UTF-8 sequence, that is each code point, apart. */
function codePoints(s: string): string[] {
  return Array.from(s);
}

/**
 * text/template's evalArgs: a single string as it is, else fmt.Sprint of the arguments with a nil
 * (or missing) one as `<no value>`; Sprint puts a space between two operands neither of which is a string.
 */
function sprint(xs: unknown[]): string {
  if (xs.length === 1 && typeof xs[0] === 'string') return xs[0];
  let out = '';
  let prevString = true;
  for (const x of xs) {
    const text = x === null || x === undefined ? '<no value>' : formatValue(x);
    const isString = x === null || x === undefined || typeof x === 'string';
    if (!isString && !prevString) out += ' ';
    out += text;
    prevString = isString;
  }
  return out;
}

/** Go's url.QueryEscape, which text/template's urlquery applies. */
function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/**
 * One operand of %s, %d or %q as Go's fmt prints it: a list or map element by element with the same
 * verb (a nil inside one as `<nil>`), a value of the wrong kind as `%!verb(TYPE=value)`.
 */
function formatVerb(verb: 's' | 'd' | 'q', a: unknown): string {
  if (a === null || a === undefined) return '<nil>';
  if (Array.isArray(a)) return `[${a.map((x) => formatVerb(verb, x)).join(' ')}]`;
  if (a instanceof GoStruct) return `{${Object.values(a).map((x) => formatVerb(verb, x)).join(' ')}}`;
  if (isMap(a)) return `map[${Object.keys(a).sort(compareGoStrings).map((k) => `${formatVerb(verb, k)}:${formatVerb(verb, a[k])}`).join(' ')}]`;
  if (typeof a === 'string' && verb !== 'd') return verb === 's' ? a : goQuote(a);
  // An integer's %q is the character of that code point, quoted (strconv.QuoteRune).
  if (typeof a === 'bigint' && verb !== 's') return verb === 'd' ? a.toString() : goQuoteRune(a);
  return `%!${verb}(${goTypeName(a)}=${formatValue(a)})`;
}

/** Go's fmt for the verbs the chart uses. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const verb = format[++i];
    // The dialect refuses such a format at load time; Go's words all the same, never `undefined`.
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[argi++];
    switch (verb) {
      case 'v':
        out += a === null || a === undefined ? '<nil>' : formatValue(a);
        break;
      case 's':
      case 'd':
      case 'q':
        out += a === null || a === undefined ? `%!${verb}(<nil>)` : formatVerb(verb, a);
        break;
      default:
        throw new TemplateError(`printf: verb %${verb} is not part of the dialect`);
    }
  }
  if (argi < args.length) {
    out += '%!(EXTRA ' + args.slice(argi).map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${formatValue(a)}`)).join(', ') + ')';
  }
  return out;
}

/** sprig's semverCompare (Masterminds/semver): the one semver module, src/go/semver.ts. */
function semverCompare(constraint: string, version: string): boolean {
  try {
    return semverCheck(constraint, version);
  } catch (e) {
    if (e instanceof SemverError) throw new TemplateError(`error calling semverCompare: ${e.message}`);
    throw e;
  }
}

/**
 * Plain functions, called with positional arguments only. `include` and renderHelpers are bound by the engine. None
 * changes an object it is given (no sprig set/unset/merge): the engine's memo relies on it, as an
 * object then stands for its contents for a whole render (test/render/engine.test.ts holds every
 * helper to it).
 */
export const HELPERS: Record<string, HelperFn> = {
  // Frozen trees (defaults a reused renderer shares between renders) always print the same.
  toYaml: rememberFrozen(toYaml),
  toJson: rememberFrozen(toJson),
  indent: (n, s) => indent(n, s),
  nindent: (n, s) => '\n' + indent(n, s),
  quote: function (x: unknown): string {
    // One argument is the common case: no rest array, no filter/map/join.
    if (arguments.length === 1) return x === null || x === undefined ? '' : goQuote(strval(x));
    return Array.prototype.filter
      .call(arguments, (a: unknown) => a !== null && a !== undefined)
      .map((a) => goQuote(strval(a)))
      .join(' ');
  },
  squote: (...xs) =>
    xs
      .filter((x) => x !== null && x !== undefined)
      .map((x) => `'${strval(x)}'`)
      .join(' '),
  default: function (d: unknown, given: unknown): unknown {
    return arguments.length < 2 || !goTruth(given) ? d : given;
  },
  required: (msg, v) => {
    const warn = goString(msg); // a string parameter: checked whether or not the value is there
    if (v === null || v === undefined || v === '') throw new TemplateError(warn);
    return v;
  },
  fail: (msg) => {
    throw new TemplateError(goString(msg));
  },
  b64enc: (s) => Buffer.from(goString(s), 'utf8').toString('base64'),
  // sprig 3.3.0 (Helm 3.16+): hex SHA-512 of the string.
  sha512sum: (s) => crypto.createHash('sha512').update(goString(s), 'utf8').digest('hex'),
  trunc: (n, s) => truncBytes(goInt(n), goString(s)),
  trimSuffix: (suf, s) => {
    const str = goString(s);
    const x = goString(suf);
    return x !== '' && str.endsWith(x) ? str.slice(0, str.length - x.length) : str;
  },
  trimPrefix: (pre, s) => {
    const str = goString(s);
    const x = goString(pre);
    return x !== '' && str.startsWith(x) ? str.slice(x.length) : str;
  },
  trim: (s) => goTrimSpace(goString(s)),
  lower: (s) => goToLower(goString(s)),
  upper: (s) => goToUpper(goString(s)),
  replace: (o, n, s) => {
    const str = goString(s);
    const old = goString(o);
    const by = goString(n);
    // Go matches an empty string before each code point and at the end, not between UTF-16 halves.
    return old === '' ? by + codePoints(str).join(by) + (str === '' ? '' : by) : str.replaceAll(old, by);
  },
  printf: (f, ...args) => sprintf(goString(f), args),
  dict: (...kv) => {
    const m: ValueMap = {};
    for (let i = 0; i < kv.length; i += 2) {
      const key = strval(kv[i]);
      const v = (i + 1 < kv.length ? kv[i + 1] : '') as Value;
      // `__proto__` is an ordinary key of a Go map; assigning it would set the prototype.
      if (key === '__proto__') Object.defineProperty(m, key, { value: v, enumerable: true, writable: true, configurable: true });
      else m[key] = v;
    }
    return m;
  },
  list: (...xs) => xs,
  // Go checks the arguments' types before sprig runs: anything but a map and a string key fails the render.
  get: (m, k) => {
    const map = goMap(m);
    const key = goString(k);
    return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : '';
  },
  hasKey: (m, k) => Object.prototype.hasOwnProperty.call(goMap(m), goString(k)),
  index: (x, ...keys) => {
    if (x === null || x === undefined) throw new TemplateError('error calling index: index of untyped nil');
    let cur: unknown = x;
    for (const k of keys) {
      if (cur === null || cur === undefined) throw new TemplateError('error calling index: index of nil pointer');
      if (Array.isArray(cur)) {
        const i = indexArg(k, cur.length);
        if (i === cur.length) throw new TemplateError('error calling index: reflect: slice index out of range');
        cur = cur[i];
      } else if (typeof cur === 'string') {
        // A string is indexed by byte, and gives the byte (Go's uint8).
        const bytes = Buffer.from(cur, 'utf8');
        const i = indexArg(k, bytes.length);
        if (i === bytes.length) throw new TemplateError('error calling index: reflect: string index out of range');
        cur = BigInt(bytes[i]!);
      } else if (isMap(cur)) {
        if (typeof k !== 'string') {
          throw new TemplateError(`error calling index: ${k === null || k === undefined ? 'value is nil; should be of type string' : `value has type ${goTypeName(k)}; should be string`}`);
        }
        cur = Object.prototype.hasOwnProperty.call(cur, k) ? cur[k] : null;
      } else {
        throw new TemplateError(`error calling index: can't index item of type ${goTypeName(cur)}`);
      }
    }
    return cur;
  },
  eq: function (a: unknown, b: unknown): boolean {
    if (arguments.length === 2) return basicEq(a, b);
    for (let i = 1; i < arguments.length; i++) if (basicEq(a, arguments[i])) return true;
    return false;
  },
  ne: (a, b) => !basicEq(a, b, 'ne'),
  lt: (a, b) => less('lt', a, b),
  // Go's le is lt or eq, gt is not le, ge is not lt: NaN is neither less nor equal, so gt of it is true.
  le: (a, b) => less('le', a, b) || basicEq(a, b),
  gt: (a, b) => !(less('gt', a, b) || basicEq(a, b)),
  ge: (a, b) => !less('ge', a, b),
  and: function (): unknown {
    const n = arguments.length;
    for (let i = 0; i < n - 1; i++) if (!goTruth(arguments[i])) return arguments[i];
    return arguments[n - 1];
  },
  or: function (): unknown {
    const n = arguments.length;
    for (let i = 0; i < n - 1; i++) if (goTruth(arguments[i])) return arguments[i];
    return arguments[n - 1];
  },
  not: (x) => !goTruth(x),
  empty: (x) => goEmpty(x),
  ternary: (a, b, c) => {
    if (typeof c !== 'boolean') throw new TemplateError(`wrong type for value; expected bool; got ${goTypeName(c)}`);
    return c ? a : b;
  },
  join: (sep, l) => strslice(l).join(goString(sep)),
  toString: (x: unknown) => strval(x),
  int: (x) => toInt(x),
  // int64 arithmetic: wraps around as Go's does.
  add: (...xs) => xs.reduce<bigint>((acc: bigint, x: unknown) => BigInt.asIntN(64, acc + toInt(x)), 0n),
  sub: (a, b) => BigInt.asIntN(64, toInt(a) - toInt(b)),
  len: (x) => {
    if (typeof x === 'string') return BigInt(byteLength(x));
    if (Array.isArray(x)) return BigInt(x.length);
    if (isMap(x)) return BigInt(Object.keys(x).length);
    throw new TemplateError(`error calling len: len of ${x === null || x === undefined ? 'untyped nil' : kindOf(x)}`);
  },
  contains: (sub, s) => goString(s).includes(goString(sub)),
  hasPrefix: (p, s) => goString(s).startsWith(goString(p)),
  hasSuffix: (x, s) => goString(s).endsWith(goString(x)),
  kindIs: (k, x) => kindOf(x) === goString(k),
  splitList: (sep, s) => {
    const str = goString(s);
    const by = goString(sep);
    return by === '' ? codePoints(str) : str.split(by);
  },
  // sprig: a list's strings in Go's byte order; anything else is a one-item list of its %v (nil: "<nil>").
  sortAlpha: (l) => (Array.isArray(l) ? strslice(l).sort(compareGoStrings) : [l === null || l === undefined ? '<nil>' : strval(l)]),
  // Go's map order is random: sorted here, and templates sort again (sortAlpha) to print them alike.
  keys: (...ms) => ms.flatMap((m) => Object.keys(goMap(m))).sort(),
  coalesce: (...xs) => {
    for (const x of xs) if (!goEmpty(x)) return x;
    return null;
  },
  urlquery: (...xs) => queryEscape(sprint(xs)),
  semverCompare: (c, v) => semverCompare(goString(c), goString(v)),
};

/** The helpers whose answers depend on the render they run in (its lookup, its draws, its hash cache), bound to `state()`, the render under way. */
export function renderHelpers(state: () => RenderState): Record<string, HelperFn> {
  return {
    sha256sum: (s) => state().sha256(goString(s)),
    randAlphaNum: (n) => {
      let s = '';
      const count = goInt(n);
      state().impure++;
      for (let i = 0; i < count; i++) s += ALNUM[crypto.randomInt(ALNUM.length)];
      return s;
    },
    lookup: (apiVersion, kind, ns, name) => {
      const st = state();
      if (st.lookup !== emptyLookup) st.impure++;
      return st.lookup(goString(apiVersion), goString(kind), goString(ns), goString(name));
    },
  };
}

/** Block helpers: Go's if/unless/with/range under Handlebars' names. */
export const BLOCK_HELPERS = ['if', 'unless', 'with', 'each'] as const;

/** Every name a template may call; `include` is bound per engine because it needs the partials. */
export const HELPER_NAMES: ReadonlySet<string> = new Set([...Object.keys(HELPERS), ...Object.keys(renderHelpers(() => new RenderState())), 'include']);
