/**
 * The chart README's values table, generated the way helm-docs generates it: one row per value of
 * chart/values.yaml (Key | Type | Default | Description), the description taken from the
 * `# -- text` comment right above the key (continued on the following comment lines), else from
 * the JSON schema's `description` of the same path. `# @default -- text` replaces the Default
 * column; `# -- (type) text` replaces the Type column.
 *
 * Rows: every leaf (scalar, list, empty map) and every non-empty map that carries a description
 * of its own (then its children follow). Keys keep the file's order; lists are one row each.
 */
import { isMap as isYamlMap, isScalar, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { UserError } from '../errors.js';

export const TABLE_START = '<!-- values-table:start -->';
export const TABLE_END = '<!-- values-table:end -->';

export interface ValueRow {
  key: string;
  type: string;
  /** Markdown for the Default column (inline code unless `@default` gave text). */
  default: string;
  description: string;
}

interface Comment {
  description?: string;
  type?: string;
  default?: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = { [k: string]: unknown };

const DOC_LINE = /^#\s*--\s?(.*)$/;
const DEFAULT_LINE = /^#\s*@default\s*--\s?(.*)$/;
const ANNOTATION_LINE = /^#\s*@\w+/;
const TYPE_PREFIX = /^\(([a-zA-Z0-9_./-]+)\)\s*(.*)$/;

/** The helm-docs comment block directly above line `line` (0-based), if it has a `# --` line. */
function commentAbove(lines: string[], line: number): Comment {
  const block: string[] = [];
  for (let i = line - 1; i >= 0; i--) {
    const t = lines[i]!.trim();
    if (!t.startsWith('#')) break;
    block.unshift(t);
  }
  let start = -1;
  for (let i = block.length - 1; i >= 0; i--) {
    if (DOC_LINE.test(block[i]!)) {
      start = i;
      break;
    }
  }
  const out: Comment = {};
  // `# @default -- x` may sit anywhere in the block, also after the description.
  for (const l of block) {
    const d = DEFAULT_LINE.exec(l);
    if (d) out.default = d[1]!.trim();
  }
  if (start < 0) return out;
  const parts = [DOC_LINE.exec(block[start]!)![1]!.trim()];
  for (const l of block.slice(start + 1)) {
    if (ANNOTATION_LINE.test(l) || DOC_LINE.test(l)) break;
    parts.push(l.replace(/^#\s?/, '').trim());
  }
  let description = parts.filter((p) => p !== '').join(' ');
  const typed = TYPE_PREFIX.exec(description);
  if (typed) {
    out.type = typed[1]!;
    description = typed[2]!;
  }
  out.description = description;
  return out;
}

/** Follow a local `$ref` (`#/definitions/x`, `#/$defs/x`) of the schema. */
function resolve(root: Schema, node: unknown): Schema | undefined {
  let cur = node;
  for (let hops = 0; hops < 32 && cur && typeof cur === 'object'; hops++) {
    const ref = (cur as Schema)['$ref'];
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return cur as Schema;
    let target: unknown = root;
    for (const seg of ref.slice(2).split('/')) {
      const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
      target = target && typeof target === 'object' ? (target as Schema)[key] : undefined;
    }
    cur = target;
  }
  return undefined;
}

/** The schema node of a value path: `properties`, then (for keys not listed) `additionalProperties`. */
function schemaAt(root: Schema | undefined, path: string[]): Schema | undefined {
  if (!root) return undefined;
  let node = resolve(root, root);
  for (const seg of path) {
    if (!node) return undefined;
    const props = node['properties'];
    let next: unknown;
    if (props && typeof props === 'object' && seg in (props as Schema)) next = (props as Schema)[seg];
    else if (node['additionalProperties'] && typeof node['additionalProperties'] === 'object') next = node['additionalProperties'];
    else {
      // allOf / anyOf / oneOf branches that declare the key
      for (const k of ['allOf', 'anyOf', 'oneOf']) {
        const list = node[k];
        if (!Array.isArray(list)) continue;
        for (const branch of list) {
          const b = resolve(root, branch);
          const p = b?.['properties'];
          if (p && typeof p === 'object' && seg in (p as Schema)) next = (p as Schema)[seg];
        }
      }
    }
    node = resolve(root, next);
  }
  return node;
}

function schemaDescription(node: Schema | undefined): string | undefined {
  const d = node?.['description'];
  return typeof d === 'string' && d.trim() !== '' ? d.trim().replace(/\s*\n\s*/g, ' ') : undefined;
}

function schemaType(node: Schema | undefined): string | undefined {
  const t = node?.['type'];
  if (typeof t === 'string') return t === 'array' ? 'list' : t === 'integer' ? 'int' : t;
  if (Array.isArray(t)) {
    const named = t.filter((x): x is string => typeof x === 'string' && x !== 'null');
    if (named.length === 1) return schemaType({ type: named[0] });
  }
  return undefined;
}

function inferType(v: Json): string | undefined {
  if (v === null) return undefined;
  if (Array.isArray(v)) return 'list';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    default:
      return 'object';
  }
}

/** A path segment as helm-docs prints it: plain, or `["a.b"]` when it is not a simple name. */
function keySegment(prefix: string, key: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(key)) return prefix === '' ? key : `${prefix}.${key}`;
  return `${prefix}[${JSON.stringify(key)}]`;
}

function escapeCell(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** Inline code of a compact JSON default; longer backtick fences when the text holds backticks. */
export function inlineCode(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = runs.length > 0 ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Every documented row of a values file, in file order. */
export function valueRows(valuesYaml: string, schema?: Schema, file = 'values.yaml'): ValueRow[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(valuesYaml, { version: '1.1', lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) throw new UserError(`${file}: ${doc.errors[0]!.message.split('\n')[0]}`, { file });
  const lines = valuesYaml.split('\n');
  const rows: ValueRow[] = [];
  const root = doc.contents;
  if (root === null) return rows;
  if (!isYamlMap(root)) throw new UserError(`${file}: the top level is not a map`, { file });

  const row = (key: string, path: string[], value: Json, comment: Comment): void => {
    const s = schemaAt(schema, path);
    rows.push({
      key,
      type: comment.type ?? inferType(value) ?? schemaType(s) ?? 'string',
      default: comment.default !== undefined ? escapeCell(comment.default) : escapeCell(inlineCode(JSON.stringify(value))),
      description: escapeCell(comment.description ?? schemaDescription(s) ?? ''),
    });
  };

  const walk = (items: Pair<unknown, unknown>[], prefix: string, path: string[]): void => {
    for (const pair of items) {
      const keyNode = pair.key as Node | null;
      if (!isScalar(keyNode)) throw new UserError(`${file}: only scalar keys are supported`, { file });
      const name = String(keyNode.value);
      const key = keySegment(prefix, name);
      const sub = [...path, name];
      const line = keyNode.range ? lineCounter.linePos(keyNode.range[0]).line - 1 : 0;
      const comment = commentAbove(lines, line);
      const valueNode = pair.value as Node | null;
      const value = (valueNode ? valueNode.toJSON() : null) as Json;
      if (isYamlMap(valueNode) && valueNode.items.length > 0) {
        // A map is a row of its own only when it was given a `# --` comment (helm-docs' rule);
        // its children follow either way.
        if (comment.description !== undefined) row(key, sub, value, comment);
        walk(valueNode.items as Pair<unknown, unknown>[], key, sub);
      } else {
        row(key, sub, value, comment);
      }
    }
  };
  walk(root.items as Pair<unknown, unknown>[], '', []);
  return rows;
}

export function renderTable(rows: ValueRow[]): string {
  const out = ['| Key | Type | Default | Description |', '|-----|------|---------|-------------|'];
  for (const r of rows) out.push(`| ${escapeCell(r.key)} | ${r.type} | ${r.default} | ${r.description} |`);
  return `${out.join('\n')}\n`;
}

export function valuesTable(valuesYaml: string, schema?: Schema, file?: string): string {
  return renderTable(valueRows(valuesYaml, schema, file));
}

/** A README for a chart that has none: a short intro, the install commands and the markers. */
export function defaultReadme(meta: { name: string; description?: string }): string {
  const name = meta.name;
  return [
    `# ${name}`,
    '',
    meta.description?.trim() ?? '',
    '',
    '## Install',
    '',
    'From the Helm repository:',
    '',
    '```sh',
    `helm repo add ${name} https://<owner>.github.io/dify-chart`,
    'helm repo update',
    `helm install my-${name} ${name}/${name} --namespace ${name} --create-namespace -f my-values.yaml`,
    '```',
    '',
    'Or render the manifests without Helm:',
    '',
    '```sh',
    `npx dify-chart render my-${name} -n ${name} -f my-values.yaml | kubectl apply -n ${name} -f -`,
    '```',
    '',
    'Generated credentials (`SECRET_KEY`, internal API keys, in-cluster database passwords) are',
    'created on the first install and kept across upgrades; back them up (see the NOTES printed',
    'after the install).',
    '',
    '## Values',
    '',
    'The table is generated from `values.yaml` and `values.schema.json` by `dify-chart docs`;',
    'edit those files, not the table.',
    '',
    TABLE_START,
    TABLE_END,
    '',
  ].join('\n');
}

/** The README with the text between the markers replaced by `table`. */
export function spliceTable(readme: string, table: string, file = 'README.md'): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < 0 || end < start) {
    throw new UserError(`${file}: missing the markers ${TABLE_START} and ${TABLE_END}`, { file });
  }
  if (readme.indexOf(TABLE_START, start + 1) >= 0 || readme.indexOf(TABLE_END, end + 1) >= 0) {
    throw new UserError(`${file}: the values-table markers appear more than once`, { file });
  }
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${table}\n${readme.slice(end)}`;
}
