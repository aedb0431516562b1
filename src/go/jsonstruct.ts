/**
 * How Helm reads YAML into its Go structs (chart.Metadata, repo.IndexFile, releaseutil.SimpleHead):
 * sigs.k8s.io/yaml turns go-yaml's value into JSON, writing a number or bool as text where its
 * look-up of the target type finds a string (`stringFieldOf`, applied by the YAML reader), then
 * encoding/json decodes the JSON into the struct (`decodeJson`) and json.Marshal writes it back
 * (`marshalStruct`). A struct is declared once, as a table of its JSON fields.
 */
import { compareGoStrings } from './fmt.js';
import { goEqualFold } from './strings.js';
import { setKey } from '../values/maps.js';
import { isMap, type Value, type ValueMap } from '../values/types.js';
import { goJsonStringBody, goTimeFromJson, goTimeMarshalProblem, GoTimeError } from './time.js';

/** A refusal of the decoder, in Go's words (json: ..., or a field's own UnmarshalJSON's). */
export class DecodeError extends Error {}

/** A refusal of json.Marshal, in its words. */
export class MarshalError extends Error {}

export type FieldType =
  | { t: 'string' }
  | { t: 'bool' }
  | { t: 'time' }
  | { t: 'any' }
  | { t: 'strings' }
  | { t: 'anys' }
  | { t: 'stringMap' }
  /** A pointer to a struct. */
  | { t: 'struct'; of: StructType }
  /** A slice of struct pointers; `goName` when the slice type has a name of its own. */
  | { t: 'structs'; of: StructType; goName?: string }
  | { t: 'map'; of: FieldType };

export interface Field {
  json: string;
  type: FieldType;
  omitempty: boolean;
}

export interface StructType {
  /** Go's name of the type in messages: `chart.Metadata`, or an anonymous `struct { ... }`. */
  goName: string;
  fields: Field[];
  /** An embedded struct's fields, promoted (ChartVersion's *Metadata). */
  embedded?: { name: string; type: StructType };
}

export const field = (json: string, type: FieldType, omitempty = true): Field => ({ json, type, omitempty });

/** A decoded struct: JSON field name to Go value (string, boolean, string[], ...); null for a nil pointer in a list. */
export type GoStruct = Record<string, unknown>;

export interface DecodeOptions {
  /** json.Decoder.DisallowUnknownFields, as yaml.UnmarshalStrict sets it. */
  strict: boolean;
  /**
   * The JSON came from YAML: sigs.k8s.io/yaml writes the JSON of a Go map, whose keys json.Marshal
   * sorts (`Version` before `version`, so `version` wins); JSON text is read in its own order.
   */
  fromYaml: boolean;
}

/**
 * The decoder's state: like encoding/json, a type mismatch or an unknown field is saved (the first
 * one) and the value skipped, decoding going on; an error of a field's own UnmarshalJSON (time.Time)
 * stops it at once; the saved error is returned at the end.
 */
interface State extends DecodeOptions {
  saved?: DecodeError;
}

/** Saves the first of the decoder's errors, for the end. */
function save(st: State, e: DecodeError): void {
  st.saved ??= e;
}

interface Where {
  /** The struct whose decoding reached the field (Go's UnmarshalTypeError.Struct). */
  struct: string;
  /** JSON field names from the top, embedded struct names included. */
  path: string[];
}

/** What encoding/json calls a JSON value's kind in its type errors. */
export function jsonKind(v: Value): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

function typeName(type: FieldType): string {
  switch (type.t) {
    case 'string':
    case 'bool':
      return type.t;
    case 'time':
      return 'time.Time';
    case 'any':
      return 'interface {}';
    case 'strings':
      return '[]string';
    case 'anys':
      return '[]interface {}';
    case 'stringMap':
      return 'map[string]string';
    case 'struct':
      return type.of.goName;
    case 'structs':
      return type.goName ?? `[]*${type.of.goName}`;
    case 'map':
      return `map[string]${typeName(type.of)}`;
  }
}

/** The struct part of a field error: the type's name without its package (empty for an anonymous struct). */
const structName = (goName: string): string => (goName.startsWith('struct ') ? '' : goName.replace(/^\w+\./, ''));

