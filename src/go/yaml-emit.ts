/**
 * Helm's `toYaml`: sigs.k8s.io/yaml.Marshal with the trailing newline trimmed, byte for byte.
 *
 * sigs.k8s.io/yaml.Marshal is json.Marshal, then gopkg.in/yaml.v2 Unmarshal of that JSON into an
 * interface{}, then yaml.v2 Marshal. This module models the three steps without building the
 * intermediate texts:
 *
 * - JSON: NaN and infinities make Marshal fail; numbers become JSON number texts.
 * - YAML read of the JSON: a number text that ParseInt or ParseUint accepts becomes an integer
 *   (printed as such: 1000000, 10000000000), any other a float64 (printed by FormatFloat 'g', so
 *   1e+21, 1.23456789123e+08). Strings come back as they went, except that a raw U+0085 (NEL,
 *   which JSON leaves unescaped) is a line break to the YAML reader: it folds like one inside the
 *   double-quoted scalar. Characters the YAML reader refuses (U+007F..U+009F but U+0085, U+FFFE,
 *   U+FFFF), a map key whose JSON form is longer than 1024 characters or holds a NEL, and a NEL
 *   followed by `---`/`...` and a blank make the conversion fail.
 * - yaml.v2 emitter: a port of its encoder (stringv, quoting what resolve() in yaml-resolve.ts
 *   would read back as another type) and of libyaml's emitter rules (yaml_emitter_analyze_scalar,
 *   select_scalar_style, the plain/single/double/literal writers with their folding at column 80,
 *   write_indent and the indicator spacing).
 *
 * Any failure yields "", as Helm's toYaml swallows the error. Nesting is limited by the JS stack
 * (some 3500 levels; yaml.v2 fails beyond 10000).
 */
import { compareGoStrings, formatFloatG, formatJsonFloat } from './fmt.js';
import { isBase60Float, resolveTag } from './yaml-resolve.js';
import { MarshalError } from '../errors.js';
import { isGoDigit, isGoLetter } from './unicode.js';

const BEST_WIDTH = 80;
const BEST_INDENT = 2;
/** yaml.v2's scanner limit on flow nesting (max_flow_level). */
const MAX_FLOW_LEVEL = 10000;

// ---------------------------------------------------------------------------------------------
// Character classes (libyaml's, on code points)

/** libyaml's is_printable; characters above U+FFFF are not printable for it. */
function isPrintable(c: number): boolean {
  return (
    c === 0x0a ||
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa0 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff)
  );
}

function isBreak(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
}

function isBlankZ(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0 || isBreak(c);
}

/** Code point at i of a string without lone surrogates. */
function cpAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff ? 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00) : c;
}

// ---------------------------------------------------------------------------------------------
// The JSON round trip of strings

