/**
 * Merged values checked against the chart's JSON Schema (draft-07), reporting every violation
 * at once, one line each, with the file position or flag that supplied the value:
 *   values.api.replicas: expected integer, got string "x" (from my.yaml:12:3)
 * A schema node may carry `"x-message": "..."`; it is appended to that node's lines.
 */
import { resolve } from 'node:path';
import type { ErrorObject, Options } from 'ajv';
import { lazyRequire } from '../lazy.js';
import { formatFloatG } from '../go/fmt.js';
import { getKey, rememberFrozen } from './maps.js';
import type { SourceOf } from './provenance.js';
import { quickCheckFor, type QuickCheck } from './quickcheck.js';
import { isMap, kindInWords, type Value, type ValueMap } from './types.js';
import { UserError } from '../errors.js';
import { readChartFile } from '../chart/files.js';

/** Lines describing every violation of the schema (empty when the values are valid). */
export type ValuesValidator = (values: ValueMap, sourceOf?: SourceOf) => string[];

const cache = new Map<string, ValuesValidator>();

// ajv compiles schemas only off the fast path (another chart's schema, or values to explain).
const ajv = lazyRequire<typeof import('ajv')>('ajv');

/** An ajv instance with the options the build's standalone validator was made with. */
export function newAjv(): import('ajv').Ajv {
  return new (ajv().Ajv)(AJV_OPTIONS);
}

/** ajv's options; the build reuses them to emit the same validator as standalone code. */
export const AJV_OPTIONS: Options = { allErrors: true, strict: false, verbose: true, logger: false };

/** An ajv validation function (compiled now, or generated standalone at build time). */
export interface CheckFn {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** Wraps a compiled check into a validator that describes every violation. */
export function validatorFromCheck(check: CheckFn): ValuesValidator {
  return (values, sourceOf) => {
    if (check(jsonData(values))) return [];
    return describeErrors(check.errors ?? [], values, sourceOf);
  };
}

/**
 * The quick check (src/values/quickcheck.ts) in front of ajv: values it finds surely valid pass
 * at once; anything else goes to ajv, built on first need by `full`, which decides and describes.
 */
export function layeredValidator(quick: QuickCheck | undefined, full: () => CheckFn): ValuesValidator {
  let described: ValuesValidator | undefined;
  return (values, sourceOf) => {
    if (quick?.(jsonData(values))) return [];
    described ??= validatorFromCheck(full());
    return described(values, sourceOf);
  };
}

/** Compiles `schema` once; the result can check any number of value sets. */
export function compileValidator(schema: object): ValuesValidator {
  return validatorFromCheck(newAjv().compile(schema));
}

/** Throws a UserError listing every violation of the schema at `schemaPath`, one per line. */
export function validateValues(values: ValueMap, schemaPath: string, sourceOf?: SourceOf): void {
  const lines = validatorFor(schemaPath)(values, sourceOf);
  if (lines.length > 0) throw valuesError(lines);
}

/** The most violations listed one per line; a --set index of 60000 would otherwise print as many. */
const MAX_LINES = 20;

/** The error for the schema's violations: a line each, the first MAX_LINES of them and a count of the rest. */
export function valuesError(lines: string[]): UserError {
  const shown = lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `... and ${lines.length - MAX_LINES} more`] : lines;
  return new UserError(shown.join('\n'));
}

/** The compiled validator for a schema file, compiled once per process. */
export function validatorFor(schemaPath: string): ValuesValidator {
  const key = resolve(schemaPath);
  let v = cache.get(key);
  if (!v) {
    v = loadValidator(schemaPath);
    cache.set(key, v);
  }
  return v;
}