function typeError(v: Value, goType: string, at: Where): DecodeError {
  return new DecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${[structName(at.struct), ...at.path].join('.')} of type ${goType}`);
}

/** A JSON object's keys in the order json.Unmarshal meets them. */
const keysOf = (v: ValueMap, opts: DecodeOptions): string[] => (opts.fromYaml ? Object.keys(v).sort(compareGoStrings) : Object.keys(v));

/** JSON null sets a map, slice, pointer or interface to nil, and leaves anything else as it was. */
const nilable = (type: FieldType): boolean => type.t !== 'string' && type.t !== 'bool' && type.t !== 'time';

/**
 * One field's JSON value decoded over what the field holds (`before`): encoding/json decodes into
 * what is there, so a map keeps the keys the new one lacks, a struct pointer the fields, and a
 * list of struct pointers has each element decoded over the one at its index.
 */
function decodeField(v: Value, type: FieldType, before: unknown, at: Where, opts: State): unknown {
  if (v === null) return nilable(type) ? undefined : before;
  // A mismatch is saved and the value skipped: the field keeps what it held.
  const wrong = (): unknown => {
    save(opts, typeError(v, typeName(type), at));
    return before;
  };
  const str = (e: Value, old: string | undefined): string => {
    if (typeof e === 'string') return e;
    save(opts, typeError(e, 'string', at));
    return old ?? '';
  };
  switch (type.t) {
    case 'string':
      return typeof v === 'string' ? v : wrong();
    case 'bool':
      return typeof v === 'boolean' ? v : wrong();
    case 'time':
      // Its own UnmarshalJSON: its refusal stops the decoder.
      if (typeof v !== 'string') throw new DecodeError('Time.UnmarshalJSON: input is not a JSON string');
      try {
        // It reads the JSON text as written, escapes and all (JSON given as such is taken as json.Marshal writes it).
        return goTimeFromJson(goJsonStringBody(v));
      } catch (e) {
        if (e instanceof GoTimeError) throw new DecodeError(e.message);
        throw e;
      }
    case 'any':
      return v;
    case 'anys':
      return Array.isArray(v) ? v : wrong();
    case 'strings':
      if (!Array.isArray(v)) return wrong();
      // null leaves an element of the slice that was there as it was.
      return v.map((e, i) => (e === null ? ((before as string[] | undefined)?.[i] ?? '') : str(e, (before as string[] | undefined)?.[i])));
    case 'stringMap': {
      if (!isMap(v)) return wrong();
      const out: Record<string, string> = { ...(before as Record<string, string> | undefined) };
      // Each value is decoded into a fresh element (null leaves it ""), then stored.
      for (const k of keysOf(v, opts)) setKey(out, k, v[k] === null ? '' : str(v[k]!, undefined));
      return out;
    }
    case 'map': {
      if (!isMap(v)) return wrong();
      const out: Record<string, unknown> = { ...(before as Record<string, unknown> | undefined) };
      // Each value is decoded into a fresh element, then stored.
      for (const k of keysOf(v, opts)) setKey(out as ValueMap, k, decodeField(v[k]!, type.of, undefined, at, opts) as Value);
      return out;
    }
    case 'struct':
      if (!isMap(v)) return wrong();
      return decodeStruct(v, type.of, { ...at, struct: type.of.goName }, opts, before as GoStruct | undefined);
    case 'structs': {
      if (!Array.isArray(v)) return wrong();
      const old = Array.isArray(before) ? (before as (GoStruct | null)[]) : [];
      return v.map((e, i) => {
        if (e === null) return null;
        if (!isMap(e)) {
          save(opts, typeError(e, type.of.goName, at));
          return old[i] ?? null;
        }
        return decodeStruct(e, type.of, { ...at, struct: type.of.goName }, opts, old[i] ?? undefined);
      });
    }
  }
}

/** The field a JSON key sets: the exact name, else one equal ignoring case, as encoding/json matches. */
function fieldOf(st: StructType, key: string): { field: Field; embedded: boolean } | undefined {
  const all = [...st.fields.map((f) => ({ field: f, embedded: false })), ...(st.embedded?.type.fields ?? []).map((f) => ({ field: f, embedded: true }))];
  return all.find((c) => c.field.json === key) ?? all.find((c) => goEqualFold(key, c.field.json.toLowerCase()));
}

/** A JSON object decoded into a struct (over `into`, when the struct was there before), a later key winning. */
function decodeStruct(v: ValueMap, st: StructType, at: Where, opts: State, into?: GoStruct): GoStruct {
  const out: GoStruct = { ...into };
  for (const key of keysOf(v, opts)) {
    const found = fieldOf(st, key);
    if (!found) {
      // Its value is skipped unread.
      if (opts.strict) save(opts, new DecodeError(`json: unknown field ${JSON.stringify(key)}`));
      continue;
    }
    const { field: f, embedded } = found;
    const here: Where = { struct: at.struct, path: [...at.path, ...(embedded ? [st.embedded!.name] : []), f.json] };
    const d = decodeField(v[key] as Value, f.type, out[f.json], here, opts);
    if (d === undefined) delete out[f.json];
    else out[f.json] = d;
  }
  return out;
}

/**
 * json.Unmarshal of a document into `st` (`into`: what the struct held before); `path` is where
 * it sits from the top, for messages. null leaves the struct as it was.
 */
export function decodeJson(doc: Value, st: StructType, opts: DecodeOptions, into: GoStruct = {}, path: string[] = []): GoStruct {
  if (doc === null) return into;
  if (!isMap(doc)) throw new DecodeError(`json: cannot unmarshal ${jsonKind(doc)} into Go value of type ${st.goName}`);
  const state: State = { ...opts };
  const out = decodeStruct(doc, st, { struct: st.goName, path }, state, into);
  if (state.saved) throw state.saved;
  return out;
}

/**
 * Where sigs.k8s.io/yaml writes a number or bool as text: the paths (as the YAML reader names
 * them, list indexes as numbers) its look-up of `st` leads to a string. The look-up matches field
 * names as encoding/json does and stops at an embedded struct (its first index is the struct, not
 * a string): an index's `appVersion: 1.10` stays a number, a Chart.yaml's is "1.1".
 */
export function stringFieldOf(st: StructType): (path: readonly string[]) => boolean {
  const reaches = (type: FieldType, path: readonly string[], i: number): boolean => {
    const rest = path.length - i;
    switch (type.t) {
      case 'string':
        return rest === 0;
      case 'strings':
      case 'stringMap':
        return rest === 1;
      case 'map':
        return rest >= 1 && reaches(type.of, path, i + 1);
      case 'struct':
        return inStruct(type.of, path, i);
      case 'structs':
        return rest >= 1 && inStruct(type.of, path, i + 1);
      default:
        return false;
    }
  };
  const inStruct = (s: StructType, path: readonly string[], i: number): boolean => {
    if (i >= path.length) return false;
    const found = fieldOf(s, path[i]!);
    return found !== undefined && !found.embedded && reaches(found.field.type, path, i + 1);
  };
  return (path) => inStruct(st, path, 0);
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
  for (const f of fields) {
    const v = s[f.json];
    if (f.omitempty && isEmpty(v)) continue;
    out[f.json] = marshalValue(v, f.type);
  }
  return out;
}

function marshalValue(v: unknown, type: FieldType): Value {
  switch (type.t) {
    case 'string':
      return (v as string | undefined) ?? '';
    case 'bool':
      return (v as boolean | undefined) ?? false;
    case 'time': {
      const text = (v as string | undefined) ?? ZERO_TIME;
      const problem = goTimeMarshalProblem(text);
      if (problem) throw new MarshalError(`json: error calling MarshalJSON for type time.Time: ${problem}`);
      return text;
    }
    case 'structs':
      return v === undefined ? null : (v as (GoStruct | null)[]).map((e) => (e === null ? null : marshalStruct(e, type.of)));
    case 'struct':
      return v === undefined ? null : marshalStruct(v as GoStruct, type.of);
    default:
      return v === undefined ? null : (v as Value);
  }
}
