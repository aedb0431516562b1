/**
 * The fast path of the output check: a line scanner that recognises the plain block YAML charts
 * print (block mappings and sequences, one-line plain and quoted scalars, `{}`/`[]`, literal and
 * folded block scalars) and reads the head Helm needs (kind, apiVersion, metadata.name,
 * metadata.annotations) on the way. It is conservative by construction: anything outside that
 * subset (multi-line flow or plain scalars, anchors, tags, tabs, control characters, odd
 * indentation, unusual heads) answers `undefined`, and the caller falls back to a full parser.
 * It never accepts a document go-yaml would refuse; test/render/yamlhead.test.ts checks that
 * against go-yaml itself.
 */
import { keyString, resolvePlain } from '../go/yaml-resolve.js';

/**
 * Whether a UTF-16 unit outside printable ASCII is one go-yaml reads as printable and not as a
 * line break (surrogates, even paired, are left to the slow path); anything else takes the slow path.
 */
function wideOk(c: number): boolean {
  return (c >= 0xa0 && c <= 0x2027) || (c >= 0x202a && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfefe) || (c >= 0xff00 && c <= 0xfffd);
}

const COMMENT_TAIL = '(?: +#.*)?';
const DOUBLE_QUOTED = new RegExp(`^"((?:[^"\\\\]|\\\\(?:[0abtnvfre "'\\\\N_LP]|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U00(?:0[0-9A-Fa-f]|10)[0-9A-Fa-f]{4}))*)"${COMMENT_TAIL}$`);
const LONE_SURROGATE_ESCAPE = /\\(?:u|U0000)[dD][89a-fA-F]/;
const SINGLE_QUOTED = new RegExp(`^'(?:[^']|'')*'${COMMENT_TAIL}$`);
const SINGLE_QUOTED_TEXT = new RegExp(`^'((?:[^']|'')*)'${COMMENT_TAIL}$`);
/** A double-quoted scalar without escapes, whose text is what is between the quotes. */
const DOUBLE_QUOTED_PLAIN = new RegExp(`^"([^"\\\\]*)"${COMMENT_TAIL}$`);
const EMPTY_FLOW = new RegExp(`^(?:\\{\\}|\\[\\])${COMMENT_TAIL}$`);
const BLOCK_HEADER = new RegExp(`^[|>][-+]?${COMMENT_TAIL}$`);
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9]*$/;
/** Plain scalars go-yaml reads as infinite or NaN floats, which sigs.k8s.io/yaml cannot turn into JSON. */
export const NON_FINITE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

type ValueKind = 'empty' | 'plain' | 'quoted' | 'flow' | 'block';

/**
 * Characters of a plain key this scanner accepts: [A-Za-z0-9_] first, then also `.`, `/` and `-`.
 * Indexed by any UTF-16 unit (64 KiB each, zero-filled), so a lookup needs no range check first.
 */
const KEY_FIRST = new Uint8Array(0x10000);
const KEY_REST = new Uint8Array(0x10000);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  KEY_FIRST[c] = /[A-Za-z0-9_]/.test(ch) ? 1 : 0;
  KEY_REST[c] = /[A-Za-z0-9_./-]/.test(ch) ? 1 : 0;
}
/** First characters a plain scalar may not start with (YAML indicators), `-` handled apart. */
const INDICATOR = new Uint8Array(128);
for (const ch of '?:,[]{}#&*!|>\'"%@`') INDICATOR[ch.charCodeAt(0)] = 1;

