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

/** Characters go-yaml reads as printable and not as a line break; anything else takes the slow path. */
const UNUSUAL_CHAR = /[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;
const KEY = /^([A-Za-z0-9_][A-Za-z0-9_./-]*):(?: +(.*))?$/;
const COMMENT_TAIL = '(?: +#.*)?';
const DOUBLE_QUOTED = new RegExp(`^"((?:[^"\\\\]|\\\\(?:[0abtnvfre "'\\\\N_LP]|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U00(?:0[0-9A-Fa-f]|10)[0-9A-Fa-f]{4}))*)"${COMMENT_TAIL}$`);
const LONE_SURROGATE_ESCAPE = /\\(?:u|U0000)[dD][89a-fA-F]/;
const SINGLE_QUOTED = new RegExp(`^'(?:[^']|'')*'${COMMENT_TAIL}$`);
const EMPTY_FLOW = new RegExp(`^(?:\\{\\}|\\[\\])${COMMENT_TAIL}$`);
const BLOCK_HEADER = new RegExp(`^[|>][-+]?${COMMENT_TAIL}$`);
/** First characters a plain scalar may not start with (YAML indicators), `-` handled apart. */
const INDICATOR_START = /^[?:,[\]{}#&*!|>'"%@`]/;
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9]*$/;
/** Plain scalars go-yaml reads as infinite or NaN floats, which sigs.k8s.io/yaml cannot turn into JSON. */
export const NON_FINITE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

type ValueKind = 'empty' | 'plain' | 'quoted' | 'flow' | 'block';

/** What follows `key: ` or `- ` on one line; undefined when it is outside the subset. */
function valueKind(v: string): ValueKind | undefined {
  const t = v.trimEnd();
  if (t === '' || t.startsWith('#')) return 'empty';
  const c = t.charCodeAt(0);
  if (c === 0x22 /* " */) return DOUBLE_QUOTED.test(t) && !LONE_SURROGATE_ESCAPE.test(t) ? 'quoted' : undefined;
  if (c === 0x27 /* ' */) return SINGLE_QUOTED.test(t) ? 'quoted' : undefined;
  if (c === 0x7b /* { */ || c === 0x5b /* [ */) return EMPTY_FLOW.test(t) ? 'flow' : undefined;
  if (c === 0x7c /* | */ || c === 0x3e /* > */) return BLOCK_HEADER.test(t) ? 'block' : undefined;
  if (INDICATOR_START.test(t)) return undefined;
  if (c === 0x2d /* - */ && (t.length === 1 || t.charCodeAt(1) === 0x20)) return undefined;
  if (t.includes(': ') || t.endsWith(':') || t.includes(' #') || NON_FINITE.test(t)) return undefined;
  return 'plain';
}

/** What a collection is in the document's head, so its entries can be held to Helm's shape. */
type Role = 'top' | 'metadata' | 'annotations' | 'scalar' | undefined;

interface Frame {
  indent: number;
  kind: 'map' | 'seq';
  role: Role;
}

interface Pending {
  /** Column of the key (or dash) whose value is on the next lines. */
  indent: number;
  /** After `key:` a sequence may start at the key's own column. */
  afterKey: boolean;
  role: Role;
}

/** The role of a key's value, given the role of the mapping it is in. */
function childRole(parent: Role, key: string): Role {
  if (parent === 'top') {
    if (key === 'metadata') return 'metadata';
    if (key === 'kind' || key === 'apiVersion') return 'scalar';
  } else if (parent === 'metadata') {
    if (key === 'annotations') return 'annotations';
    if (key === 'name') return 'scalar';
  } else if (parent === 'annotations') {
    return 'scalar';
  }
  return undefined;
}

/**
 * `true` when the document surely parses as go-yaml reads it, is a mapping (or empty), has the
 * head shape Helm needs and its `kind` equals `expectedKind` (the cheap line scan's answer).
 * `undefined` means "not sure": ask the full parser.
 */
export function simpleHeadOk(doc: string, expectedKind: string): true | undefined {
  if (UNUSUAL_CHAR.test(doc)) return undefined;
  const stack: Frame[] = [];
  let pending: Pending | undefined;
  // Inside a block scalar: the parent's column, and the content's column once seen.
  let block: { parent: number; indent: number; maxBlank: number } | undefined;
  let kind = '';
  let start = 0;
  const end = doc.length;
  while (start <= end) {
    let nl = doc.indexOf('\n', start);
    if (nl < 0) nl = end;
    const line = doc.slice(start, nl);
    start = nl + 1;
    let indent = 0;
    while (indent < line.length && line.charCodeAt(indent) === 0x20) indent++;
    const blank = indent === line.length;
    if (block) {
      if (blank) {
        if (block.indent < 0) block.maxBlank = Math.max(block.maxBlank, indent);
        continue;
      }
      if (block.indent < 0 && indent > block.parent) {
        // The first content line sets the block's indentation; blank lines before it may not exceed it.
        if (block.maxBlank > indent) return undefined;
        block.indent = indent;
        continue;
      }
      if (block.indent >= 0 && indent >= block.indent) continue;
      block = undefined;
    }
    if (blank) continue;
    const rest = indent === 0 ? line : line.slice(indent);
    if (rest.charCodeAt(0) === 0x23 /* # */) continue;

    // A node line: `- ...` or `key: ...`.
    let type: 'map' | 'seq';
    let key: string | undefined;
    let value: string;
    let valueColumn: number;
    if (rest === '-' || rest.startsWith('- ')) {
      type = 'seq';
      value = rest.length > 1 ? rest.slice(2) : '';
      if (value.startsWith(' ')) return undefined;
      valueColumn = indent + 2;
    } else {
      const m = KEY.exec(rest);
      if (!m) return undefined;
      type = 'map';
      key = m[1]!;
      value = m[2] ?? '';
      valueColumn = indent;
    }

    // Where the line belongs: a new collection under the pending key/dash, or an open one.
    let role: Role;
    if (pending && (indent > pending.indent || (indent === pending.indent && type === 'seq' && pending.afterKey))) {
      if (pending.role === 'scalar') return undefined;
      if ((pending.role === 'metadata' || pending.role === 'annotations') && type !== 'map') return undefined;
      role = pending.role;
      stack.push({ indent, kind: type, role });
    } else {
      pending = undefined;
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const under = stack[stack.length - 2];
        if (top.indent > indent || (top.indent === indent && top.kind !== type && under?.indent === indent)) stack.pop();
        else break;
      }
      const top = stack[stack.length - 1];
      if (!top) {
        if (indent !== 0 || type !== 'map') return undefined;
        stack.push({ indent: 0, kind: 'map', role: 'top' });
      } else if (top.indent !== indent || top.kind !== type) {
        return undefined;
      }
      role = stack[stack.length - 1]!.role;
    }
    pending = undefined;

    // A compact mapping as a sequence item: `- key: value`.
    let keyRole: Role = type === 'map' ? childRole(role, key!) : undefined;
    let keyColumn = indent;
    if (type === 'seq') {
      if (role === 'scalar') return undefined;
      const m = KEY.exec(value);
      if (m) {
        keyColumn = valueColumn;
        stack.push({ indent: keyColumn, kind: 'map', role: undefined });
        key = m[1]!;
        value = m[2] ?? '';
        keyRole = undefined;
      }
    }
    if (role === 'scalar') return undefined;

    const vk = valueKind(value);
    if (vk === undefined) return undefined;
    if (keyRole === 'scalar' && vk === 'flow') return undefined;
    if ((keyRole === 'metadata' || keyRole === 'annotations') && vk !== 'empty' && !(vk === 'flow' && value.startsWith('{'))) return undefined;
    if (role === 'top' && key === 'kind') {
      const t = value.trimEnd();
      if (vk === 'empty') kind = '';
      else if (vk === 'plain' && IDENTIFIER.test(t)) kind = t;
      else return undefined;
    }
    if (vk === 'empty') {
      const column = type === 'seq' && key === undefined ? indent : keyColumn;
      pending = { indent: column, afterKey: key !== undefined, role: keyRole };
    } else if (vk === 'block') {
      block = { parent: type === 'seq' && key === undefined ? indent : keyColumn, indent: -1, maxBlank: 0 };
    }
  }
  return kind === expectedKind ? true : undefined;
}