/** Characters the YAML reader refuses when they arrive raw in the JSON text. */
const READER_REJECTS_RE = /[\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;
const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** A run of blanks and line breaks holding a NEL, as the double-quoted scalar scanner folds it. */
const NEL_RUN_RE = / *\u0085[ \u0085]*/g;

/** Anything the JSON round trip may change or refuse: C1 controls (NEL among them), surrogates, U+FFFE/F. */
const ROUND_TRIP_SENSITIVE_RE = /[\u007f-\u009f\ud800-\udfff\ufffe\uffff]/;

/** A string as it comes back from json.Marshal + the YAML reader; throws where that fails. */
function roundTrip(s: string, isKey: boolean): string {
  if (ROUND_TRIP_SENSITIVE_RE.test(s)) {
    if (LONE_SURROGATE_RE.test(s)) s = s.replace(LONE_SURROGATES_RE, '\ufffd');
    if (READER_REJECTS_RE.test(s)) throw new MarshalError();
    if (s.indexOf('\u0085') >= 0) {
      if (isKey) throw new MarshalError(); // a NEL puts the key's ':' on another line
      s = s.replace(NEL_RUN_RE, foldNelRun);
    }
  }
  if (isKey && s.length > 170) checkKey(s);
  return s;
}

/** The double-quoted scalar scanner's folding of a run of spaces and NELs. */
function foldNelRun(run: string, offset: number, whole: string): string {
  let nels = 0;
  for (let i = 0; i < run.length; i++) if (run.charCodeAt(i) === 0x85) nels++;
  if (run.charCodeAt(run.length - 1) === 0x85) {
    // The reader is at column 0 here: a document marker followed by a blank is an error.
    const at = offset + run.length;
    const marker = whole.slice(at, at + 3);
    if ((marker === '---' || marker === '...') && at + 3 < whole.length) {
      const next = whole.charCodeAt(at + 3);
      if (next === 0x20 || next === 0x85) throw new MarshalError();
    }
  }
  return nels === 1 ? ' ' : '\n'.repeat(nels - 1);
}

/**
 * A map key must be a simple key to the YAML reader: its `:` at most 1024 characters after its
 * opening quote, i.e. its JSON form at most 1024 characters long.
 */
function checkKey(s: string): void {
  let len = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) len += c === 0x0a || c === 0x0d || c === 0x09 || c === 0x08 || c === 0x0c ? 2 : 6;
    else if (c === 0x22 || c === 0x5c) len += 2;
    else if (c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) len += 6;
    else if (c >= 0xdc00 && c <= 0xdfff) continue; // second half of a pair: one character
    else len += 1;
  }
  if (len > 1024) throw new MarshalError();
}

// ---------------------------------------------------------------------------------------------
// Numbers: JSON text -> yaml.v2 resolve -> yaml.v2 encoder

const INT64_MAX_TEXT = '9223372036854775807';
const INT64_MIN_ABS_TEXT = '9223372036854775808';
const UINT64_MAX_TEXT = '18446744073709551615';

/** Whether the digit string d (no sign, no leading zeros) is at most the digit string max. */
function digitsAtMost(d: string, max: string): boolean {
  return d.length < max.length || (d.length === max.length && d <= max);
}

/** A float64 as yaml.v2 prints it after reading back its JSON text. */
function yamlFloat(f: number): string {
  const t = formatJsonFloat(f);
  if (t === undefined) throw new MarshalError();
  if (t.indexOf('.') < 0 && t.indexOf('e') < 0) {
    // An integer text: int when ParseInt takes it, uint when ParseUint does, else a float.
    if (t === '-0') return '0';
    if (t.charCodeAt(0) === 0x2d) {
      if (digitsAtMost(t.slice(1), INT64_MIN_ABS_TEXT)) return t;
    } else if (digitsAtMost(t, INT64_MAX_TEXT) || digitsAtMost(t, UINT64_MAX_TEXT)) {
      return t;
    }
  }
  return formatFloatG(f);
}

// ---------------------------------------------------------------------------------------------
// Scalar analysis (yaml_emitter_analyze_scalar, block context)