/** A validator for a schema file as it is now (read and checked at every call). */
export function loadValidator(schemaPath: string): ValuesValidator {
  // The chart's own schema: a plain file, as every chart file (src/chart/files.ts).
  const text = readChartFile(schemaPath).toString('utf8');
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${schemaPath}: invalid JSON: ${(e as Error).message}`, { file: schemaPath });
  }
  if (typeof schema !== 'object' || schema === null) throw new UserError(`${schemaPath}: a schema must be a JSON object`, { file: schemaPath });
  const compile = (): CheckFn => {
    try {
      return newAjv().compile(schema);
    } catch (e) {
      throw new UserError(`${schemaPath}: invalid schema: ${e instanceof Error ? e.message : String(e)}`, { file: schemaPath });
    }
  };
  // A schema the quick check knows (every keyword, well-formed) needs ajv only to explain
  // values it cannot pass; any other schema is compiled now, so its mistakes show at once.
  const quick = quickCheckFor(schema);
  return quick ? layeredValidator(quick, compile) : validatorFromCheck(compile());
}

/**
 * JSON data for ajv: int64 values (bigint) become numbers, so `integer` accepts them. Containers
 * are copied only where something below them changed (values are not modified); a spread copy
 * keeps a `__proto__` key an own property.
 */
// An immutable tree has one JSON form: made once, and frozen so the quick check can remember it.
const jsonData: (v: Value) => unknown = rememberFrozen((v) => (Object.isFrozen(v) ? Object.freeze(jsonDataOnce(v as Value)) : jsonDataOnce(v as Value)));

function jsonDataOnce(v: Value): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = jsonData(v[i] as Value);
      if (x !== v[i]) (out ??= [...v])[i] = x;
    }
    return out ?? v;
  }
  if (isMap(v)) {
    let out: Record<string, unknown> | undefined;
    for (const k of Object.keys(v)) {
      const x = jsonData(v[k] as Value);
      if (x !== v[k]) (out ??= { ...v })[k] = x;
    }
    return out ?? v;
  }
  return v;
}

function describeErrors(errors: ErrorObject[], values: ValueMap, sourceOf?: SourceOf): string[] {
  // anyOf/oneOf get one line of their own; the failures inside their branches would only confuse.
  // So does `contains`: its failures are every item that did not match, which is expected.
  const groups = errors.filter((e) => ['anyOf', 'oneOf', 'contains'].includes(e.keyword)).map((e) => `${e.schemaPath}/`);
  // A rule `{if, then, "x-message"}` explains every failure inside its then/else branch.
  const ruleHints = new Map<string, string>();
  for (const e of errors) {
    const hint = e.keyword === 'if' ? hintOf(e.parentSchema) : undefined;
    if (hint !== undefined) ruleHints.set(e.schemaPath.replace(/\/if$/, '/'), hint);
  }
  // A value of the wrong type gets that one line, not also its enum, pattern or range failures.
  const inGroup = (e: ErrorObject): boolean => groups.some((g) => e.schemaPath.startsWith(g));
  const mistyped = new Set(errors.filter((e) => e.keyword === 'type' && !inGroup(e)).map((e) => e.instancePath));
  const lines = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if') continue; // the failing then/else branch reports itself
    if (e.keyword !== 'type' && mistyped.has(e.instancePath)) continue;
    if (inGroup(e)) continue;
    if (e.schemaPath.includes('/propertyNames/')) continue; // the propertyNames error names the key
    let rule: string | undefined;
    for (const [prefix, hint] of ruleHints) if (e.schemaPath.startsWith(prefix)) rule = hint;
    const line = describeError(e, values, sourceOf, rule);
    if (line) lines.add(line);
  }
  return [...lines];
}

function hintOf(schema: unknown): string | undefined {
  const hint = (schema as Record<string, unknown> | undefined)?.['x-message'];
  return typeof hint === 'string' ? hint : undefined;
}

const plural = (n: unknown, one: string): string => `${String(n)} ${one}${n === 1 ? '' : 's'}`;

function describeError(e: ErrorObject, values: ValueMap, sourceOf?: SourceOf, rule?: string): string {
  const path = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  const value = valueAt(values, path);
  const hint = hintOf(e.parentSchema) ?? rule;
  // A secret (`writeOnly` in the schema, or a scalar given where a credential map goes) is never
  // printed: not its value, not the --set text that carried it.
  const secret = isSecret(e.parentSchema, value);
  const describe = (v: Value | undefined): string => (secret && v !== null && v !== undefined && !isMap(v) ? `${kindInWords(v)} (hidden: a secret)` : describeValue(v));
  let what: string;
  let advice = '';
  let withSource = true;
  switch (e.keyword) {
    case 'required': {
      path.push(String(params['missingProperty']));
      // Absent because a file or flag set it to null, which deletes the chart's default: say which (a
      // flag by its name and path only: a --set-json text may carry a credential beside the null).
      const nulled = sourceOf?.(path, true)?.replace(/^(--[\w-]+ [^=]*)=[\s\S]*$/, '$1');
      what = nulled === undefined ? 'required' : `required (set to null by ${nulled}, which removes the chart's default)`;
      withSource = false;
      break;
    }
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      path.push(key);
      what = 'unknown key';
      const near = closest(key, Object.keys(((e.parentSchema as Record<string, unknown> | undefined)?.['properties'] ?? {}) as object));
      if (near !== undefined) advice = `; did you mean "${near}"?`;
      break;
    }
    case 'type': {
      const types = String(params['type']).split(',');
      what = `expected ${types.join(' or ')}, got ${describe(value)}`;
      // --set types `123` and `true`; a string field wants --set-string for those.
      if (types.includes('string') && (typeof value === 'bigint' || typeof value === 'boolean') && sourceOf?.(path)?.startsWith('--set ')) {
        advice = '; use --set-string to pass it as text';
      }
      break;
    }
    case 'enum':
      what = `must be one of ${(params['allowedValues'] as unknown[]).map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`;
      break;
    case 'const':
      what = `must be ${JSON.stringify(params['allowedValue'])}, got ${describe(value)}`;
      break;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      what = `must be ${String(params['comparison'])} ${String(params['limit'])}, got ${describe(value)}`;
      break;
    case 'multipleOf':
      what = `must be a multiple of ${String(params['multipleOf'])}, got ${describe(value)}`;
      break;
    case 'minLength':
      what = params['limit'] === 1 ? 'must not be empty' : `must be at least ${plural(params['limit'], 'character')} long, got ${describe(value)}`;
      break;
    case 'maxLength':
      what = `must be at most ${plural(params['limit'], 'character')} long, got ${describe(value)}`;
      break;
    case 'minItems':
      what = `must have at least ${plural(params['limit'], 'item')}, got ${Array.isArray(value) ? plural(value.length, 'item') : describe(value)}`;
      break;
    case 'maxItems':
      what = `must have at most ${plural(params['limit'], 'item')}, got ${Array.isArray(value) ? plural(value.length, 'item') : describe(value)}`;
      break;
    case 'minProperties':
      what = `must have at least ${plural(params['limit'], 'key')}`;
      break;
    case 'maxProperties':
      what = `must have at most ${plural(params['limit'], 'key')}`;
      break;
    case 'contains': {
      const n = (params['minContains'] as number | undefined) ?? 1;
      const want = (e.schema as Record<string, unknown> | undefined)?.['const'];
      const item = want !== undefined ? `${JSON.stringify(want)}` : 'an allowed item';
      what = n === 1 ? `must contain ${item}` : `must contain at least ${n} of ${item}`;
      break;
    }
    case 'uniqueItems':
      what = `must not repeat an item (items ${String(params['j'])} and ${String(params['i'])} are equal)`;
      break;
    case 'pattern':
      what = `must match pattern ${JSON.stringify(params['pattern'])}, got ${describe(value)}`;
      break;
    case 'propertyNames': {
      path.push(String(params['propertyName']));
      const pattern = (e.schema as Record<string, unknown> | undefined)?.['pattern'];
      what = typeof pattern === 'string' ? `key name must match pattern ${JSON.stringify(pattern)}` : 'is not an allowed key name';
      break;
    }
    case 'anyOf':
      what = `does not match any of the allowed forms, got ${describe(value)}`;
      break;
    case 'oneOf':
      what = params['passingSchemas'] ? 'matches more than one of the allowed forms' : `does not match any of the allowed forms, got ${describe(value)}`;
      break;
    case 'not':
    case 'false schema':
      // A rule written as "this combination is not allowed": its x-message says which and why.
      if (hint !== undefined) return `${formatPath(values, path)}: ${hint}`;
      what = 'is not allowed here';
      break;
    default:
      what = e.message ?? e.keyword;
  }
  let from = withSource ? sourceOf?.(path) : undefined;
  if (secret && from?.startsWith('--')) from = from.replace(/=[\s\S]*$/, '=<hidden>');
  const tip = hint !== undefined ? `; ${hint}` : '';
  return `${formatPath(values, path)}: ${what}${from ? ` (from ${from})` : ''}${advice}${tip}`;
}

