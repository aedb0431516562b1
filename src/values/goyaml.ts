/**
 * How go-yaml v2 (Helm 3 reads values through sigs.k8s.io/yaml, a go-yaml v2 fork) types a
 * plain scalar, and how sigs.k8s.io/yaml then turns map keys into strings. The `yaml` package's
 * own YAML 1.1 schema differs in details (sexagesimal numbers, `1e3` as a string, `y`/`n`,
 * timestamps as dates), so scalars are parsed as text and resolved here, step by step as
 * go-yaml's resolve() does.
 */
import { formatFloatG } from './gofmt.js';

export type Resolved =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint } // fits int64
  | { kind: 'uint'; value: bigint } // above int64, fits uint64
  | { kind: 'float'; value: number } // may be ±Infinity or NaN (`.inf`, `.nan`)
  | { kind: 'str'; value: string };

const MAPPED: ReadonlyMap<string, Resolved> = (() => {
  const m = new Map<string, Resolved>();
  const add = (r: Resolved, words: string[]): void => words.forEach((w) => m.set(w, r));
  add({ kind: 'bool', value: true }, ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
  add({ kind: 'bool', value: false }, ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
  add({ kind: 'null' }, ['', '~', 'null', 'Null', 'NULL']);
  add({ kind: 'float', value: NaN }, ['.nan', '.NaN', '.NAN']);
  add({ kind: 'float', value: Infinity }, ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']);
  add({ kind: 'float', value: -Infinity }, ['-.inf', '-.Inf', '-.INF']);
  return m;
})();

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
// go-yaml's yamlStyleFloat.
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
// What strconv.ParseFloat accepts for text starting with '.' (underscores only between digits).
const DOT_FLOAT = /^\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?$/;

/** go-yaml v2 resolve() for an untagged plain scalar. */
export function resolvePlain(text: string): Resolved {
  const hint = text === '' ? 'N' : hintOf(text[0] as string);
  if (hint === '') return { kind: 'str', value: text };
  const mapped = MAPPED.get(text);
  if (mapped) return mapped;
  if (hint === '.') {
    if (DOT_FLOAT.test(text)) return { kind: 'float', value: Number(text.replace(/_/g, '')) };
  } else if (hint === 'D' || hint === 'S') {
    // Timestamps resolve to their own text when decoded into interface{}, so they need no step.
    const plain = text.replace(/_/g, '');
    const signed = parseGoInt(plain, true);
    if (signed !== undefined && signed >= INT64_MIN && signed <= INT64_MAX) return { kind: 'int', value: signed };
    const unsigned = parseGoInt(plain, false);
    if (unsigned !== undefined && unsigned >= 0n && unsigned <= UINT64_MAX) return { kind: 'uint', value: unsigned };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const f = Number(plain);
      if (Number.isFinite(f)) return { kind: 'float', value: f }; // ParseFloat fails on overflow
    }
  }
  return { kind: 'str', value: text };
}

function hintOf(c: string): string {
  if (c === '+' || c === '-') return 'S';
  if (c >= '0' && c <= '9') return 'D';
  if ('yYnNtTfFoO~'.includes(c)) return 'M';
  if (c === '.') return '.';
  return '';
}

/**
 * strconv.ParseInt/ParseUint with base 0, without the range check: an optional sign (ParseInt
 * only), then `0x`/`0o`/`0b` prefixes or a leading `0` for octal, else decimal.
 */
function parseGoInt(s: string, allowSign: boolean): bigint | undefined {
  let neg = false;
  let body = s;
  if (allowSign && (body[0] === '+' || body[0] === '-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  if (body === '') return undefined;
  let base = 10;
  if (body[0] === '0') {
    const p = (body[1] ?? '').toLowerCase();
    if (body.length >= 3 && p === 'b') [base, body] = [2, body.slice(2)];
    else if (body.length >= 3 && p === 'o') [base, body] = [8, body.slice(2)];
    else if (body.length >= 3 && p === 'x') [base, body] = [16, body.slice(2)];
    else [base, body] = [8, body.slice(1)];
  }
  const digit = { 2: /^[01]*$/, 8: /^[0-7]*$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base] as RegExp;
  if (!digit.test(body)) return undefined;
  if (base !== 8 && body === '') return undefined;
  let n = 0n;
  for (const ch of body) n = n * BigInt(base) + BigInt(parseInt(ch, 16));
  return neg ? -n : n;
}

/**
 * sigs.k8s.io/yaml's string for a non-string map key; undefined where it refuses the key type
 * (null, and integers beyond int64 which go-yaml hands over as uint64).
 */
export function keyString(r: Resolved): string | undefined {
  switch (r.kind) {
    case 'str':
      return r.value;
    case 'bool':
      return r.value ? 'true' : 'false';
    case 'int':
      return r.value.toString();
    case 'float': {
      const s = formatFloatG(r.value, 32);
      return s === '+Inf' ? '.inf' : s === '-Inf' ? '-.inf' : s === 'NaN' ? '.nan' : s;
    }
    default:
      return undefined;
  }
}
