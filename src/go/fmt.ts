/**
 * Go's printers, as Helm's engine uses them: `fmt`'s `%v` (what `{{ x }}` prints), `strconv.Quote`
 * (`%q`, sprig's `quote`) and `encoding/json.Marshal` (Helm's `toJson`).
 *
 * Values follow src/values/types.ts: a JS `number` is a Go float64, a `bigint` a Go int64.
 * Go's behaviour is that of the Go release Helm 3.15 is built with (Go 1.22): json.Marshal writes
 * U+0008 and U+000C as `\b` and `\f` (Go 1.19 to 1.21 wrote `\u0008`, `\u000c`); what is printable
 * is Go's Unicode 15.0.0 (unicode.ts), whatever Unicode the running Node.js has.
 */
import { MarshalError } from '../errors.js';
import { isGoPrint } from './unicode.js';

// ---------------------------------------------------------------------------------------------
// Floats

/** The shortest decimal digits of a finite `a > 0` and its decimal exponent: a = d.ddd × 10^exp. */
function shortestDigits(a: number): { digits: string; exp: number } {
  // toExponential() without an argument gives the shortest round-tripping digits (the closest
  // when several are as short), as Go's strconv does for precision -1.
  const s = a.toExponential();
  const e = s.indexOf('e');
  const digits = e > 1 ? s[0] + s.slice(2, e) : s.slice(0, e);
  return { digits, exp: Number(s.slice(e + 1)) };
}

function expSuffix(exp: number): string {
  const abs = exp < 0 ? -exp : exp;
  return (exp < 0 ? 'e-' : 'e+') + (abs < 10 ? '0' + abs : String(abs));
}

/**
 * Go's `strconv.FormatFloat(f, 'g', -1, bits)`, which for 64 bits is also what `%v` prints for a
 * float64 (with `+Inf`, `-Inf`, `NaN`): the shortest digits that read back as the same float64
 * (or float32: sigs.k8s.io/yaml turns float map keys into text this way), in exponent form when
 * the decimal exponent is below -4 or at least 6 (1e+06, 1.234567e+06, 1e-05), the exponent with
 * at least two digits.
 */
export function formatFloatG(f: number, bits: 32 | 64 = 64): string {
  if (bits === 32) f = Math.fround(f); // Go converts to float32 first: 1e300 is +Inf
  if (f !== f) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const sign = f < 0 ? '-' : '';
  // The double whose shortest digits are the float's: the float64 itself, or for a float32 the
  // double of the fewest digits that still rounds to it.
  const a = bits === 32 ? shortestFloat32(f < 0 ? -f : f) : f < 0 ? -f : f;
  // Decimal exponent in [-4, 5]: fixed notation with the shortest digits, which is what JS prints.
  if (a >= 1e-4 && a < 1e6) return sign + String(a);
  const { digits, exp } = shortestDigits(a);
  const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  return sign + mant + expSuffix(exp);
}

function shortestFloat32(abs: number): number {
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(abs.toPrecision(p));
    if (Math.fround(candidate) === abs) return candidate;
  }
  return abs;
}

/**
 * A float64 as encoding/json writes it: fixed notation, exponent form (`1e+21`, `1e-7`) only below
 * 1e-6 or from 1e21. `undefined` for NaN and infinities, which json.Marshal refuses.
 */
export function formatJsonFloat(f: number): string | undefined {
  if (f !== f || f === Infinity || f === -Infinity) return undefined;
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  // JS switches to exponent form at exactly the same thresholds, and writes the exponent as Go
  // does after encoding/json's clean-up (e-07 -> e-7).
  return String(f);
}

// ---------------------------------------------------------------------------------------------
// Strings

/**
 * Go's string order (bytes of UTF-8), for sorting map keys as fmt and encoding/json do. It equals
 * UTF-16 order except that characters above U+FFFF sort after U+E000..U+FFFF.
 */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        const xs = x <= 0xdfff;
        const ys = y <= 0xdfff;
        if (xs !== ys) return xs ? 1 : -1;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

function sortedKeys(m: object): string[] {
  return Object.keys(m).sort(compareGoStrings);
}

