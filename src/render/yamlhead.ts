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
import { keyString, resolvePlain } from '../values/goyaml.js';

/** Characters go-yaml reads as printable and not as a line break; anything else takes the slow path. */
const UNUSUAL_CHAR = /[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;
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

/** Characters of a plain key this scanner accepts: [A-Za-z0-9_] first, then also `.`, `/` and `-`. */
const KEY_FIRST = new Uint8Array(128);
const KEY_REST = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  KEY_FIRST[c] = /[A-Za-z0-9_]/.test(ch) ? 1 : 0;
  KEY_REST[c] = /[A-Za-z0-9_./-]/.test(ch) ? 1 : 0;
}
/** First characters a plain scalar may not start with (YAML indicators), `-` handled apart. */
const INDICATOR = new Uint8Array(128);
for (const ch of '?:,[]{}#&*!|>\'"%@`') INDICATOR[ch.charCodeAt(0)] = 1;

/** The index of the colon of a `key:` starting at `from` (followed by a space or the end), or -1. */
function keyColon(u: Uint16Array, from: number, end: number): number {
  const c0 = u[from]!;
  if (from >= end || c0 >= 128 || KEY_FIRST[c0] === 0) return -1;
  let i = from + 1;
  while (i < end) {
    const c = u[i]!;
    if (c < 128 && KEY_REST[c] === 1) i++;
    else break;
  }
  if (i >= end || u[i] !== 0x3a /* : */) return -1;
  return i + 1 === end || u[i + 1] === 0x20 ? i : -1;
}

/** What `s[from, end)` (after `key: ` or `- `, trailing spaces ignored) is; undefined when outside the subset. */
function valueKind(s: string, u: Uint16Array, from: number, end: number): ValueKind | undefined {
  while (end > from && u[end - 1] === 0x20) end--;
  if (from >= end) return 'empty';
  const c = u[from]!;
  if (c === 0x23 /* # */) return 'empty';
  if (c === 0x22 /* " */) {
    const t = s.slice(from, end);
    return DOUBLE_QUOTED.test(t) && !LONE_SURROGATE_ESCAPE.test(t) ? 'quoted' : undefined;
  }
  if (c === 0x27 /* ' */) return SINGLE_QUOTED.test(s.slice(from, end)) ? 'quoted' : undefined;
  if (c === 0x7b /* { */ || c === 0x5b /* [ */) return EMPTY_FLOW.test(s.slice(from, end)) ? 'flow' : undefined;
  if (c === 0x7c /* | */ || c === 0x3e /* > */) return BLOCK_HEADER.test(s.slice(from, end)) ? 'block' : undefined;
  if (c < 128 && INDICATOR[c] === 1) return undefined;
  if (c === 0x2d /* - */ && (from + 1 === end || u[from + 1] === 0x20)) return undefined;
  // A plain scalar: no `: `, no ` #`, no trailing `:`, and not a float JSON cannot carry.
  for (let i = from; i < end; i++) {
    const x = u[i]!;
    if (x === 0x3a /* : */ && (i + 1 === end || u[i + 1] === 0x20)) return undefined;
    if (x === 0x23 /* # */ && u[i - 1] === 0x20) return undefined;
  }
  if ((c === 0x2e || c === 0x2b || c === 0x2d) /* . + - */ && NON_FINITE.test(s.slice(from, end))) return undefined;
  return 'plain';
}

/** What a collection is in the document's head, so its entries can be held to Helm's shape. */
const enum Role {
  None,
  Top,
  Metadata,
  Annotations,
  Scalar,
}

const MAP = 0;
const SEQ = 1;

/** Whether `s[from, to)` is exactly `word`. */
function isWord(s: string, from: number, to: number, word: string): boolean {
  return to - from === word.length && s.startsWith(word, from);
}

