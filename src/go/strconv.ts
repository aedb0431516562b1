/** Go's strconv integer parsing, and spf13/cast's use of it (sprig's `int`, `add`, `sub`...). */

const MIN_INT64 = -(1n << 63n);

/** A digit's value in any base up to 36 (letters either case); 99 for anything else. */
function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x7a ? l - 0x61 + 10 : 99;
}

/** strconv's underscoreOK: underscores only between digits (a base prefix counts as one). */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(s[1]!.toLowerCase())) {
    i = 2;
    saw = '0';
    hex = s[1]!.toLowerCase() === 'x';
  }
  for (; i < s.length; i++) {
    const d = digitValue(s.charCodeAt(i));
    const c = s.charCodeAt(i);
    if (d < 10 || (hex && d < 16)) {
      saw = '0';
    } else if (c === 0x5f /* _ */) {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/**
 * strconv.ParseInt(s, 0, 64): an optional sign, then 0b/0o/0x or a leading 0 (octal) or decimal
 * digits, underscores between digits; undefined for a syntax error or a value outside int64.
 */
export function parseInt0(s: string): bigint | undefined {
  const s0 = s;
  let neg = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '') return undefined;
  let base = 10;
  if (s[0] === '0') {
    const p = s.length >= 3 ? s[1]!.toLowerCase() : '';
    base = p === 'b' ? 2 : p === 'o' ? 8 : p === 'x' ? 16 : 8;
    s = p === 'b' || p === 'o' || p === 'x' ? s.slice(2) : s.slice(1);
  }
  let n = 0n;
  let underscores = false;
  const b = BigInt(base);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5f) {
      underscores = true;
      continue;
    }
    const d = digitValue(c);
    if (d >= base) return undefined;
    n = n * b + BigInt(d);
  }
  if (underscores && !underscoreOK(s0)) return undefined;
  if (neg) n = -n;
  return n < MIN_INT64 || n > -MIN_INT64 - 1n ? undefined : n;
}

/** cast's trimZeroDecimal: "1.00" reads as "1"; "1." and "1.5" stay as they are (and then fail to parse). */
export function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const c = s[i - 1];
    if (c === '.') {
      if (foundZero) return s.slice(0, i - 1);
    } else if (c === '0') {
      foundZero = true;
    } else {
      return s;
    }
  }
  return s;
}

/** Go's int64(f) for a float64 on amd64: toward zero, and MinInt64 for NaN and anything out of range. */
export function float64ToInt64(f: number): bigint {
  if (!Number.isFinite(f) || f >= 9223372036854775808 || f < -9223372036854775808) return MIN_INT64;
  return BigInt(Math.trunc(f));
}
