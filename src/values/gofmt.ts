/**
 * Go's `fmt` `%v` for values, and strconv's float formatting. Helm's coalescing warnings print
 * chart values with `%v`, and go-yaml turns float map keys into strings with
 * `FormatFloat(f, 'g', -1, 32)`; both must read exactly as Helm's do.
 */
import { compareGoStrings, formatFloatG as formatFloat64 } from '../go/fmt.js';
import { isMap, type Value } from './types.js';

/** `%v` of a value as Go prints an `interface{}` holding it (maps sorted by key, like fmt). */
export function goFormatV(v: Value): string {
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return formatFloatG(v, 64);
  if (Array.isArray(v)) return `[${v.map(goFormatV).join(' ')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort(compareGoStrings);
    return `map[${keys.map((k) => `${k}:${goFormatV(v[k]!)}`).join(' ')}]`;
  }
  return String(v);
}

/**
 * strconv.FormatFloat(f, 'g', -1, bits): the shortest digits that read back as the same
 * float64 (or float32), in %e form when the exponent is < -4 or >= 6 (Go's rule for the
 * shortest precision), with at least two exponent digits.
 */
export function formatFloatG(f: number, bits: 32 | 64): string {
  if (bits === 64) return formatFloat64(f);
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const neg = f < 0 || Object.is(f, -0);
  const abs = Math.abs(f);
  if (abs === 0) return neg ? '-0' : '0';
  const shortest = shortestFloat32(abs);
  const [mant, expText] = shortest.toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  let body: string;
  if (exp < -4 || exp >= 6) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const e = Math.abs(exp);
    body = `${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  } else if (exp < 0) {
    body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    body = digits + '0'.repeat(exp + 1 - digits.length);
  } else {
    body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return neg ? `-${body}` : body;
}

/** The double whose shortest form has the fewest digits that still round to the same float32. */
function shortestFloat32(abs: number): number {
  const target = Math.fround(abs);
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(target.toPrecision(p));
    if (Math.fround(candidate) === target) return candidate;
  }
  return target;
}
