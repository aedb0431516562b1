/**
 * Helm's index entry types, chart.Metadata and repo.ChartVersion, as Go decodes them (sigs.k8s.io/yaml:
 * go-yaml's value, then encoding/json into the struct) and writes them back (json tags, omitempty).
 * A field Helm does not know is dropped, or in strict mode (yaml.UnmarshalStrict) refused; a value
 * of the wrong JSON kind is refused in Go's words. sigs.k8s.io/yaml first turns a number or bool
 * into the string a string field wants (`1.10` is "1.1": a float formatted as float32), but only
 * where its look-up of the target type reaches: not inside ChartVersion's embedded *Metadata, so an
 * index's `appVersion: 1.10` is refused where a Chart.yaml's is read as "1.1".
 */
import { compareGoStrings, formatFloatG } from '../go/fmt.js';
import { goBase } from '../go/filepath.js';
import { isVersion } from '../go/semver.js';
import { goEqualFold, goSanitizeString } from '../go/strings.js';
import { isMap, type Value, type ValueMap } from '../values/types.js';

/** A refusal of the decoder, in Go's words (json: ...). */
export class DecodeError extends Error {}

type FieldType =
  | { t: 'string' }
  | { t: 'bool' }
  | { t: 'time' }
  | { t: 'any' }
  | { t: 'strings' }
  | { t: 'anys' }
  | { t: 'stringMap' }
  | { t: 'structs'; of: StructType };

interface Field {
  json: string;
  type: FieldType;
  omitempty: boolean;
}

export interface StructType {
  /** Go's name in messages (Helm 3's package names). */
  goName: string;
  fields: Field[];
  /** An embedded struct's fields, promoted (ChartVersion's *Metadata). */
  embedded?: { name: string; type: StructType };
}

const f = (json: string, type: FieldType, omitempty = true): Field => ({ json, type, omitempty });
const S: FieldType = { t: 'string' };

const MAINTAINER: StructType = { goName: 'chart.Maintainer', fields: [f('name', S), f('email', S), f('url', S)] };
const DEPENDENCY: StructType = {
  goName: 'chart.Dependency',
  fields: [
    f('name', S, false),
    f('version', S),
    f('repository', S, false),
    f('condition', S),
    f('tags', { t: 'strings' }),
    f('enabled', { t: 'bool' }),
    f('import-values', { t: 'anys' }),
    f('alias', S),
  ],
};

/** chart.Metadata, its fields in Go's order. */
export const METADATA: StructType = {
  goName: 'chart.Metadata',
  fields: [
    f('name', S),
    f('home', S),
    f('sources', { t: 'strings' }),
    f('version', S),
    f('description', S),
    f('keywords', { t: 'strings' }),
    f('maintainers', { t: 'structs', of: MAINTAINER }),
    f('icon', S),
    f('apiVersion', S),
    f('condition', S),
    f('tags', S),
    f('appVersion', S),
    f('deprecated', { t: 'bool' }),
    f('annotations', { t: 'stringMap' }),
    f('kubeVersion', S),
    f('dependencies', { t: 'structs', of: DEPENDENCY }),
    f('type', S),
  ],
};

/** repo.ChartVersion: Metadata embedded, then its own fields. */
export const CHART_VERSION: StructType = {
  goName: 'repo.ChartVersion',
  embedded: { name: 'Metadata', type: METADATA },
  fields: [
    f('urls', { t: 'strings' }, false),
    f('created', { t: 'time' }, false),
    f('removed', { t: 'bool' }),
    f('digest', S),
    f('checksum', S),
    f('engine', S),
    f('tillerVersion', S),
    f('url', S),
  ],
};

/** A decoded struct: field name to Go value (string, boolean, string[], ...); null for a nil pointer in a list. */
export type GoStruct = Record<string, unknown>;

export interface DecodeOptions {
  /** yaml.UnmarshalStrict: an unknown field is an error. */
  strict: boolean;
  /** sigs.k8s.io/yaml's scalar-to-string step applies (YAML input; never for JSON). */
  convert: boolean;
}

interface Where {
  /** The struct whose decoding reached the field (Go's UnmarshalTypeError.Struct). */
  struct: string;
  /** JSON field names from the top, embedded struct names included. */
  path: string[];
  convert: boolean;
}

function jsonKind(v: Value): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