/** The role of the value of the key `s[from, to)`, given the role of the mapping it is in. */
function childRole(parent: Role, s: string, from: number, to: number): Role {
  if (parent === Role.Top) {
    if (isWord(s, from, to, 'metadata')) return Role.Metadata;
    if (isWord(s, from, to, 'kind') || isWord(s, from, to, 'apiVersion')) return Role.Scalar;
  } else if (parent === Role.Metadata) {
    if (isWord(s, from, to, 'annotations')) return Role.Annotations;
    if (isWord(s, from, to, 'name')) return Role.Scalar;
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
function annotationText(doc: string, from: number, to: number, vk: ValueKind): string | undefined {
  const t = doc.slice(from, to).trimEnd();
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
 * The document's UTF-16 units (valid up to doc.length), or undefined when it holds a character
 * outside go-yaml's printable set.
 */
function unitsOf(doc: string): Uint16Array | undefined {
  if (UNUSUAL_CHAR.test(doc)) return undefined;
  const n = doc.length;
  if (n > MAX_SCRATCH) {
    // A huge document gets space of its own, so the scratch space stays small.
    const own = new Uint16Array(n);
    Buffer.from(own.buffer).write(doc, 0, 'utf16le');
    return own;
  }
  if (n > units.length) {
    units = new Uint16Array(Math.min(MAX_SCRATCH, Math.max(n, units.length * 2)));
    unitBytes = Buffer.from(units.buffer);
  }
  unitBytes.write(doc, 0, 'utf16le');
  return units;
}

/** The largest document (in UTF-16 units) the shared scratch space grows to hold. */
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
  if (u === undefined) return undefined;
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
  let start = 0;
  while (start <= end) {
    let eol = doc.indexOf('\n', start);
    if (eol < 0) eol = end;
    const lineStart = start;
    start = eol + 1;
    let p = lineStart;
    while (p < eol && u[p] === 0x20) p++;
    const indent = p - lineStart;
    const blank = p === eol;
    if (blockParent >= 0) {
      if (blank) {
        if (blockIndent < 0 && indent > blockMaxBlank) blockMaxBlank = indent;
        continue;
      }
      if (blockIndent < 0 && indent > blockParent) {
        // The first content line sets the block's indentation; blank lines before it may not exceed it.
        if (blockMaxBlank > indent) return undefined;
        blockIndent = indent;
        continue;
      }
      if (blockIndent >= 0 && indent >= blockIndent) continue;
      blockParent = -1;
    }
    if (blank) continue;
    const c = u[p];
    if (c === 0x23 /* # */) continue;

    // A node line: `- ...` or `key: ...`.
    let type: number;
    let keyFrom = -1;
    let keyTo = -1;
    let valueFrom: number;
    if (c === 0x2d /* - */ && (p + 1 === eol || u[p + 1] === 0x20)) {
      type = SEQ;
      valueFrom = p + 1 === eol ? eol : p + 2;
      if (valueFrom < eol && u[valueFrom] === 0x20) return undefined;
    } else {
      const colon = keyColon(u, p, eol);
      if (colon < 0) return undefined;
      type = MAP;
      keyFrom = p;
      keyTo = colon;
      valueFrom = colon + 1;
      while (valueFrom < eol && u[valueFrom] === 0x20) valueFrom++;
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
    let keyRole: Role = type === MAP ? childRole(role, doc, keyFrom, keyTo) : Role.None;
    let keyColumn = indent;
    if (type === SEQ) {
      const colon = valueFrom < eol ? keyColon(u, valueFrom, eol) : -1;
      if (colon >= 0) {
        keyColumn = valueFrom - lineStart;
        indents[depth] = keyColumn;
        kinds[depth] = MAP;
        roles[depth++] = Role.None;
        keyFrom = valueFrom;
        keyTo = colon;
        valueFrom = colon + 1;
        while (valueFrom < eol && u[valueFrom] === 0x20) valueFrom++;
        keyRole = Role.None;
      }
    }

    const vk = valueKind(doc, u, valueFrom, eol);
    if (vk === undefined) return undefined;
    if (keyRole === Role.Scalar && vk === 'flow') return undefined;
    if ((keyRole === Role.Metadata || keyRole === Role.Annotations) && vk !== 'empty' && !(vk === 'flow' && u[valueFrom] === 0x7b)) {
      return undefined;
    }
    if (role === Role.Annotations && type === MAP && isWord(doc, keyFrom, keyTo, HOOK)) {
      hook = annotationText(doc, valueFrom, eol, vk);
      if (hook === undefined) return undefined;
    }
    if (role === Role.Top && type === MAP && isWord(doc, keyFrom, keyTo, 'kind')) {
      const t = doc.slice(valueFrom, eol).trimEnd();
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
