import { formatValue } from '../go/fmt.js';

/**
 * sprig's strval: the string form sprig functions give their arguments (`fmt.Sprintf("%v")` for
 * anything that is not already a string). Unlike top-level printing, nil is `<nil>` here.
 */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '<nil>';
  return formatValue(v);
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
