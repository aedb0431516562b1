/** Go's strings package, where JavaScript's string methods differ from it. */

/** unicode.IsSpace for one UTF-16 unit (every Go space is in the BMP). JS's trim() also strips U+FEFF and keeps U+0085. */
function isGoSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** strings.TrimSpace (a scan from both ends: a regex with a `+$` branch is quadratic on long text). */
export function goTrimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/**
 * strings.EqualFold against a lower-case ASCII word: equal under Unicode simple case folding,
 * where besides the ASCII capitals U+017F (ſ) folds to s and U+212A (the Kelvin sign) to k.
 */
export function goEqualFold(s: string, word: string): boolean {
  if (s.length !== word.length) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const w = word.charCodeAt(i);
    if (c === w || (c >= 0x41 && c <= 0x5a && c + 0x20 === w)) continue;
    if ((c === 0x17f && w === 0x73) || (c === 0x212a && w === 0x6b)) continue;
    return false;
  }
  return true;
}

/** Whether a UTF-16 unit is one of Go's spaces. */
export { isGoSpace };

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const GO_PRINT = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * Helm's sanitizeString for Chart.yaml text (chart.Metadata.Validate): every space becomes a
 * plain space, every other character that is not printable is dropped.
 */
export function goSanitizeString(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch.length === 1 && isGoSpace(ch.charCodeAt(0))) out += ' ';
    else if (GO_PRINT.test(ch)) out += ch;
  }
  return out;
}

/** Printable and control ASCII only: then Go's and JavaScript's case mappings agree. */
const ASCII = /^[\x00-\x7f]*$/;

/**
 * strings.ToLower / strings.ToUpper: each code point through unicode's simple case mapping, one for
 * one. JavaScript's toLowerCase/toUpperCase use the full mapping (ß to SS, a final Σ to ς, İ to i
 * and a combining dot); one code point at a time takes its context away, and where the full mapping
 * still gives more than one, the simple mapping is the one below or none.
 */
export function goToLower(s: string): string {
  if (ASCII.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) {
    const m = ch.toLowerCase();
    out += [...m].length === 1 ? m : ch === '\u0130' ? 'i' : ch;
  }
  return out;
}

export function goToUpper(s: string): string {
  if (ASCII.test(s)) return s.toUpperCase();
  let out = '';
  for (const ch of s) {
    const m = ch.toUpperCase();
    out += [...m].length === 1 ? m : simpleUpper(ch);
  }
  return out;
}

/** The simple uppercase of a letter whose full uppercase is longer: Greek with ypogegrammeni; others keep. */
function simpleUpper(ch: string): string {
  const c = ch.codePointAt(0)!;
  if ((c >= 0x1f80 && c <= 0x1f87) || (c >= 0x1f90 && c <= 0x1f97) || (c >= 0x1fa0 && c <= 0x1fa7)) return String.fromCodePoint(c + 8);
  if (c === 0x1fb3 || c === 0x1fc3 || c === 0x1ff3) return String.fromCodePoint(c + 9);
  return ch;
}