const QUOTE_PLAIN_RE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const HEX = '0123456789abcdef';
/** The control characters strconv escapes by letter (in strings and runes alike). */
const RUNE_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };

function hexPad(n: number, width: number): string {
  let s = n.toString(16);
  while (s.length < width) s = '0' + s;
  return s;
}

/** Go's strconv.Quote (`%q`): printable characters as they are, the others escaped. */
export function goQuote(s: string): string {
  if (QUOTE_PLAIN_RE.test(s)) return '"' + s + '"';
  const parts: string[] = ['"'];
  let start = 0;
  const n = s.length;
  let i = 0;
  while (i < n) {
    let c = s.charCodeAt(i);
    let w = 1;
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) {
      i++;
      continue;
    }
    let esc: string | undefined;
    if (c < 0x80) {
      esc = c === 0x22 ? '\\"' : c === 0x5c ? '\\\\' : (RUNE_ESCAPES[c] ?? '\\x' + HEX[c >> 4] + HEX[c & 15]);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const lo = s.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
          w = 2;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        // A lone surrogate has no UTF-8 form; Go's strings from JSON/YAML carry U+FFFD instead.
        esc = '\ufffd';
      } else if (!isGoPrint(c)) {
        esc = c < 0x10000 ? '\\u' + hexPad(c, 4) : '\\U' + hexPad(c, 8);
      }
    }
    if (esc !== undefined) {
      if (start < i) parts.push(s.slice(start, i));
      parts.push(esc);
      start = i + w;
    }
    i += w;
  }
  if (start < n) parts.push(s.slice(start));
  parts.push('"');
  return parts.join('');
}

/**
 * `%q` of an integer (fmt's fmtQc): strconv.QuoteRune of that code point, U+FFFD for one that is
 * not a valid rune (negative, a surrogate, past U+10FFFF).
 */
export function goQuoteRune(n: bigint): string {
  const r = n < 0n || n > 0x10ffffn || (n >= 0xd800n && n <= 0xdfffn) ? 0xfffd : Number(n);
  if (r === 0x27 || r === 0x5c) return `'\\${String.fromCharCode(r)}'`;
  if (isGoPrint(r)) return `'${String.fromCodePoint(r)}'`;
  const named = RUNE_ESCAPES[r];
  if (named !== undefined) return `'${named}'`;
  if (r < 0x20 || r === 0x7f) return `'\\x${HEX[r >> 4]}${HEX[r & 15]}'`;
  return r < 0x10000 ? `'\\u${hexPad(r, 4)}'` : `'\\U${hexPad(r, 8)}'`;
}

// ---------------------------------------------------------------------------------------------
// Go structs

/**
 * A Go struct a template reads as a map here (Capabilities.KubeVersion). Its enumerable own fields
 * are the struct's exported fields in declaration order (a method a template calls, such as
 * GitVersion, is a non-enumerable own property): fmt prints them as `{a b}` and encoding/json
 * writes them in that order, where a map would be printed `map[k:v]` and sorted.
 */
export abstract class GoStruct {
  /**
   * What its String() method gives, when it has one (undefined: none). text/template calls it
   * only for a value it prints itself from a field (addressable, so the pointer method applies);
   * a function's argument or result is printed as the struct.
   */
  abstract goString(): string | undefined;
}

// ---------------------------------------------------------------------------------------------
// %v

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function formatInto(v: unknown, parts: string[]): void {
  switch (typeof v) {
    case 'string':
      parts.push(v);
      return;
    case 'number':
      parts.push(formatFloatG(v));
      return;
    case 'bigint':
      parts.push(v.toString());
      return;
    case 'boolean':
      parts.push(v ? 'true' : 'false');
      return;
    case 'undefined':
      parts.push('<nil>');
      return;
    default:
  }
  if (v === null) {
    parts.push('<nil>');
  } else if (Array.isArray(v)) {
    parts.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) parts.push(' ');
      formatInto(v[i], parts);
    }
    parts.push(']');
  } else if (v instanceof GoStruct) {
    const fields = Object.values(v);
    parts.push('{');
    for (let i = 0; i < fields.length; i++) {
      if (i > 0) parts.push(' ');
      formatInto(fields[i], parts);
    }
    parts.push('}');
  } else if (isPlainMap(v)) {
    parts.push('map[');
    const keys = sortedKeys(v);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (i > 0) parts.push(' ');
      parts.push(k, ':');
      formatInto(v[k], parts);
    }
    parts.push(']');
  } else {
    parts.push(String(v));
  }
}

