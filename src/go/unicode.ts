/**
 * Go's unicode and strconv answers for one code point, from tables Go itself printed
 * (unicode-tables.ts, tools/unicode-tables/main.go): Go 1.26 ships Unicode 15.0.0, while
 * JavaScript's `\p{...}` and case mapping follow the running Node's ICU (Unicode 17 in Node 26),
 * so characters added since would print, sort and change case otherwise than in Helm.
 */
import { DIGIT, LETTER, PRINT, TO_LOWER, TO_UPPER } from './unicode-tables.js';

/** Whether c lies in one of the [first, last] pairs of `ranges` (ascending): a binary search. */
function inRanges(ranges: readonly number[], c: number): boolean {
  let lo = 0;
  let hi = (ranges.length >> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < ranges[2 * mid]!) hi = mid - 1;
    else if (c > ranges[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** c mapped by [first, last, stride, delta] quads (ascending by first, none overlapping), or c itself. */
function mapRune(quads: readonly number[], c: number): number {
  let lo = 0;
  let hi = (quads.length >> 2) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const i = 4 * mid;
    if (c < quads[i]!) hi = mid - 1;
    else if (c > quads[i + 1]!) lo = mid + 1;
    else return (c - quads[i]!) % quads[i + 2]! === 0 ? c + quads[i + 3]! : c;
  }
  return c;
}

/** strconv.IsPrint (the same set as unicode.IsPrint): letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isGoPrint(c: number): boolean {
  if (c < 0x80) return c >= 0x20 && c < 0x7f;
  return inRanges(PRINT, c);
}

/** unicode.IsLetter. */
export function isGoLetter(c: number): boolean {
  if (c < 0x80) return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
  return inRanges(LETTER, c);
}

/** unicode.IsDigit (decimal digits, Nd). */
export function isGoDigit(c: number): boolean {
  if (c < 0x80) return c >= 0x30 && c <= 0x39;
  return inRanges(DIGIT, c);
}

/** unicode.ToLower: the simple lower-case mapping of one code point. */
export function goLowerRune(c: number): number {
  return mapRune(TO_LOWER, c);
}

/** unicode.ToUpper: the simple upper-case mapping of one code point. */
export function goUpperRune(c: number): number {
  return mapRune(TO_UPPER, c);
}
