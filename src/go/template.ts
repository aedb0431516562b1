/**
 * Go text/template's and sprig's readings of a value: truth (`if`, `with`, `and`, `or`, `not`),
 * sprig's `empty`, and sprig's strslice (a value as a list of strings).
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