/**
 * Go's `%v` of a value held in an interface{}: as formatValue, but nil prints `<nil>`. It is
 * sprig's strval (what sprig functions make of a non-string argument) and what Helm's coalescing
 * warnings print.
 */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  const parts: string[] = [];
  formatInto(v, parts);
  return parts.join('');
}

/**
 * What `{{ v }}` prints: Go's `%v`. Floats as formatFloatG, int64 in decimal, lists `[a b]`, maps
 * `map[a:1 b:2]` in sorted key order, null inside a list or map `<nil>`. A null or missing value
 * itself gives "" here; the engine's print makes it text/template's `<no value>`.
 */
export function formatValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return formatFloatG(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return '';
    default:
  }
  if (v === null) return '';
  const parts: string[] = [];
  formatInto(v, parts);
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// encoding/json

/** Characters json.Marshal escapes (HTML-safe by default), plus surrogates to check pairing. */
const JSON_PLAIN_RE = /^[^\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]*$/;

/** A string as encoding/json writes it, quotes included. */
export function jsonString(s: string): string {
  if (JSON_PLAIN_RE.test(s)) return '"' + s + '"';
  const parts: string[] = ['"'];
  let start = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let esc: string;
    if (c < 0x20) {
      switch (c) {
        case 0x0a: esc = '\\n'; break;
        case 0x0d: esc = '\\r'; break;
        case 0x09: esc = '\\t'; break;
        case 0x08: esc = '\\b'; break;
        case 0x0c: esc = '\\f'; break;
        default: esc = '\\u00' + HEX[c >> 4] + HEX[c & 15];
      }
    } else if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c === 0x3c) esc = '\\u003c';
    else if (c === 0x3e) esc = '\\u003e';
    else if (c === 0x26) esc = '\\u0026';
    else if (c === 0x2028) esc = '\\u2028';
    else if (c === 0x2029) esc = '\\u2029';
    else if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < n) {
        const lo = s.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          i++;
          continue;
        }
      }
      esc = '\\ufffd'; // invalid UTF-8 in Go
    } else continue;
    if (start < i) parts.push(s.slice(start, i));
    parts.push(esc);
    start = i + 1;
  }
  if (start < n) parts.push(s.slice(start));
  parts.push('"');
  return parts.join('');
}

function jsonInto(v: unknown, parts: string[]): void {
  switch (typeof v) {
    case 'string':
      parts.push(jsonString(v));
      return;
    case 'number': {
      const t = formatJsonFloat(v);
      if (t === undefined) throw new MarshalError();
      parts.push(t);
      return;
    }
    case 'bigint':
      parts.push(v.toString());
      return;
    case 'boolean':
      parts.push(v ? 'true' : 'false');
      return;
    case 'undefined':
      parts.push('null');
      return;
    default:
  }
  if (v === null) {
    parts.push('null');
  } else if (Array.isArray(v)) {
    parts.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) parts.push(',');
      jsonInto(v[i], parts);
    }
    parts.push(']');
  } else if (isPlainMap(v)) {
    parts.push('{');
    // A struct's fields in declaration order (none of them with a JSON tag or omitempty).
    const keys = v instanceof GoStruct ? Object.keys(v) : sortedKeys(v);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (i > 0) parts.push(',');
      parts.push(jsonString(k), ':');
      jsonInto(v[k], parts);
    }
    parts.push('}');
  } else {
    throw new MarshalError();
  }
}

/**
 * Helm's `toJson`: Go's json.Marshal (keys sorted, `<`, `>`, `&`, U+2028, U+2029 escaped), or ""
 * where Marshal fails (NaN, infinities), as Helm swallows the error.
 */
export function toJson(v: unknown): string {
  const parts: string[] = [];
  try {
    jsonInto(v, parts);
  } catch (e) {
    if (e instanceof MarshalError) return '';
    throw e;
  }
  return parts.join('');
}
