/**
 * A JSON Schema (draft-07) interpreter whose only answer is "surely valid". It walks the values
 * and the schema together, with no compile step, so a cold start pays nothing for a schema of
 * any size. It knows the keywords the chart's schema uses; a schema with any other keyword gets
 * no quick check at all. Wherever ajv could be more lenient it is stricter (own keys only, no
 * non-finite numbers, a `$ref` with siblings refused), so "valid" here is always valid to ajv;
 * anything else goes to ajv, which decides and words the errors (src/values/validate.ts).
 */

import { rememberFrozen } from './maps.js';

type Schema = boolean | { [keyword: string]: unknown };
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Keywords that only annotate. */
const ANNOTATIONS = new Set(['$schema', '$comment', 'title', 'description', 'default', 'examples', 'readOnly', 'writeOnly', 'definitions']);
/** Keywords this interpreter evaluates. */
const EVALUATED = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'propertyNames', 'minProperties', 'maxProperties',
  'items', 'minItems', 'maxItems', 'contains', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'if', 'then', 'else', 'allOf', 'anyOf', 'oneOf', 'not', '$ref',
]);

const NUMERIC = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'];
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'array', 'object']);
const hasOwn = Object.prototype.hasOwnProperty;

/** Whether every keyword anywhere in the schema is known here (`x-` extensions are annotations). */
function supported(node: unknown, root: Schema): boolean {
  if (typeof node === 'boolean') return true;
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
  const s = node as Record<string, unknown>;
  for (const k of Object.keys(s)) {
    if (k.startsWith('x-') || ANNOTATIONS.has(k)) continue;
    if (!EVALUATED.has(k)) return false;
  }
  if ('$ref' in s) {
    // draft-07 ignores a $ref's siblings and ajv does not: refuse rather than pick a side.
    if (Object.keys(s).some((k) => k !== '$ref' && EVALUATED.has(k))) return false;
    if (resolveRef(root, s.$ref) === undefined) return false;
  }
  if (Array.isArray(s.items)) return false;
  for (const k of NUMERIC) if (s[k] !== undefined && (typeof s[k] !== 'number' || !Number.isFinite(s[k]))) return false;
  if (s.multipleOf !== undefined && !((s.multipleOf as number) > 0)) return false;
  if (s.required !== undefined && (!Array.isArray(s.required) || !s.required.every((r) => typeof r === 'string'))) return false;
  if (s.enum !== undefined && !Array.isArray(s.enum)) return false;
  if (s.type !== undefined && ![s.type].flat().every((t) => typeof t === 'string' && TYPES.has(t))) return false;
  if (s.type !== undefined && typeof s.type !== 'string' && !Array.isArray(s.type)) return false;
  if (s.pattern !== undefined) {
    if (typeof s.pattern !== 'string') return false;
    try {
      new RegExp(s.pattern, 'u');
    } catch {
      return false;
    }
  }
  for (const k of ['properties', 'definitions']) {
    const m = s[k];
    if (m !== undefined) {
      if (typeof m !== 'object' || m === null) return false;
      for (const sub of Object.values(m)) if (!supported(sub, root)) return false;
    }
  }
  for (const k of ['additionalProperties', 'propertyNames', 'items', 'contains', 'if', 'then', 'else', 'not']) {
    if (s[k] !== undefined && !supported(s[k], root)) return false;
  }
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    const list = s[k];
    if (list !== undefined && (!Array.isArray(list) || !list.every((sub) => supported(sub, root)))) return false;
  }
  return true;
}

function resolveRef(root: Schema, ref: unknown): Schema | undefined {
  if (typeof ref !== 'string' || !ref.startsWith('#/definitions/') || typeof root !== 'object') return undefined;
  const defs = root.definitions as Record<string, Schema> | undefined;
  const name = ref.slice('#/definitions/'.length);
  return defs && hasOwn.call(defs, name) && !name.includes('/') && !name.includes('~') ? defs[name] : undefined;
}

function typeIs(t: string, v: Json): boolean {
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    default:
      return false;
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((x, i) => deepEqual(x, bs[i]));
  }
  const ka = Object.keys(a);
  const bo = b as Record<string, unknown>;
  return ka.length === Object.keys(bo).length && ka.every((k) => hasOwn.call(bo, k) && deepEqual((a as Record<string, unknown>)[k], bo[k]));
}

