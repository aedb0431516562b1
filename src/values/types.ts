/**
 * Values as Helm's engine sees them. A JS `number` is Go's float64 (every number read from a
 * YAML or JSON values file); a `bigint` is Go's int64 (numbers given with --set, and results of
 * `int`, `len`, `add`). Keeping the two apart is what lets `{{x}}` print `1e+06` for a file value
 * and `1000000` for a --set value, exactly as Helm does.
 */
export type Scalar = null | boolean | number | bigint | string;
export type Value = Scalar | Value[] | ValueMap;
export interface ValueMap {
  [key: string]: Value;
}

export function isMap(v: unknown): v is ValueMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value's kind in words for an error line: `a list`, `a map`, `a string`, `an integer`, `a number`, `a boolean`, `null`. */
export function kindInWords(v: Value): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'bigint') return 'an integer';
  return typeof v === 'number' ? 'a number' : 'a boolean';
}