/** The index of the colon of a `key:` starting at `from` (followed by a space or the line's end), or -1. */
function keyColon(u: Uint16Array, from: number): number {
  const c0 = u[from]!;
  if (KEY_FIRST[c0] === 0) return -1;
  let i = from + 1;
  let c = u[i]!;
  while (KEY_REST[c] === 1) c = u[++i]!;
  // go-yaml refuses an implicit key longer than 1024 characters.
  if (c !== 0x3a /* : */ || i - from > 1024) return -1;
  const next = u[i + 1];
  if (next !== 0x20 && next !== 0x0a) return -1;
  // A key sigs.k8s.io/yaml cannot make a JSON key of: null, or a number past int64.
  if ((c0 | 0x20) === 0x6e /* n */ && i - from === 4 && (isWord(u, from, i, 'null') || isWord(u, from, i, 'Null') || isWord(u, from, i, 'NULL'))) return -1;
  if (c0 >= 0x30 && c0 <= 0x39 && keyString(resolvePlain(String.fromCharCode(...u.subarray(from, i)))) === undefined) return -1;
  return i;
}

/**
 * The end of the line holding `from` (its '\n', or the sentinel after the document), every unit
 * on the way printable; -1 when one is not.
 */
function lineEndChecked(u: Uint16Array, from: number): number {
  let i = from;
  let c = u[i]!;
  while (c !== 0x0a) {
    if ((c < 0x20 || c > 0x7e) && !wideOk(c)) return -1;
    c = u[++i]!;
  }
  return i;
}

/**
 * After a scalar ending at `from`: spaces, then the line's end or a comment (after at least one
 * space). The line's end, or -1 for anything else (or a unit go-yaml does not read as printable).
 */
function afterScalar(u: Uint16Array, from: number): number {
  let i = from;
  while (u[i] === 0x20) i++;
  const x = u[i];
  if (x === 0x0a) return i;
  return x === 0x23 /* # */ && i > from ? lineEndChecked(u, i) : -1;
}

/** Where `u[from, to)` ends without its trailing spaces (only U+0020: go-yaml ends a plain scalar there, and JS's trimEnd would also take U+00A0, U+3000...). */
function spacesBefore(u: Uint16Array, from: number, to: number): number {
  let end = to;
  while (end > from && u[end - 1] === 0x20) end--;
  return end;
}

/** Where the line valueKind last read ends: its second result, kept here so a line allocates nothing. */
let lineEnd = 0;

/**
 * What the value starting at `from` (after `key: ` or `- `) is, its line's end left in `lineEnd`;
 * undefined when outside the subset (or holding a unit go-yaml does not read as printable).
 */
function valueKind(s: string, u: Uint16Array, from: number): ValueKind | undefined {
  const c = u[from]!;
  if (c === 0x0a) {
    lineEnd = from;
    return 'empty';
  }
  if (c === 0x23 /* # */) {
    lineEnd = lineEndChecked(u, from);
    return lineEnd < 0 ? undefined : 'empty';
  }
  if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
    // The common quoted scalar, read here: no escapes (a double-quoted one with `\` goes to the
    // regular expressions below), then nothing or a comment.
    let i = from + 1;
    let x = u[i]!;
    for (;;) {
      if (x === c) {
        if (c === 0x27 && u[i + 1] === 0x27) {
          i += 2; // '' inside single quotes
          x = u[i]!;
          continue;
        }
        break;
      }
      if (x === 0x0a || x === 0x5c /* \ */) break;
      if ((x < 0x20 || x > 0x7e) && !wideOk(x)) return undefined;
      x = u[++i]!;
    }
    if (x === c) {
      lineEnd = afterScalar(u, i + 1);
      return lineEnd < 0 ? undefined : 'quoted';
    }
    if (x === 0x0a) return undefined; // unterminated on its line
  }
  if (c === 0x22 /* " */ || c === 0x27 /* ' */ || c === 0x7b /* { */ || c === 0x5b /* [ */ || c === 0x7c /* | */ || c === 0x3e /* > */) {
    lineEnd = lineEndChecked(u, from);
    if (lineEnd < 0) return undefined;
    const t = s.slice(from, spacesBefore(u, from, lineEnd));
    if (c === 0x22) return DOUBLE_QUOTED.test(t) && !LONE_SURROGATE_ESCAPE.test(t) ? 'quoted' : undefined;
    if (c === 0x27) return SINGLE_QUOTED.test(t) ? 'quoted' : undefined;
    if (c === 0x7b || c === 0x5b) return EMPTY_FLOW.test(t) ? 'flow' : undefined;
    return BLOCK_HEADER.test(t) ? 'block' : undefined;
  }
  if (c < 128 && INDICATOR[c] === 1) return undefined;
  if (c === 0x2d /* - */ && (u[from + 1] === 0x20 || u[from + 1] === 0x0a)) return undefined;
  // A plain scalar: printable, no `: `, no ` #`, no trailing `:`, and not a float JSON cannot carry.
  let i = from;
  let x = c;
  while (x !== 0x0a) {
    if (x < 0x20 || x > 0x7e) {
      if (!wideOk(x)) return undefined;
    } else if (x === 0x3a /* : */) {
      const next = u[i + 1];
      if (next === 0x20 || next === 0x0a) return undefined;
    } else if (x === 0x23 /* # */ && u[i - 1] === 0x20) {
      return undefined;
    }
    x = u[++i]!;
  }
  lineEnd = i;
  if ((c === 0x2e || c === 0x2b || c === 0x2d) /* . + - */ && NON_FINITE.test(s.slice(from, spacesBefore(u, from, i)))) return undefined;
  return 'plain';
}

