/**
 * The fast path of values loading: a line scanner for the block YAML most values files are
 * (block maps and lists, plain and one-line quoted scalars, `{}`/`[]`, `|` and `|-` blocks,
 * comments). It types scalars with the same go-yaml rules (goyaml.ts) and records the same
 * positions as the full loader (load.ts). Anything else (anchors, tags, flow collections, folded
 * or multi-line scalars, tabs, duplicate keys, errors of any kind) answers `undefined`, and the
 * full loader reads the file; test/values/simpleyaml.test.ts holds the two to the same result.
 */
import { keyString, resolvePlain } from '../go/yaml-resolve.js';
import { setKey } from './maps.js';
import { Provenance } from './provenance.js';
import type { Value, ValueMap } from './types.js';

/**
 * Plain keys this scanner reads: the first character alphanumeric or `_`, then also `.`, `/`, `-`;
 * at most 1024 characters (go-yaml refuses a longer implicit key, and the full loader says so).
 */
const KEY = /^[A-Za-z0-9_][A-Za-z0-9_./-]{0,1023}$/;
/** First characters a plain scalar may not start with (YAML indicators), `-` handled apart. */
const INDICATOR = /^[?:,[\]{}#&*!|>'"%@`]/;
/** A one-line double-quoted scalar with only the escapes JSON shares with go-yaml. */
const DOUBLE_QUOTED = /^"((?:[^"\\]|\\["\\bfnrt]|\\u(?![dD][89a-fA-F])[0-9a-fA-F]{4})*)"(?: +#.*)?$/;
const SINGLE_QUOTED = /^'((?:[^']|'')*)'(?: +#.*)?$/;
const EMPTY_FLOW = /^(\{\}|\[\])(?: +#.*)?$/;
const LITERAL = /^\|(-?)(?: +#.*)?$/;

type Container = ValueMap | Value[];

interface Frame {
  indent: number;
  container: Container;
  path: string[];
  /** Keys written so far (a map's duplicates go to the full loader, which reports them). */
  keys?: Set<string>;
}

/** A key or dash whose value is on the next lines (or is null). */
interface Pending {
  indent: number;
  afterKey: boolean;
  parent: Container;
  /** The key in a map parent; for a list parent the value is appended when known. */
  key: string;
  path: string[];
}

/** A one-line flow list of plain scalars, `[a, b]`: no quotes, nesting, comments, colons or `?` (a key to go-yaml, `[a?b]` refused) inside. */
const FLOW_LIST = /^\[([^[\]{}#"':?]*)\](?: +#.*)?$/;

/** A flow list's items with their offsets in `t`; undefined when an item is empty or not plain. */
function flowItems(t: string): { value: Value; offset: number }[] | undefined {
  const m = FLOW_LIST.exec(t);
  if (!m) return undefined;
  const items: { value: Value; offset: number }[] = [];
  let from = 1;
  for (const piece of m[1]!.split(',')) {
    const lead = piece.length - piece.trimStart().length;
    const text = piece.trim();
    if (text === '' || /^[?!&*|>%@`-]/.test(text)) return undefined;
    const v = plainValue(text);
    if (v === undefined) return undefined;
    items.push({ value: v.value, offset: from + lead });
    from += piece.length + 1;
  }
  return items;
}

/** A plain scalar typed as go-yaml types it; undefined for what JSON cannot carry (.inf, .nan). */
function plainValue(text: string): { value: Value } | undefined {
  const r = resolvePlain(text);
  switch (r.kind) {
    case 'null':
      return { value: null };
    case 'bool':
    case 'str':
      return { value: r.value };
    case 'int':
    case 'uint':
      return { value: Number(r.value) };
    case 'float':
      return Number.isFinite(r.value) ? { value: r.value } : undefined;
  }
}

type Scalar = { value: Value } | { block: boolean } | { items: { value: Value; offset: number }[] };

/** The typed value of a scalar written after `key: ` or `- `; undefined when outside the subset. */
function scalarValue(raw: string): Scalar | undefined {
  const t = raw.trimEnd();
  const c = t.charCodeAt(0);
  if (c === 0x22 /* " */) {
    const m = DOUBLE_QUOTED.exec(t);
    return m ? { value: JSON.parse(`"${m[1]!}"`) as string } : undefined;
  }
  if (c === 0x27 /* ' */) {
    const m = SINGLE_QUOTED.exec(t);
    return m ? { value: m[1]!.replaceAll("''", "'") } : undefined;
  }
  if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
    const m = EMPTY_FLOW.exec(t);
    if (m) return { value: m[1] === '{}' ? {} : [] };
    const items = c === 0x5b ? flowItems(t) : undefined;
    return items ? { items } : undefined;
  }
  if (c === 0x7c /* | */) {
    const m = LITERAL.exec(t);
    return m ? { block: m[1] === '-' } : undefined;
  }
  if (INDICATOR.test(t) || (c === 0x2d /* - */ && (t.length === 1 || t.charCodeAt(1) === 0x20))) return undefined;
  // A plain scalar, up to a ` #` comment.
  const hash = t.indexOf(' #');
  const text = hash < 0 ? t : t.slice(0, hash).trimEnd();
  if (text.includes(': ') || text.endsWith(':')) return undefined;
  return plainValue(text);
}

/**
 * The values of a simple values file with their positions, or undefined when the file is not
 * simple (the full loader then reads it, and reports any error).
 */
export function parseSimpleValues(text: string, source: string): { values: ValueMap; positions: Provenance } | undefined {
  // Tabs, CR, and LS and PS (line breaks to go-yaml) are the full loader's.
  if (text.includes('\t') || text.includes('\r') || text.includes('\u2028') || text.includes('\u2029')) return undefined;
  const lines = text.split('\n');
  const positions = new Provenance();
  const values: ValueMap = {};
  const stack: Frame[] = [];
  let pending: Pending | undefined;
  let started = false;
  // Whether a `---` opened the document.
  let opened = false;
  const at = (line: number, col: number) => `${source}:${line + 1}:${col + 1}`;

  // Puts a value where `pending` (or the open list) wants it, recording a list item's position.
  const place = (parent: Container, key: string, path: string[], value: Value, line: number, col: number): void => {
    if (Array.isArray(parent)) {
      positions.record([...path, String(parent.length)], at(line, col));
      parent.push(value);
    } else {
      setKey(parent, key, value);
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let indent = 0;
    while (indent < line.length && line.charCodeAt(indent) === 0x20) indent++;
    if (indent === line.length) continue;
    const rest = line.slice(indent);
    if (rest.charCodeAt(0) === 0x23 /* # */) continue;
    if (indent === 0 && (rest.startsWith('---') || rest.startsWith('...'))) {
      // A second document (even after an empty first one), or content after ---: the full loader's.
      if (started || opened || rest !== '---') return undefined;
      opened = true;
      continue;
    }
    started = true;

    let isItem = rest === '-' || rest.startsWith('- ');
    let body = isItem ? rest.slice(2) : rest;
    if (isItem && body.startsWith(' ')) return undefined;
    let column = isItem ? indent + 2 : indent;

    // Where the line belongs: under the pending key/dash, or in an open collection.
    let frame: Frame;
    if (pending && (indent > pending.indent || (indent === pending.indent && isItem && pending.afterKey))) {
      const container: Container = isItem ? [] : {};
      const p = pending;
      if (Array.isArray(p.parent)) {
        // A list item whose value starts on this line: its position is this line's first node.
        positions.record([...p.path, String(p.parent.length)], at(i, indent));
        p.parent.push(container);
        frame = { indent, container, path: [...p.path, String(p.parent.length - 1)] };
      } else {
        setKey(p.parent, p.key, container);
        frame = { indent, container, path: p.path };
      }
      if (!isItem) frame.keys = new Set();
      stack.push(frame);
    } else {
      if (pending && Array.isArray(pending.parent)) return undefined; // `-` with nothing: left to the full loader
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const under = stack[stack.length - 2];
        const topIsList = Array.isArray(top.container);
        if (top.indent > indent || (top.indent === indent && topIsList !== isItem && under?.indent === indent)) stack.pop();
        else break;
      }
      const top = stack[stack.length - 1];
      if (!top) {
        if (indent !== 0 || isItem || stack.length > 0 || Object.keys(values).length > 0) return undefined;
        frame = { indent: 0, container: values, path: [], keys: new Set() };
        stack.push(frame);
      } else {
        if (top.indent !== indent || Array.isArray(top.container) !== isItem) return undefined;
        frame = top;
      }
    }
    pending = undefined;

    // A list item that is a compact map: `- key: value`.
    if (isItem) {
      const colon = body.indexOf(':');
      if (colon > 0 && KEY.test(body.slice(0, colon)) && (colon + 1 === body.length || body.charCodeAt(colon + 1) === 0x20)) {
        const map: ValueMap = {};
        place(frame.container, '', frame.path, map, i, column);
        const inner: Frame = { indent: column, container: map, path: [...frame.path, String((frame.container as Value[]).length - 1)], keys: new Set() };
        stack.push(inner);
        frame = inner;
        isItem = false;
      } else if (body === '') {
        pending = { indent, afterKey: false, parent: frame.container, key: '', path: frame.path };
        continue;
      }
    }

    let key = '';
    let path = frame.path;
    if (!isItem) {
      const colon = body.indexOf(':');
      if (colon <= 0 || (colon + 1 < body.length && body.charCodeAt(colon + 1) !== 0x20)) return undefined;
      const keyText = body.slice(0, colon);
      if (!KEY.test(keyText)) return undefined;
      const k = keyString(resolvePlain(keyText));
      if (k === undefined || frame.keys!.has(k)) return undefined;
      frame.keys!.add(k);
      key = k;
      path = [...frame.path, k];
      positions.record(path, at(i, column));
      let v = colon + 1;
      while (v < body.length && body.charCodeAt(v) === 0x20) v++;
      column += v;
      body = body.slice(v);
      if (body === '' || body.charCodeAt(0) === 0x23 /* # */) {
        // Null unless the next lines open a map or list under the key.
        setKey(frame.container as ValueMap, key, null);
        pending = { indent: frame.indent, afterKey: true, parent: frame.container, key, path };
        continue;
      }
    }

    const s = scalarValue(body);
    if (s === undefined) return undefined;
    if ('value' in s) {
      place(frame.container, key, path, s.value, i, column);
      continue;
    }
    if ('items' in s) {
      const list: Value[] = [];
      place(frame.container, key, path, list, i, column);
      const listPath = Array.isArray(frame.container) ? [...path, String(frame.container.length - 1)] : path;
      for (const item of s.items) {
        positions.record([...listPath, String(list.length)], at(i, column + item.offset));
        list.push(item.value);
      }
      continue;
    }
    // A literal block: its lines, indented deeper than the parent, up to the first line less
    // indented; `|` keeps one final newline, `|-` none.
    const parentIndent = isItem ? indent : frame.indent;
    let n = -1;
    let maxBlank = 0;
    const content: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      let ind = 0;
      while (ind < l.length && l.charCodeAt(ind) === 0x20) ind++;
      if (ind === l.length) {
        // Spaces beyond the block's indentation would be content; the full loader decides those.
        if (n >= 0 && ind > n) return undefined;
        if (n < 0) maxBlank = Math.max(maxBlank, ind);
        content.push('');
        continue;
      }
      if (n < 0) {
        if (ind <= parentIndent) break;
        if (maxBlank > ind) return undefined;
        n = ind;
      } else if (ind < n) {
        break;
      }
      content.push(l.slice(n));
    }
    // A last line without a line break: go-yaml keeps none there (the full loader's).
    if (j === lines.length && lines[j - 1] !== '') return undefined;
    while (content.length > 0 && content[content.length - 1] === '') content.pop();
    const textValue = content.length === 0 ? '' : content.join('\n') + (s.block ? '' : '\n');
    place(frame.container, key, path, textValue, i, column);
    i = j - 1;
  }
  if (pending && Array.isArray(pending.parent)) return undefined; // a final `-` with nothing
  return { values, positions };
}