interface Analysis {
  /** Characters (code points), the unit of the emitter's column. */
  length: number;
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

/** Words, paths, versions: nothing in them matters to the analysis. */
const SIMPLE_SCALAR_RE = /^[A-Za-z0-9_/][A-Za-z0-9_./-]*$/;

function analyze(s: string): Analysis {
  if (SIMPLE_SCALAR_RE.test(s)) {
    return { length: s.length, multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true };
  }
  const n = s.length;
  if (n === 0) return { length: 0, multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  // Long text (scripts, configuration files) is read by native scans when it is plain ASCII.
  if (n > 48 && !NOT_ASCII_TEXT.test(s)) return analyzeAscii(s);
  let length = 0;
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  if (n >= 3 && (s.startsWith('---') || s.startsWith('...'))) blockIndicators = true;
  let precededByWhitespace = true;
  for (let i = 0; i < n; ) {
    const c = cpAt(s, i);
    const next = i + (c > 0xffff ? 2 : 1);
    const nc = next < n ? s.charCodeAt(next) : -1;
    const followedByWhitespace = next >= n || nc === 0x20 || nc === 0x09;
    if (i === 0) {
      switch (c) {
        case 0x23: case 0x2c: case 0x5b: case 0x5d: case 0x7b: case 0x7d: case 0x26: case 0x2a:
        case 0x21: case 0x7c: case 0x3e: case 0x27: case 0x22: case 0x25: case 0x40: case 0x60:
          blockIndicators = true;
          break;
        case 0x3f: case 0x3a: case 0x2d:
          if (followedByWhitespace) blockIndicators = true;
          break;
        default:
      }
    } else if ((c === 0x3a && followedByWhitespace) || (c === 0x23 && precededByWhitespace)) {
      blockIndicators = true;
    }
    if (!isPrintable(c)) special = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (next === n) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (next === n) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankZ(c);
    i = next;
    length++;
  }
  let blockPlainAllowed = true;
  let singleQuotedAllowed = true;
  let blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlainAllowed = false;
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || special) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
    blockAllowed = false;
  }
  if (lineBreaks || blockIndicators) blockPlainAllowed = false;
  return { length, multiline: lineBreaks, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

/** Anything but printable ASCII and line feeds. */
const NOT_ASCII_TEXT = /[^\n\x20-\x7e]/;
/** Characters that make a scalar's first character an indicator, whatever follows. */
const FIRST_INDICATORS = new Set('#,[]{}&*!|>\'"%@`');

/**
 * analyze's answer for text of printable ASCII and line feeds only (charts' scripts and
 * configuration files), found by a few native scans instead of a step per character: every flag
 * the loop sets is a question about one character or one pair of neighbours.
 */
function analyzeAscii(s: string): Analysis {
  const n = s.length;
  const first = s[0]!;
  const last = s[n - 1]!;
  const blockIndicators =
    s.startsWith('---') ||
    s.startsWith('...') ||
    FIRST_INDICATORS.has(first) ||
    ((first === '?' || first === '-') && (n === 1 || s[1] === ' ')) ||
    /:(?: |$)/.test(s) ||
    /[ \n]#/.test(s);
  const lineBreaks = s.includes('\n');
  const breakSpace = s.includes('\n ');
  const spaceBreak = s.includes(' \n');
  const leadingOrTrailing = first === ' ' || first === '\n' || last === ' ' || last === '\n';
  return {
    length: n,
    multiline: lineBreaks,
    blockPlainAllowed: !(leadingOrTrailing || breakSpace || spaceBreak || lineBreaks || blockIndicators),
    singleQuotedAllowed: !(breakSpace || spaceBreak),
    blockAllowed: !(last === ' ' || spaceBreak),
  };
}

function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 ? 1 : c >= 0xd800 && c <= 0xdbff ? 1 : c >= 0xdc00 && c <= 0xdfff ? 0 : 2;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Map key order (yaml.v2 sorter.go keyList.Less, for string keys)

// unicode.IsLetter and unicode.IsDigit, from Go's own tables.
const isLetter = isGoLetter;
const isDigit = isGoDigit;

/** Up to 170 letters: longer keys go through roundTrip's long-key check. */
const LETTER_WORD_RE = /^[A-Za-z]{1,170}$/;
const isLetterWord = (k: string): boolean => LETTER_WORD_RE.test(k);

interface SortKey {
  /** The key as yaml.v2 sees it. */
  key: string;
  /** The caller's key (they differ only where the JSON round trip rewrites a key). */
  orig: string;
  cps: number[];
}

function toCodePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = cpAt(s, i);
    out.push(c);
    if (c > 0xffff) i++;
  }
  return out;
}

