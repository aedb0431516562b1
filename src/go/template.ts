/**
 * Go text/template's and sprig's readings of a value: truth (`if`, `with`, `and`, `or`, `not`),
 * sprig's `empty`, sprig's strslice (a value as a list of strings), and a value's Go kind and type.
 */
import { strval } from './fmt.js';

/** text/template's truth. */
export function goTruth(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'string':
      return v.length > 0;
    case 'object':
      if (Array.isArray(v)) return v.length > 0;
      for (const _ in v) return true;
      return false;
    default:
      return true;
  }
}

/** sprig's `empty`: the exact complement of Go truth for the types values can hold. */
export function goEmpty(v: unknown): boolean {
  return !goTruth(v);
}

/** sprig's strslice: a list's elements as strings, nil elements dropped; a scalar becomes [it]. */
export function strslice(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const e of v) if (e !== null && e !== undefined) out.push(strval(e));
    return out;
  }
  return [strval(v)];
}

/** The Go type a template sees for a value, as text/template names it in its errors. */
export function goTypeName(v: unknown): string {
  const kind = kindOf(v);
  return kind === 'invalid' ? 'interface {}' : kind === 'slice' ? '[]interface {}' : kind === 'map' ? 'map[string]interface {}' : kind;
}

/** sprig's kindOf, as kindIs reads it (Go's int and int64 are both int64 here). */
export function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'invalid';
  if (Array.isArray(v)) return 'slice';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
    case 'bigint':
      return 'int64';
    case 'object':
      return 'map';
    default:
      return 'func';
  }
}