function typeError(v: Value, goType: string, at: Where): DecodeError {
  return new DecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${[at.struct.replace(/^\w+\./, ''), ...at.path].join('.')} of type ${goType}`);
}

/** sigs.k8s.io/yaml's conversion of a scalar for a string target: ints in decimal, floats as float32 %g, bools as words. */
function converted(v: Value, at: Where): Value {
  if (!at.convert) return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return formatFloatG(v, 32);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return v;
}

function decodeString(v: Value, at: Where): string | undefined {
  const c = converted(v, at);
  if (c === null) return undefined;
  if (typeof c !== 'string') throw typeError(c, 'string', at);
  return c;
}

function decodeField(v: Value, type: FieldType, at: Where, opts: DecodeOptions): unknown {
  switch (type.t) {
    case 'string':
      return decodeString(v, at);
    case 'time':
      if (v === null) return undefined;
      if (typeof v !== 'string') throw new DecodeError('Time.UnmarshalJSON: input is not a JSON string');
      return goTime(v);
    case 'bool':
      if (v === null) return undefined;
      if (typeof v !== 'boolean') throw typeError(v, 'bool', at);
      return v;
    case 'any':
      return v;
    case 'strings':
    case 'anys':
      if (v === null) return undefined;
      if (!Array.isArray(v)) throw typeError(v, type.t === 'strings' ? '[]string' : '[]interface {}', at);
      return type.t === 'anys' ? v : v.map((e) => decodeString(e, at) ?? '');
    case 'stringMap': {
      if (v === null) return undefined;
      if (!isMap(v)) throw typeError(v, 'map[string]string', at);
      const out: Record<string, string> = {};
      for (const [k, e] of Object.entries(v)) out[k] = decodeString(e, at) ?? '';
      return out;
    }
    case 'structs':
      if (v === null) return undefined;
      if (!Array.isArray(v)) throw typeError(v, `[]*${type.of.goName}`, at);
      return v.map((e) => {
        if (e === null) return null;
        if (!isMap(e)) throw typeError(e, type.of.goName, at);
        return decodeStruct(e, type.of, { ...at, struct: type.of.goName }, opts);
      });
  }
}

/** The field a JSON key sets: the exact name, else one equal ignoring case, as encoding/json matches. */
function fieldOf(st: StructType, key: string): { field: Field; embedded: boolean } | undefined {
  const all = [...st.fields.map((field) => ({ field, embedded: false })), ...(st.embedded?.type.fields ?? []).map((field) => ({ field, embedded: true }))];
  return all.find((c) => c.field.json === key) ?? all.find((c) => goEqualFold(key, c.field.json.toLowerCase()));
}

/**
 * A map decoded into a struct, a later key winning. From YAML the keys come in Go's sorted order
 * (sigs.k8s.io/yaml writes the JSON json.Unmarshal reads from a Go map, which json.Marshal sorts:
 * `Version` before `version`, so `version` wins); from JSON, in document order.
 */
export function decodeStruct(v: ValueMap, st: StructType, at: Where, opts: DecodeOptions): GoStruct {
  const out: GoStruct = {};
  const keys = opts.convert ? Object.keys(v).sort(compareGoStrings) : Object.keys(v);
  for (const key of keys) {
    const value = v[key] as Value;
    const found = fieldOf(st, key);
    if (!found) {
      if (opts.strict) throw new DecodeError(`json: unknown field ${JSON.stringify(key)}`);
      continue;
    }
    const { field, embedded } = found;
    // sigs.k8s.io/yaml looks the target up by the first index of a promoted field: the embedded
    // struct itself, never a string, so nothing under it is converted.
    const here: Where = { struct: at.struct, path: [...at.path, ...(embedded ? [st.embedded!.name] : []), field.json], convert: at.convert && !embedded };
    const d = decodeField(value, field.type, here, opts);
    if (d !== undefined) out[field.json] = reused(out[field.json], d, field.type);
    else if (value === null) continue; // JSON null leaves a Go field as it was
  }
  return out;
}

/**
 * A field set a second time (two keys json.Unmarshal matches alike): encoding/json decodes into
 * what is there, so a map keeps the keys the new one lacks, and a list of struct pointers has each
 * element decoded over the one at its index; anything else is replaced.
 */
function reused(before: unknown, now: unknown, type: FieldType): unknown {
  if (before === undefined) return now;
  if (type.t === 'stringMap') return { ...(before as Record<string, string>), ...(now as Record<string, string>) };
  if (type.t === 'structs' && Array.isArray(before) && Array.isArray(now)) {
    return now.map((e: unknown, i) => (e !== null && before[i] !== null && before[i] !== undefined ? { ...(before[i] as GoStruct), ...(e as GoStruct) } : e));
  }
  return now;
}

/** Decodes a map as Helm decodes it into `st`; `path` is where it sits from the top (for messages). */
export function decodeAs(v: ValueMap, st: StructType, opts: DecodeOptions, path: string[] = []): GoStruct {
  return decodeStruct(v, st, { struct: st.goName, path, convert: opts.convert }, opts);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** time.Time from JSON text, written back as RFC3339Nano (trailing zeros of the fraction dropped). */
function goTime(s: string): string {
  const m = RFC3339.exec(s);
  if (!m) throw new DecodeError(`parsing time ${JSON.stringify(s)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(s)} as "2006"`);
  const frac = (m[7] ?? '').replace(/0+$/, '');
  const zone = m[8] === 'z' || m[8] === 'Z' ? 'Z' : m[8]!;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${frac === '.' ? '' : frac}${zone}`;
}

