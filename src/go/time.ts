/**
 * Go's time.Time as encoding/json reads and writes it: UnmarshalJSON parses the JSON text between
 * the quotes, escapes and all (it does not unescape it), as time.Parse(time.RFC3339, ...) does;
 * MarshalJSON prints RFC3339Nano (a zero offset as `Z`, the fraction's trailing zeros dropped) and
 * refuses an offset of 24 hours or more. Go's fast path for RFC 3339 accepts a subset of what the
 * general parser accepts and gives the same time, so only the general parser is ported here, for
 * the one layout.
 */

const LAYOUT = '2006-01-02T15:04:05Z07:00';

/** A time.ParseError, worded as its Error() words it. */
export class GoTimeError extends Error {}

/** time's quote() of bytes (a string of char codes 0-255): non-ASCII and control bytes as \xNN, `"` and `\` escaped. */
function quote(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, 'latin1')) {
    if (b >= 0x80 || b < 0x20) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else {
      const c = String.fromCharCode(b);
      out += c === '"' || c === '\\' ? `\\${c}` : c;
    }
  }
  return `${out}"`;
}

/** The JSON text json.Marshal writes for a string (HTML characters escaped), without its quotes. */
export function goJsonStringBody(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&') out += `\\u00${c.toString(16).padStart(2, '0')}`;
    else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd'; // a lone surrogate: not UTF-8
    else out += ch;
  }
  return out;
}

const isDigit = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysIn = (month: number, year: number): number => (month === 2 ? (isLeap(year) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!);

/** getnum: one or two leading digits (exactly two when `fixed`), or undefined. */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * The time in `text` (the JSON text between the quotes) as MarshalJSON would print it, without
 * quotes; a GoTimeError in time.Parse's words when RFC 3339 parsing refuses it. The printed text
 * may carry an offset MarshalJSON refuses: see `goTimeMarshalProblem`.
 */
export function goTimeFromJson(text: string): string {
  // Go works on the UTF-8 bytes: one char code per byte.
  const raw = Buffer.from(text, 'utf8').toString('latin1');
  const bad = (prefixOrElem: string, rest: string): never => {
    throw new GoTimeError(`parsing time ${quote(raw)} as ${quote(LAYOUT)}: cannot parse ${quote(rest)} as ${quote(prefixOrElem)}`);
  };
  const range = (what: string): never => {
    throw new GoTimeError(`parsing time ${quote(raw)}: ${what} out of range`);
  };
  const skip = (v: string, prefix: string): string => (v.startsWith(prefix) ? v.slice(prefix.length) : bad(prefix, v));
  let v = raw;

  // 2006: four characters, the first a digit, all digits.
  if (v.length < 4 || !isDigit(v, 0) || !/^\d{4}$/.test(v.slice(0, 4))) bad('2006', v);
  const year = Number(v.slice(0, 4));
  v = skip(v.slice(4), '-');

  const num = (elem: string, fixed: boolean, max: number, what: string): number => {
    const got = getnum(v, fixed);
    if (!got) return bad(elem, v);
    [, v] = got;
    if (got[0] > max || (what === 'month' && got[0] === 0)) range(what);
    return got[0];
  };
  const month = num('01', true, 12, 'month');
  v = skip(v, '-');
  const day = num('02', true, 99, 'day'); // checked against the month at the end
  v = skip(v, 'T');
  const hour = num('15', false, 23, 'hour');
  v = skip(v, ':');
  const min = num('04', true, 59, 'minute');
  v = skip(v, ':');
  const sec = num('05', true, 59, 'second');

  // A fraction the layout lacks: '.' or ',' then digits, nanoseconds kept (the rest dropped).
  let nanos = '';
  const frac = /^[.,](\d+)/.exec(v);
  if (frac) {
    nanos = frac[1]!.slice(0, 9).padEnd(9, '0');
    v = v.slice(frac[0].length);
  }

  // Z07:00: `Z`, or a sign, two digits, ':', two digits (hours up to 24, minutes up to 60).
  let offsetMinutes = 0;
  if (v.startsWith('Z')) v = v.slice(1);
  else {
    if (v.length < 6 || v[3] !== ':') bad('Z07:00', v);
    const hr = getnum(v.slice(1, 3), true);
    const mm = hr ? getnum(v.slice(4, 6), true) : undefined;
    const h = hr?.[0] ?? 0;
    const m = mm?.[0] ?? 0;
    const rest = v.slice(6);
    if (m > 60) throw new GoTimeError(`parsing time ${quote(raw)}: time zone offset minute out of range`);
    if (h > 24) throw new GoTimeError(`parsing time ${quote(raw)}: time zone offset hour out of range`);
    if (!hr || !mm || (v[0] !== '+' && v[0] !== '-')) bad('Z07:00', v);
    offsetMinutes = (v[0] === '-' ? -1 : 1) * (h * 60 + m);
    v = rest;
  }
  if (v !== '') throw new GoTimeError(`parsing time ${quote(raw)}: extra text: ${quote(v)}`);
  if (day < 1 || day > daysIn(month, year)) range('day');

  // RFC3339Nano in the parsed offset: the clock as written (the offset applied and taken back).
  const fraction = nanos.replace(/0+$/, '');
  let zone = 'Z';
  if (offsetMinutes !== 0) {
    const a = Math.abs(offsetMinutes);
    zone = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(a / 60), 2)}:${pad(a % 60, 2)}`;
  }
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(min, 2)}:${pad(sec, 2)}${fraction ? `.${fraction}` : ''}${zone}`;
}

/** Why MarshalJSON refuses a time printed as `text` (an offset of 24 hours or more), or undefined. */
export function goTimeMarshalProblem(text: string): string | undefined {
  const zone = /[+-](\d{2}):\d{2}$/.exec(text);
  return zone && Number(zone[1]) >= 24 ? 'Time.MarshalJSON: timezone hour outside of range [0,23]' : undefined;
}