/** int64 arithmetic of keyList.Less's digit runs, exact (it wraps on overflow like Go). */
function digitRunValue(cps: number[], from: number, seed: number): { value: bigint | number; end: number } {
  let end = from;
  while (end < cps.length && isDigit(cps[end]!)) end++;
  if (end - from <= 9) {
    let v = seed;
    for (let j = from; j < end; j++) v = v * 10 + (cps[j]! - 0x30);
    return { value: v, end };
  }
  let v = BigInt(seed);
  for (let j = from; j < end; j++) v = BigInt.asIntN(64, v * 10n + BigInt(cps[j]! - 0x30));
  return { value: v, end };
}

function keyLess(ar: number[], br: number[]): boolean {
  const n = ar.length < br.length ? ar.length : br.length;
  for (let i = 0; i < n; i++) {
    const a = ar[i]!;
    const b = br[i]!;
    if (a === b) continue;
    const al = isLetter(a);
    const bl = isLetter(b);
    if (al && bl) return a < b;
    if (al || bl) return bl;
    let seed = 0;
    if (a === 0x30 || b === 0x30) {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== 0x30) {
          seed = 1;
          break;
        }
      }
    }
    const av = digitRunValue(ar, i, seed);
    const bv = digitRunValue(br, i, seed);
    if (typeof av.value === 'number' && typeof bv.value === 'number') {
      if (av.value !== bv.value) return av.value < bv.value;
    } else {
      const x = BigInt(av.value);
      const y = BigInt(bv.value);
      if (x !== y) return x < y;
    }
    if (av.end !== bv.end) return av.end < bv.end;
    return a < b;
  }
  return ar.length < br.length;
}

/** yaml.v2's key order for two strings (exported for tests). */
export function yamlKeyLess(a: string, b: string): boolean {
  return keyLess(toCodePoints(a), toCodePoints(b));
}

/**
 * yaml.v2 sorts keys with sort.Sort and keyLess. keyLess is not transitive for every key set
 * ("1q" < "9x" < "12-" < "1q"); then Go's order depends on the random map iteration order, and
 * Helm's own output varies from run to run. Any sort by keyLess gives one of Helm's answers, and
 * the one answer for every key set keyLess orders consistently.
 */
