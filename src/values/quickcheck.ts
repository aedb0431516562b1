/**
 * A JSON Schema (draft-07) interpreter whose only answer is "surely valid". It walks the values
 * and the schema together, with no compile step, so a cold start pays nothing for a schema of
 * any size. It knows the keywords the chart's schema uses; a schema with any other keyword gets
 * no quick check at all. Wherever ajv could be more lenient it is stricter (own keys only, no
 * non-finite numbers, a `$ref` with siblings refused), so "valid" here is always valid to ajv;
 * anything else goes to ajv, which decides and words the errors (src/values/validate.ts).
 */

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

type Check = (v: Json) => boolean;

const isObject = (v: Json): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Each schema object becomes, on first visit, one closure running only the keywords it has
 * (so a cold start compiles just the part of the schema the values reach, and a warm check reads
 * no absent keyword). Subschemas are looked up through `check` when first needed.
 */
class Interpreter {
  private readonly plans = new WeakMap<object, Check>();

  constructor(private readonly root: Schema) {}

  check(schema: Schema): Check {
    if (schema === true) return () => true;
    if (schema === false) return () => false;
    let plan = this.plans.get(schema);
    if (!plan) {
      plan = this.compile(schema);
      this.plans.set(schema, plan);
    }
    return plan;
  }

  /** A subschema's check, resolved on first use (schemas may refer to themselves). */
  private lazy(schema: Schema): Check {
    let c: Check | undefined;
    return (v) => (c ??= this.check(schema))(v);
  }

  private compile(s: { [keyword: string]: unknown }): Check {
    if (s.$ref !== undefined) return this.lazy(resolveRef(this.root, s.$ref)!);
    const checks: Check[] = [];
    if (s.type !== undefined) {
      const types = [s.type as string | string[]].flat();
      checks.push(types.length === 1 ? (v) => typeIs(types[0]!, v) : (v) => types.some((t) => typeIs(t, v)));
    }
    if (s.const !== undefined) checks.push((v) => deepEqual(s.const, v));
    if (s.enum !== undefined) {
      const options = s.enum as unknown[];
      checks.push((v) => options.some((e) => deepEqual(e, v)));
    }
    const str = this.stringCheck(s);
    if (str) checks.push((v) => typeof v !== 'string' || str(v));
    const num = numberCheck(s);
    if (num) checks.push((v) => typeof v !== 'number' || num(v));
    const arr = this.arrayCheck(s);
    if (arr) checks.push((v) => !Array.isArray(v) || arr(v));
    const obj = this.objectCheck(s);
    if (obj) checks.push((v) => !isObject(v) || obj(v));
    if (s.allOf !== undefined) {
      const all = (s.allOf as Schema[]).map((x) => this.lazy(x));
      checks.push((v) => all.every((c) => c(v)));
    }
    if (s.anyOf !== undefined) {
      const any = (s.anyOf as Schema[]).map((x) => this.lazy(x));
      checks.push((v) => any.some((c) => c(v)));
    }
    if (s.oneOf !== undefined) {
      const one = (s.oneOf as Schema[]).map((x) => this.lazy(x));
      checks.push((v) => one.filter((c) => c(v)).length === 1);
    }
    if (s.not !== undefined) {
      const not = this.lazy(s.not as Schema);
      checks.push((v) => !not(v));
    }
    if (s.if !== undefined) {
      const cond = this.lazy(s.if as Schema);
      const then = s.then !== undefined ? this.lazy(s.then as Schema) : undefined;
      const otherwise = s.else !== undefined ? this.lazy(s.else as Schema) : undefined;
      checks.push((v) => {
        const branch = cond(v) ? then : otherwise;
        return branch === undefined || branch(v);
      });
    }
    if (checks.length === 0) return () => true;
    if (checks.length === 1) return checks[0]!;
    return (v) => {
      for (const c of checks) if (!c(v)) return false;
      return true;
    };
  }

  private stringCheck(s: { [keyword: string]: unknown }): ((v: string) => boolean) | undefined {
    const min = s.minLength as number | undefined;
    const max = s.maxLength as number | undefined;
    const pattern = s.pattern !== undefined ? new RegExp(s.pattern as string, 'u') : undefined;
    if (min === undefined && max === undefined && !pattern) return undefined;
    return (v) => {
      if (min !== undefined || max !== undefined) {
        const n = codePoints(v);
        if ((min !== undefined && n < min) || (max !== undefined && n > max)) return false;
      }
      return !pattern || pattern.test(v);
    };
  }

  private arrayCheck(s: { [keyword: string]: unknown }): ((v: Json[]) => boolean) | undefined {
    const min = s.minItems as number | undefined;
    const max = s.maxItems as number | undefined;
    const items = s.items !== undefined ? this.lazy(s.items as Schema) : undefined;
    const contains = s.contains !== undefined ? this.lazy(s.contains as Schema) : undefined;
    if (min === undefined && max === undefined && !items && !contains) return undefined;
    return (v) => {
      if ((min !== undefined && v.length < min) || (max !== undefined && v.length > max)) return false;
      if (items) for (const x of v) if (!items(x)) return false;
      return !contains || v.some(contains);
    };
  }

  private objectCheck(s: { [keyword: string]: unknown }): ((v: { [k: string]: Json }) => boolean) | undefined {
    const required = s.required as string[] | undefined;
    const minP = s.minProperties as number | undefined;
    const maxP = s.maxProperties as number | undefined;
    const props = new Map<string, Check>();
    if (s.properties !== undefined) {
      for (const [k, sub] of Object.entries(s.properties as Record<string, Schema>)) props.set(k, this.lazy(sub));
    }
    const extra = s.additionalProperties !== undefined ? this.lazy(s.additionalProperties as Schema) : undefined;
    const names = s.propertyNames !== undefined ? this.lazy(s.propertyNames as Schema) : undefined;
    if (!required && minP === undefined && maxP === undefined && props.size === 0 && !extra && !names) return undefined;
    return (v) => {
      if (required) for (const k of required) if (!hasOwn.call(v, k)) return false;
      const keys = Object.keys(v);
      if ((minP !== undefined && keys.length < minP) || (maxP !== undefined && keys.length > maxP)) return false;
      for (const k of keys) {
        if (names && !names(k)) return false;
        const sub = props.get(k);
        if (sub !== undefined) {
          if (!sub(v[k]!)) return false;
        } else if (extra && !extra(v[k]!)) {
          return false;
        }
      }
      return true;
    };
  }
}

function numberCheck(s: { [keyword: string]: unknown }): ((v: number) => boolean) | undefined {
  const min = s.minimum as number | undefined;
  const max = s.maximum as number | undefined;
  const xmin = s.exclusiveMinimum as number | undefined;
  const xmax = s.exclusiveMaximum as number | undefined;
  const step = s.multipleOf as number | undefined;
  if (min === undefined && max === undefined && xmin === undefined && xmax === undefined && step === undefined) return undefined;
  return (v) =>
    (min === undefined || v >= min) &&
    (max === undefined || v <= max) &&
    (xmin === undefined || v > xmin) &&
    (xmax === undefined || v < xmax) &&
    (step === undefined || Number.isInteger(v / step));
}

/** Data the interpreter can judge: JSON types only, finite numbers, no `__proto__` key. */
function plainJson(v: unknown): boolean {
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
      return plainJson(data) && interpreter.check(root)(data as Json);
    } catch {
      return false; // e.g. a $ref cycle without progress: let ajv speak
    }
  };
}