/** What a collection is in the document's head, so its entries can be held to Helm's shape. */
const enum Role {
  None,
  /** A key json.Unmarshal matches to a head field only case-insensitively (`Kind`): left to the slow path. */
  Unsure,
  Top,
  Metadata,
  Annotations,
  Scalar,
}

const MAP = 0;
const SEQ = 1;

/** Whether the units `u[from, to)` are exactly `word` (ASCII). */
function isWord(u: Uint16Array, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (u[from + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** Whether the units `u[from, to)` are `word` in ASCII letters of any case (the keys a scanned line holds are ASCII). */
function foldsTo(u: Uint16Array, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let k = 0; k < word.length; k++) if ((u[from + k]! | 0x20) !== (word.charCodeAt(k) | 0x20)) return false;
  return true;
}

/** The role of the value of the key `u[from, to)`, given the role of the mapping it is in. */
function childRole(parent: Role, u: Uint16Array, from: number, to: number): Role {
  if (parent === Role.Top) {
    if (isWord(u, from, to, 'metadata')) return Role.Metadata;
    if (isWord(u, from, to, 'kind') || isWord(u, from, to, 'apiVersion')) return Role.Scalar;
    if (foldsTo(u, from, to, 'metadata') || foldsTo(u, from, to, 'kind') || foldsTo(u, from, to, 'apiVersion')) return Role.Unsure;
  } else if (parent === Role.Metadata) {
    if (isWord(u, from, to, 'annotations')) return Role.Annotations;
    if (isWord(u, from, to, 'name')) return Role.Scalar;
    if (foldsTo(u, from, to, 'annotations') || foldsTo(u, from, to, 'name')) return Role.Unsure;
  } else if (parent === Role.Annotations) {
    return Role.Scalar;
  }
  return Role.None;
}

/**
 * `true` when the document surely parses as go-yaml reads it, is a mapping (or empty), has the
 * head shape Helm needs and its `kind` equals `expectedKind` (the cheap line scan's answer).
 * `undefined` means "not sure": ask the full parser.
 */
export function simpleHeadOk(doc: string, expectedKind: string): true | undefined {
  return scanHead(doc)?.kind === expectedKind ? true : undefined;
}

const HOOK = 'helm.sh/hook';


/** The text of a one-line annotation value as a Go string field gets it; undefined when not simple. */
function annotationText(doc: string, u: Uint16Array, from: number, to: number, vk: ValueKind): string | undefined {
  const t = doc.slice(from, spacesBefore(u, from, to));
  if (vk === 'plain') return keyString(resolvePlain(t));
  if (vk !== 'quoted') return undefined;
  if (t.startsWith("'")) return SINGLE_QUOTED_TEXT.exec(t)?.[1]?.replaceAll("''", "'");
  const m = DOUBLE_QUOTED_PLAIN.exec(t);
  return m ? m[1] : undefined;
}

/** Scratch space for a document's UTF-16 units: reading a typed array is several times faster than charCodeAt. */
let units = new Uint16Array(1 << 14);
let unitBytes = Buffer.from(units.buffer);

/**
 * The document's UTF-16 units (valid up to doc.length), followed by a '\n' as a sentinel, so
 * every line, the last included, ends in one and the scan's loops need no bounds checks.
 */
function unitsOf(doc: string): Uint16Array {
  const n = doc.length;
  let u = units;
  if (n + 1 > MAX_SCRATCH) {
    // A huge document gets space of its own, so the scratch space stays small.
    u = new Uint16Array(n + 1);
    Buffer.from(u.buffer).write(doc, 0, 'utf16le');
  } else {
    if (n + 1 > units.length) {
      units = u = new Uint16Array(Math.min(MAX_SCRATCH, Math.max(n + 1, units.length * 2)));
      unitBytes = Buffer.from(units.buffer);
    }
    unitBytes.write(doc, 0, 'utf16le');
  }
  u[n] = 0x0a;
  return u;
}

/** The largest document (in UTF-16 units, with its sentinel) the shared scratch space grows to hold. */
const MAX_SCRATCH = 1 << 20;

/** What a sure line scan read: the document's kind ("" when absent) and its `helm.sh/hook` annotation. */
export interface ScannedHead {
  kind: string;
  hook: string | undefined;
}

/**
 * The line scan itself: when the document surely parses as go-yaml reads it and has the head
 * shape Helm needs, its kind and the `helm.sh/hook` annotation's text; else undefined. Works on indices into the document's units, with the open collections in three
 * parallel arrays, so a line costs no allocation.
 */
export function scanHead(doc: string): ScannedHead | undefined {
  const u = unitsOf(doc);
  // Open collections, innermost last: column, MAP or SEQ, role.
  // Entries past `depth` are stale: popping only moves `depth`.
  const indents: number[] = [];
  const kinds: number[] = [];
  const roles: Role[] = [];
  let depth = 0;
  // A key or dash whose value is on the next lines: its column (-1: none), after a key?, role.
  let pendingIndent = -1;
  let pendingAfterKey = false;
  let pendingRole = Role.None;
  // Inside a block scalar: the parent's column (-1: not in one), the content's column once seen
  // (-1 before), and the widest blank line before it.
  let blockParent = -1;
  let blockIndent = -1;
  let blockMaxBlank = 0;
  let kind = '';
  let hook: string | undefined;
  const end = doc.length;
  // Line by line: every line ends in a '\n' (the last in the sentinel), found as the line is read,
  // and every unit of it is held to go-yaml's printable set on the way.
  let next = 0;
  while (next <= end) {
    const lineStart = next;
    let p = lineStart;
    while (u[p] === 0x20) p++;
    const indent = p - lineStart;
    const c = u[p]!;
    const blank = c === 0x0a;
    if (blockParent >= 0) {
      if (blank) {
        if (blockIndent < 0 && indent > blockMaxBlank) blockMaxBlank = indent;
        next = p + 1;
        continue;
      }
      let content = false;
      if (blockIndent < 0 && indent > blockParent) {
        // The first content line sets the block's indentation; blank lines before it may not exceed it.
        if (blockMaxBlank > indent) return undefined;
        blockIndent = indent;
        content = true;
      } else if (blockIndent >= 0 && indent >= blockIndent) {
        content = true;
      }
      if (content) {
        const eol = lineEndChecked(u, p);
        if (eol < 0) return undefined;
        next = eol + 1;
        continue;
      }
      blockParent = -1;
    }
    if (blank) {
      next = p + 1;
      continue;
    }
    if (c === 0x23 /* # */) {
      const eol = lineEndChecked(u, p);
      if (eol < 0) return undefined;
      next = eol + 1;
      continue;
    }

    // A node line: `- ...` or `key: ...`.
    let type: number;
    let keyFrom = -1;
    let keyTo = -1;
    let valueFrom: number;
    if (c === 0x2d /* - */ && (u[p + 1] === 0x20 || u[p + 1] === 0x0a)) {
      type = SEQ;
      valueFrom = u[p + 1] === 0x0a ? p + 1 : p + 2;
      if (u[valueFrom] === 0x20) return undefined;
    } else {
      const colon = keyColon(u, p);
      if (colon < 0) return undefined;
      type = MAP;
      keyFrom = p;
      keyTo = colon;
      valueFrom = colon + 1;
      while (u[valueFrom] === 0x20) valueFrom++;
    }

    // Where the line belongs: a new collection under the pending key/dash, or an open one.
    let role: Role;
    if (pendingIndent >= 0 && (indent > pendingIndent || (indent === pendingIndent && type === SEQ && pendingAfterKey))) {
      if (pendingRole === Role.Scalar) return undefined;
      if ((pendingRole === Role.Metadata || pendingRole === Role.Annotations) && type !== MAP) return undefined;
      role = pendingRole;
      indents[depth] = indent;
      kinds[depth] = type;
      roles[depth++] = role;
    } else {
      let n = depth;
      while (n > 0) {
        const top = indents[n - 1]!;
        if (top > indent || (top === indent && kinds[n - 1] !== type && n > 1 && indents[n - 2] === indent)) n--;
        else break;
      }
      depth = n;
      if (n === 0) {
        if (indent !== 0 || type !== MAP) return undefined;
        indents[0] = 0;
        kinds[0] = MAP;
        roles[0] = Role.Top;
        depth = 1;
      } else if (indents[n - 1] !== indent || kinds[n - 1] !== type) {
        return undefined;
      }
      role = roles[depth - 1]!;
    }
    pendingIndent = -1;
    if (role === Role.Scalar) return undefined;

    // A compact mapping as a sequence item: `- key: value`.
    let keyRole: Role = type === MAP ? childRole(role, u, keyFrom, keyTo) : Role.None;
    if (keyRole === Role.Unsure) return undefined;
    let keyColumn = indent;
    if (type === SEQ) {
      const colon = u[valueFrom] === 0x0a ? -1 : keyColon(u, valueFrom);
      if (colon >= 0) {
        keyColumn = valueFrom - lineStart;
        indents[depth] = keyColumn;
        kinds[depth] = MAP;
        roles[depth++] = Role.None;
        keyFrom = valueFrom;
        keyTo = colon;
        valueFrom = colon + 1;
        while (u[valueFrom] === 0x20) valueFrom++;
        keyRole = Role.None;
      }
    }

    const vk = valueKind(doc, u, valueFrom);
    if (vk === undefined) return undefined;
    const eol = lineEnd;
    next = eol + 1;
    if (keyRole === Role.Scalar && vk === 'flow') return undefined;
    if ((keyRole === Role.Metadata || keyRole === Role.Annotations) && vk !== 'empty' && !(vk === 'flow' && u[valueFrom] === 0x7b)) {
      return undefined;
    }
    if (role === Role.Annotations && type === MAP && isWord(u, keyFrom, keyTo, HOOK)) {
      hook = annotationText(doc, u, valueFrom, eol, vk);
      if (hook === undefined) return undefined;
    }
    if (role === Role.Top && type === MAP && isWord(u, keyFrom, keyTo, 'kind')) {
      const t = doc.slice(valueFrom, spacesBefore(u, valueFrom, eol));
      if (vk === 'empty') kind = '';
      // An identifier go-yaml reads as a string (not null, true, yes...).
      else if (vk === 'plain' && IDENTIFIER.test(t) && resolvePlain(t).kind === 'str') kind = t;
      else return undefined;
    }
    const ownColumn = type === SEQ && keyFrom < 0 ? indent : keyColumn;
    if (vk === 'empty') {
      pendingIndent = ownColumn;
      pendingAfterKey = keyFrom >= 0;
      pendingRole = keyRole;
    } else if (vk === 'block') {
      blockParent = ownColumn;
      blockIndent = -1;
      blockMaxBlank = 0;
    }
  }
  return { kind, hook };
}
