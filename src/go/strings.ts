/** Go's strings package, where JavaScript's string methods differ from it. */
import { goLowerRune, goUpperRune, isGoPrint } from './unicode.js';

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

/**
 * Helm's sanitizeString for Chart.yaml text (chart.Metadata.Validate): every space becomes a
 * plain space, every other character that is not printable is dropped.
 */
export function goSanitizeString(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch.length === 1 && isGoSpace(c)) out += ' ';
    else if (isGoPrint(c)) out += ch;
  }
  return out;
}

/** Printable and control ASCII only: then Go's and JavaScript's case mappings agree. */
const ASCII = /^[\x00-\x7f]*$/;

/**
 * strings.ToLower / strings.ToUpper: each code point through unicode's simple case mapping (Go's
 * tables, unicode.ts), one for one. JavaScript's toLowerCase/toUpperCase use the full mapping (ß to
 * SS, a final Σ to ς) of the running Node's Unicode version; they serve ASCII text only.
 */
export function goToLower(s: string): string {
  return ASCII.test(s) ? s.toLowerCase() : mapRunes(s, goLowerRune);
}

export function goToUpper(s: string): string {
  return ASCII.test(s) ? s.toUpperCase() : mapRunes(s, goUpperRune);
}

/** Each code point of s through f; a lone surrogate (no UTF-8 form) is left as it is. */
function mapRunes(s: string, f: (c: number) => number): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const m = f(c);
    out += m === c ? ch : String.fromCodePoint(m);
  }
  return out;
}