/** Unicode code points, as ajv's ucs2length counts a string's length. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

class Interpreter {
  private readonly patterns = new Map<string, RegExp>();
  private readonly propertyKeys = new Map<object, string[]>();

  private keysOf(props: Record<string, Schema>): string[] {
    let k = this.propertyKeys.get(props);
    if (k === undefined) this.propertyKeys.set(props, (k = Object.keys(props)));
    return k;
  }

  /** Schemas a frozen (immutable) value is known to satisfy: that answer cannot change. */
  private readonly known = new WeakMap<object, Set<Schema>>();

  constructor(private readonly root: Schema) {}

  private regex(p: string): RegExp {
    let r = this.patterns.get(p);
    if (!r) {
      r = new RegExp(p, 'u');
      this.patterns.set(p, r);
    }
    return r;
  }

  valid(schema: Schema, v: Json): boolean {
    if (typeof v !== 'object' || v === null || typeof schema === 'boolean' || !Object.isFrozen(v)) return this.judge(schema, v);
    let schemas = this.known.get(v);
    if (schemas?.has(schema)) return true;
    const ok = this.judge(schema, v);
    if (ok) {
      if (schemas === undefined) this.known.set(v, (schemas = new Set()));
      schemas.add(schema);
    }
    return ok;
  }

  private judge(schema: Schema, v: Json): boolean {
    if (schema === true) return true;
    if (schema === false) return false;
    const s = schema;
    if (s.$ref !== undefined) return this.valid(resolveRef(this.root, s.$ref)!, v);
    if (s.type !== undefined) {
      const types = s.type as string | string[];
      if (typeof types === 'string' ? !typeIs(types, v) : !types.some((t) => typeIs(t, v))) return false;
    }
    if (s.const !== undefined && !deepEqual(s.const, v)) return false;
    if (s.enum !== undefined && !(s.enum as unknown[]).some((e) => deepEqual(e, v))) return false;
    if (typeof v === 'string') {
      if (s.minLength !== undefined || s.maxLength !== undefined) {
        const n = codePoints(v);
        if (s.minLength !== undefined && n < (s.minLength as number)) return false;
        if (s.maxLength !== undefined && n > (s.maxLength as number)) return false;
      }
      if (s.pattern !== undefined && !this.regex(s.pattern as string).test(v)) return false;
    } else if (typeof v === 'number') {
      if (s.minimum !== undefined && !(v >= (s.minimum as number))) return false;
      if (s.maximum !== undefined && !(v <= (s.maximum as number))) return false;
      if (s.exclusiveMinimum !== undefined && !(v > (s.exclusiveMinimum as number))) return false;
      if (s.exclusiveMaximum !== undefined && !(v < (s.exclusiveMaximum as number))) return false;
      if (s.multipleOf !== undefined && !Number.isInteger(v / (s.multipleOf as number))) return false;
    } else if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < (s.minItems as number)) return false;
      if (s.maxItems !== undefined && v.length > (s.maxItems as number)) return false;
      if (s.items !== undefined) for (const x of v) if (!this.valid(s.items as Schema, x)) return false;
      if (s.contains !== undefined && !v.some((x) => this.valid(s.contains as Schema, x))) return false;
    } else if (v !== null && typeof v === 'object') {
      if (!this.validObject(s, v)) return false;
    }
    if (s.allOf !== undefined && !(s.allOf as Schema[]).every((x) => this.valid(x, v))) return false;
    if (s.anyOf !== undefined && !(s.anyOf as Schema[]).some((x) => this.valid(x, v))) return false;
    if (s.oneOf !== undefined && (s.oneOf as Schema[]).filter((x) => this.valid(x, v)).length !== 1) return false;
    if (s.not !== undefined && this.valid(s.not as Schema, v)) return false;
    if (s.if !== undefined) {
      const branch = this.valid(s.if as Schema, v) ? s.then : s.else;
      if (branch !== undefined && !this.valid(branch as Schema, v)) return false;
    }
    return true;
  }

  private validObject(s: { [keyword: string]: unknown }, v: { [k: string]: Json }): boolean {
    const props = s.properties as Record<string, Schema> | undefined;
    if (s.required !== undefined) for (const k of s.required as string[]) if (!hasOwn.call(v, k)) return false;
    const extra = s.additionalProperties as Schema | undefined;
    if (extra === undefined && s.propertyNames === undefined && s.minProperties === undefined && s.maxProperties === undefined) {
      // Only keys named in `properties` are checked, so the value's own key list is not needed
      // (`if` branches name a key or two of a map that has dozens).
      if (props === undefined) return true;
      for (const k of this.keysOf(props)) if (hasOwn.call(v, k) && !this.valid(props[k]!, v[k]!)) return false;
      return true;
    }
    const keys = Object.keys(v);
    if (s.minProperties !== undefined && keys.length < (s.minProperties as number)) return false;
    if (s.maxProperties !== undefined && keys.length > (s.maxProperties as number)) return false;
    for (const k of keys) {
      if (s.propertyNames !== undefined && !this.valid(s.propertyNames as Schema, k)) return false;
      const sub = props !== undefined && hasOwn.call(props, k) ? props[k] : undefined;
      if (sub !== undefined) {
        if (!this.valid(sub, v[k]!)) return false;
      } else if (extra !== undefined && !this.valid(extra, v[k]!)) {
        return false;
      }
    }
    return true;
  }
}

/** Data the interpreter can judge: JSON types only, finite numbers, no `__proto__` key (remembered for frozen trees). */
const plainJson: (v: unknown) => boolean = rememberFrozen(plainJsonOnce);

function plainJsonOnce(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object':
      if (v === null) return true;
      if (Array.isArray(v)) return v.every(plainJson);
      if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return false;
      for (const k of Object.keys(v)) if (k === '__proto__' || !plainJson((v as Record<string, unknown>)[k])) return false;
      return true;
    default:
      return false;
  }
}

/** `true` when the data is surely valid; `false` means only "ask ajv". */
export type QuickCheck = (data: unknown) => boolean;

/**
 * The quick check for a schema, or undefined when the schema uses a keyword it does not know.
 * `checked`: the build already found the schema supported (a walk of it costs a cold start ms).
 */
export function quickCheckFor(schema: unknown, checked = false): QuickCheck | undefined {
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) return undefined;
  const root = schema as Schema;
  if (!checked && !supported(root, root)) return undefined;
  const interpreter = new Interpreter(root);
  return (data) => {
    try {
      return plainJson(data) && interpreter.valid(root, data as Json);
    } catch {
      return false; // e.g. a $ref cycle without progress: let ajv speak
    }
  };
}
