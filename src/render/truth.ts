/** Go text/template's notion of truth (`if`, `with`, `and`, `or`, `not`) and sprig's `empty`. */
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