const byKeyLess = (x: SortKey, y: SortKey): number => (keyLess(x.cps, y.cps) ? -1 : keyLess(y.cps, x.cps) ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// The emitter

const enum Style {
  Plain,
  Single,
  Double,
  Literal,
}

const SPACES: string[] = [];
const BREAK_SPACES: string[] = [];
function spaces(n: number): string {
  let s = SPACES[n];
  if (s === undefined) {
    s = ' '.repeat(n);
    if (n < 256) SPACES[n] = s;
  }
  return s;
}
/** A line break and n spaces. */
function breakSpaces(n: number): string {
  let s = BREAK_SPACES[n];
  if (s === undefined) {
    s = '\n' + ' '.repeat(n);
    if (n < 256) BREAK_SPACES[n] = s;
  }
  return s;
}

function doubleEscape(c: number): string {
  switch (c) {
    case 0x00: return '\\0';
    case 0x07: return '\\a';
    case 0x08: return '\\b';
    case 0x09: return '\\t';
    case 0x0a: return '\\n';
    case 0x0b: return '\\v';
    case 0x0c: return '\\f';
    case 0x0d: return '\\r';
    case 0x1b: return '\\e';
    case 0x22: return '\\"';
    case 0x5c: return '\\\\';
    case 0x85: return '\\N';
    case 0xa0: return '\\_';
    case 0x2028: return '\\L';
    case 0x2029: return '\\P';
    default: {
      const width = c <= 0xff ? 2 : c <= 0xffff ? 4 : 8;
      let h = c.toString(16).toUpperCase();
      while (h.length < width) h = '0' + h;
      return (width === 2 ? '\\x' : width === 4 ? '\\u' : '\\U') + h;
    }
  }
}

class Emitter {
  /** The text so far (V8 keeps the appended pieces as a rope until it is read). */
  private o = '';
  private column = 0;
  private indent = -1;
  private readonly indents: number[] = [];
  private whitespace = true;
  private indention = true;

  text(): string {
    return this.o;
  }

  private putBreak(): void {
    this.o += '\n';
    this.column = 0;
  }

  writeIndent(): void {
    const indent = this.indent < 0 ? 0 : this.indent;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.o += breakSpaces(indent);
      this.column = indent;
    } else if (this.column < indent) {
      this.o += spaces(indent - this.column);
      this.column = indent;
    }
    this.whitespace = true;
    this.indention = true;
  }

  private writeIndicator(ind: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) {
      this.o += ' ' + ind;
      this.column += 1 + ind.length;
    } else {
      this.o += ind;
      this.column += ind.length;
    }
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private popIndent(): void {
    this.indent = this.indents.pop()!;
  }

  setRootIndent(): void {
    this.indent = -1;
  }

  /** A plain scalar that cannot fold: numbers, booleans, null, short strings, simple keys. */
  private plainWord(t: string, length = t.length): void {
    if (!this.whitespace) {
      this.o += ' ' + t;
      this.column += 1 + length;
    } else {
      this.o += t;
      this.column += length;
    }
    this.whitespace = false;
    this.indention = false;
  }

  node(v: unknown, mapping: boolean, depth: number): void {
    switch (typeof v) {
      case 'string':
        this.scalar(roundTrip(v, false), undefined, false);
        return;
      case 'number':
        this.plainWord(yamlFloat(v));
        return;
      case 'bigint':
        this.plainWord(v.toString());
        return;
      case 'boolean':
        this.plainWord(v ? 'true' : 'false');
        return;
      case 'undefined':
        this.plainWord('null');
        return;
      default:
    }
    if (v === null) {
      this.plainWord('null');
      return;
    }
    if (depth >= MAX_FLOW_LEVEL) throw new MarshalError();
    if (Array.isArray(v)) {
      if (v.length === 0) {
        this.writeIndicator('[', true, true, false);
        this.writeIndicator(']', false, false, false);
        return;
      }
      this.increaseIndent(false, mapping && !this.indention);
      for (let i = 0; i < v.length; i++) {
        this.writeIndent();
        this.writeIndicator('-', true, false, true);
        this.node(v[i], false, depth + 1);
      }
      this.popIndent();
      return;
    }
    if (typeof v !== 'object') throw new MarshalError();
    const m = v as Record<string, unknown>;
    const keys = Object.keys(m);
    if (keys.length === 0) {
      this.writeIndicator('{', true, true, false);
      this.writeIndicator('}', false, false, false);
      return;
    }
    // The keys as yaml.v2 gets them: in JSON's (byte) order, a rewritten key that meets another
    // taking its place with the later value, then sorted by Go's sort.Sort.
    keys.sort(compareGoStrings);
    this.increaseIndent(false, false);
    if (keys.every(isLetterWord)) {
      // Keys of ASCII letters only: the JSON round trip keeps them and keyList.Less is byte
      // order on them, so the byte-sorted keys are already in yaml.v2's order.
      for (let i = 0; i < keys.length; i++) this.mapEntry(keys[i]!, m[keys[i]!], depth);
      this.popIndent();
      return;
    }
    const sorted: SortKey[] = [];
    let seen: Map<string, SortKey> | undefined;
    for (const orig of keys) {
      const key = roundTrip(orig, true);
      if (key !== orig || seen) {
        seen ??= new Map(sorted.map((sk) => [sk.key, sk]));
        const prev = seen.get(key);
        if (prev) {
          prev.orig = orig;
          continue;
        }
      }
      const sk: SortKey = { key, orig, cps: toCodePoints(key) };
      sorted.push(sk);
      seen?.set(key, sk);
    }
    sorted.sort(byKeyLess);
    for (let i = 0; i < sorted.length; i++) this.mapEntry(sorted[i]!.key, m[sorted[i]!.orig], depth);
    this.popIndent();
  }

  /** One `key: value` of a block mapping. */
  private mapEntry(key: string, value: unknown, depth: number): void {
    const a = analyze(key);
    this.writeIndent();
    if (!a.multiline && (key.length <= 42 || utf8Length(key) <= 128)) {
      this.scalar(key, a, true);
      this.writeIndicator(':', false, false, false);
    } else {
      this.writeIndicator('?', true, false, true);
      this.scalar(key, a, false);
      this.writeIndent();
      this.writeIndicator(':', true, false, true);
    }
    this.node(value, true, depth + 1);
  }

  /** yaml.v2 stringv + yaml_emitter_emit_scalar for a string. */
  private scalar(s: string, analysis: Analysis | undefined, simpleKey: boolean): void {
    const a = analysis ?? analyze(s);
    let style: Style;
    if (s.indexOf('\n') >= 0) style = Style.Literal;
    else if (resolveTag(s) !== 'str' || isBase60Float(s)) style = Style.Double;
    else style = Style.Plain;
    if (simpleKey && a.multiline) style = Style.Double;
    if (style === Style.Plain && !a.blockPlainAllowed) style = Style.Single;
    if (style === Style.Single && !a.singleQuotedAllowed) style = Style.Double;
    if (style === Style.Literal && (!a.blockAllowed || simpleKey)) style = Style.Double;
    this.increaseIndent(true, false);
    switch (style) {
      case Style.Plain:
        // Plain scalars hold no line breaks, and fold only at a space past column 80.
        if (simpleKey || this.column + a.length <= BEST_WIDTH) this.plainWord(s, a.length);
        else this.writePlain(s, true);
        break;
      case Style.Single:
        this.writeSingle(s, !simpleKey);
        break;
      case Style.Double:
        this.writeDouble(s, !simpleKey);
        break;
      case Style.Literal:
        this.writeLiteral(s);
        break;
    }
    this.popIndent();
  }

  private writePlain(s: string, allowBreaks: boolean): void {
    if (!this.whitespace) {
      this.o += ' ';
      this.column++;
    }
    let spaces = false;
    let breaks = false;
    let start = 0;
    const n = s.length;
    for (let i = 0; i < n; ) {
      const c = s.charCodeAt(i);
      if (c === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && s.charCodeAt(i + 1) !== 0x20) {
          if (start < i) this.o += s.slice(start, i);
          this.writeIndent();
          start = i + 1;
        } else {
          this.column++;
        }
        i++;
        spaces = true;
      } else if (isBreak(c)) {
        // Unreachable for plain scalars (line breaks rule plain out); kept as libyaml has it.
        if (start < i) this.o += s.slice(start, i);
        if (!breaks && c === 0x0a) this.putBreak();
        this.writeBreak(s, i);
        i++;
        start = i;
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) {
          if (start < i) this.o += s.slice(start, i);
          start = i;
          this.writeIndent();
        }
        i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
        this.column++;
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    if (start < n) this.o += s.slice(start);
    this.whitespace = false;
    this.indention = false;
  }

  /** libyaml's write_break for a break character at i (the caller has flushed up to i). */
  private writeBreak(s: string, i: number): void {
    if (s.charCodeAt(i) === 0x0a) {
      this.putBreak();
    } else {
      this.o += s[i]!;
      this.column = 0;
    }
  }

  private writeSingle(s: string, allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    let start = 0;
    const n = s.length;
    for (let i = 0; i < n; ) {
      const c = s.charCodeAt(i);
      if (c === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < n - 1 && s.charCodeAt(i + 1) !== 0x20) {
          if (start < i) this.o += s.slice(start, i);
          this.writeIndent();
          start = i + 1;
        } else {
          this.column++;
        }
        i++;
        spaces = true;
      } else if (isBreak(c)) {
        if (start < i) this.o += s.slice(start, i);
        if (!breaks && c === 0x0a) this.putBreak();
        this.writeBreak(s, i);
        i++;
        start = i;
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) {
          if (start < i) this.o += s.slice(start, i);
          start = i;
          this.writeIndent();
        }
        if (c === 0x27) {
          if (start < i) this.o += s.slice(start, i);
          this.o += "''";
          this.column += 2;
          i++;
          start = i;
        } else {
          i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
          this.column++;
        }
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    if (start < n) this.o += s.slice(start);
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeDouble(s: string, allowBreaks: boolean): void {
    let spaces = false;
    this.writeIndicator('"', true, false, false);
    // libyaml's is_bom looks at the start of the value, whatever the position: a value that
    // starts with U+FEFF has every character escaped.
    const bom = s.charCodeAt(0) === 0xfeff;
    let start = 0;
    const n = s.length;
    for (let i = 0; i < n; ) {
      const c = cpAt(s, i);
      const w = c > 0xffff ? 2 : 1;
      if (bom || !isPrintable(c) || isBreak(c) || c === 0x22 || c === 0x5c) {
        if (start < i) this.o += s.slice(start, i);
        const e = doubleEscape(c);
        this.o += e;
        this.column += e.length;
        i += w;
        start = i;
        spaces = false;
      } else if (c === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < n - 1) {
          if (start < i) this.o += s.slice(start, i);
          this.writeIndent();
          if (s.charCodeAt(i + 1) === 0x20) {
            this.o += '\\';
            this.column++;
          }
          start = i + 1;
        } else {
          this.column++;
        }
        i++;
        spaces = true;
      } else {
        i += w;
        this.column++;
        spaces = false;
      }
    }
    if (start < n) this.o += s.slice(start);
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeLiteral(s: string): void {
    this.writeIndicator('|', true, false, false);
    // Block scalar hints: an indentation indicator when the text starts with a space or a break;
    // chomping '-' without a final break, '+' with two or more (or a lone break), none for one.
    const first = s.charCodeAt(0);
    if (first === 0x20 || isBreak(first)) this.writeIndicator(String(BEST_INDENT), false, false, false);
    const n = s.length;
    const last = s.charCodeAt(n - 1);
    let chomp = '';
    if (!isBreak(last)) chomp = '-';
    else if (n === 1) chomp = '+';
    else if (isBreak(s.charCodeAt(n - 2))) chomp = '+';
    if (chomp !== '') this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    let start = 0;
    for (let i = 0; i < n; ) {
      const c = s.charCodeAt(i);
      if (isBreak(c)) {
        if (start < i) this.o += s.slice(start, i);
        this.writeBreak(s, i);
        i++;
        start = i;
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) {
          if (start < i) this.o += s.slice(start, i);
          start = i;
          this.writeIndent();
        }
        // Printable ASCII, one column each, is taken as a run.
        let j = i;
        let a = c;
        while (a >= 0x20 && a < 0x7f) a = s.charCodeAt(++j);
        if (j > i) {
          this.column += j - i;
          i = j;
        } else {
          i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
          this.column++;
        }
        this.indention = false;
        breaks = false;
      }
    }
    if (start < n) this.o += s.slice(start);
  }
}

/**
 * Helm's `toYaml`: the value as sigs.k8s.io/yaml.Marshal prints it (keys in yaml.v2 order, block
 * style, go-yaml quoting and folding), without the final newline; "" where Marshal fails.
 */
export function toYaml(v: unknown): string {
  const e = new Emitter();
  try {
    e.node(v, false, 0);
  } catch (err) {
    if (err instanceof MarshalError) return '';
    throw err;
  }
  // Document end: a line break unless the output already ends at column 0.
  e.setRootIndent();
  e.writeIndent();
  const text = e.text();
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