/** Go's zero time.Time as JSON writes it. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

function isEmpty(v: unknown): boolean {
  return v === undefined || v === '' || v === false || (Array.isArray(v) && v.length === 0) || (isMap(v as Value) && Object.keys(v as object).length === 0);
}

/** A struct written as json.Marshal writes it (omitempty fields left out when empty; a nil slice as null). */
export function marshalStruct(s: GoStruct, st: StructType): ValueMap {
  const out: ValueMap = {};
  const fields = [...(st.embedded?.type.fields ?? []), ...st.fields];
  for (const field of fields) {
    const v = s[field.json];
    if (field.omitempty && isEmpty(v)) continue;
    out[field.json] = marshalValue(v, field.type);
  }
  return out;
}

function marshalValue(v: unknown, type: FieldType): Value {
  switch (type.t) {
    case 'string':
      return (v as string | undefined) ?? '';
    case 'bool':
      return (v as boolean | undefined) ?? false;
    case 'time':
      return (v as string | undefined) ?? ZERO_TIME;
    case 'structs':
      return v === undefined ? null : (v as (GoStruct | null)[]).map((e) => (e === null ? null : marshalStruct(e, type.of)));
    default:
      return v === undefined ? null : (v as Value);
  }
}

/** Chart.yaml's fields as decoded into chart.Metadata (json names); sanitized in place by metadataProblem. */
export interface Metadata {
  [key: string]: unknown;
  name?: string;
  version?: string;
  apiVersion?: string;
  type?: string;
  maintainers?: unknown[];
  dependencies?: unknown[];
}

/** A rule of Metadata.Validate a Chart.yaml breaks: Helm's words, and the top-level field it is about. */
export interface MetadataProblem {
  field: string;
  message: string;
}

const ALIAS = /^[a-zA-Z0-9_-]+$/;
/** The fields Helm's Validate rewrites with sanitizeString (whitespace to spaces, unprintables dropped). */
const SANITIZED = ['name', 'description', 'home', 'icon', 'condition', 'tags', 'appVersion', 'kubeVersion'];

const sanitizeAll = (list: unknown): unknown => (Array.isArray(list) ? list.map((s: unknown) => (typeof s === 'string' ? goSanitizeString(s) : s)) : list);

/**
 * Metadata.Validate (pkg/chart/metadata.go) of a decoded Chart.yaml, for every reader of one (a
 * chart folder, an archive, an index entry): its text fields sanitized in place as Helm does, then
 * the first rule broken, in Helm's order and words; undefined when none is.
 */
export function metadataProblem(md: Metadata): MetadataProblem | undefined {
  for (const k of SANITIZED) if (typeof md[k] === 'string') md[k] = goSanitizeString(md[k]);
  for (const k of ['sources', 'keywords']) if (md[k] !== undefined) md[k] = sanitizeAll(md[k]);
  if (!md.apiVersion) return { field: 'apiVersion', message: 'chart.metadata.apiVersion is required' };
  if (!md.name) return { field: 'name', message: 'chart.metadata.name is required' };
  if (md.name === '.' || md.name === '..') return { field: 'name', message: `chart.metadata.name ${JSON.stringify(md.name)} is not allowed` };
  if (md.name !== goBase(md.name)) return { field: 'name', message: `chart.metadata.name ${JSON.stringify(md.name)} is invalid` };
  if (!md.version) return { field: 'version', message: 'chart.metadata.version is required' };
  if (!isVersion(md.version)) return { field: 'version', message: `chart.metadata.version ${JSON.stringify(md.version)} is invalid` };
  if (md.type !== undefined && md.type !== '' && md.type !== 'application' && md.type !== 'library') {
    return { field: 'type', message: 'chart.metadata.type must be application or library' };
  }
  for (const m of md.maintainers ?? []) {
    if (!isMap(m as Value)) return { field: 'maintainers', message: 'maintainers must not contain empty or null nodes' };
    const mm = m as Record<string, unknown>;
    for (const k of ['name', 'email', 'url']) if (typeof mm[k] === 'string') mm[k] = goSanitizeString(mm[k]);
  }
  const seen = new Set<string>();
  for (const dep of md.dependencies ?? []) {
    if (!isMap(dep as Value)) return { field: 'dependencies', message: 'dependencies must not contain empty or null nodes' };
    const d = dep as Record<string, unknown>;
    for (const k of ['name', 'version', 'repository', 'condition']) if (typeof d[k] === 'string') d[k] = goSanitizeString(d[k]);
    d.tags = sanitizeAll(d.tags);
    const alias = typeof d.alias === 'string' ? d.alias : '';
    if (alias !== '' && !ALIAS.test(alias)) return { field: 'dependencies', message: `dependency ${JSON.stringify(d.name)} has disallowed characters in the alias` };
    const key = alias !== '' ? alias : String(d.name ?? '');
    if (seen.has(key)) return { field: 'dependencies', message: `more than one dependency with name or alias ${JSON.stringify(key)}` };
    seen.add(key);
  }
  return undefined;
}