/** The known key nearest to a misspelt one: differing only in case, or a few edits away. */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  const allowed = key.length < 3 ? 0 : Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(root: ValueMap, path: readonly string[]): Value | undefined {
  let v: Value | undefined = root;
  for (const seg of path) {
    if (Array.isArray(v)) v = v[Number(seg)];
    else if (v !== undefined && isMap(v)) v = getKey(v, seg);
    else return undefined;
  }
  return v;
}

/** `values.api.replicas`, `values.servers[0].port`, `values.nodeSelector["kubernetes.io/role"]`. */
export function formatPath(root: ValueMap, path: readonly string[]): string {
  let out = 'values';
  let v: Value | undefined = root;
  for (const seg of path) {
    if (Array.isArray(v)) {
      out += `[${seg}]`;
      v = v[Number(seg)];
    } else {
      out += /^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
      v = v !== undefined && isMap(v) ? getKey(v, seg) : undefined;
    }
  }
  return out;
}

function isSecret(schema: unknown, value: Value | undefined): boolean {
  const s = schema as Record<string, unknown> | undefined;
  if (s?.['writeOnly'] === true) return true;
  const valueSchema = (s?.['properties'] as Record<string, Record<string, unknown>> | undefined)?.['value'];
  return valueSchema?.['writeOnly'] === true && (value === undefined || value === null || !isMap(value));
}

function describeValue(v: Value | undefined): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
  if (typeof v === 'bigint') return `integer ${v}`;
  if (typeof v === 'number') return `number ${formatFloatG(v, 64)}`;
  if (typeof v === 'boolean') return `boolean ${v}`;
  return Array.isArray(v) ? 'a list' : 'a map';
}
