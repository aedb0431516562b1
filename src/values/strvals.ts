/**
 * Helm 3's strvals grammar (pkg/strvals/parser.go) for --set, --set-string, --set-file and
 * --set-json: `a.b=c`, `list[0].x=y`, `a={x,y}`, backslash escapes, several assignments per
 * argument; and --set-literal's (pkg/strvals/literal_parser.go, Helm 3.13+): one assignment whose
 * value is the rest of the argument, taken as it is (no escapes, lists, commas or types). Each
 * argument is parsed into the user values map in place, as Helm's ParseInto
 * does, so `--set list[1]=x` edits a list from a -f file rather than replacing it. The quirks
 * are Helm's and kept on purpose (e.g. `a={}` is `[""]`, `a[0]` alone is `[]`).
 */
import { isStdinPath, readStdin, readText, valuesPathError } from './load.js';
import { getKey, hasKey, setKey } from './maps.js';
import { finiteJson, scanJsonValue, withGoSurrogates } from './jsonprefix.js';
import { isMap, type Scalar, type Value, type ValueMap } from './types.js';
import { UserError } from '../errors.js';
import { goEqualFold } from '../go/strings.js';

export type SetFlag = 'set' | 'set-string' | 'set-file' | 'set-json' | 'set-literal';

export interface StrvalsOptions {
  /** Standard input, for `--set-file key=-`. */
  stdin?: () => string;
  /** Told of every value written: its path (list indices as strings) and the assignment text. */
  onAssign?: (path: string[], value: Value, assignment: string) => void;
}

// Helm's limits (strvals.MaxIndex, strvals.MaxNestedNameLevel).
export const MAX_INDEX = 65536;
export const MAX_NESTED_NAME_LEVEL = 30;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Parses one flag argument into `dest` (mutated), as Helm's ParseInto* functions do. */
export function parseInto(flag: SetFlag, arg: string, dest: ValueMap, opts: StrvalsOptions = {}): void {
  new Parser(flag, arg, opts).parse(dest);
}

/** Parses one flag argument into a new map. */
export function parseSet(flag: SetFlag, arg: string, opts: StrvalsOptions = {}): ValueMap {
  const out: ValueMap = {};
  parseInto(flag, arg, out, opts);
  return out;
}

/** Helm's typedVal for --set: true/false/null in any case (strings.EqualFold), int64 integers, else the text. */
export function typedVal(text: string): Scalar {
  if (goEqualFold(text, 'true')) return true;
  if (goEqualFold(text, 'false')) return false;
  if (goEqualFold(text, 'null')) return null;
  if (text === '0') return 0n;
  // Helm only tries an integer when the text does not start with '0' (so `0123` stays text).
  if (text !== '' && text[0] !== '0' && /^[+-]?[0-9]+$/.test(text)) {
    const n = BigInt(text);
    if (n >= INT64_MIN && n <= INT64_MAX) return n;
  }
  return text;
}

const EOF = Symbol('eof');
const NOT_LIST = Symbol('not a list');
/** What a step returns: null to go on, EOF when the input ran out (a normal end). */
type Step = typeof EOF | null;

class Parser {
  private readonly cs: string[];
  private i = 0;
  private start = 0;
  private readonly reader: (rs: string) => Value;
  /** --set-literal: no backslash escapes, no `,` between assignments, the value is the rest. */
  private readonly literal: boolean;

  constructor(
    private readonly flag: SetFlag,
    private readonly arg: string,
    private readonly opts: StrvalsOptions,
  ) {
    this.cs = Array.from(arg); // Go reads runes: one entry per code point
    this.literal = flag === 'set-literal';
    this.reader = flag === 'set-file' ? (rs) => this.readFile(rs) : flag === 'set-string' ? (rs) => rs : typedVal;
  }

  parse(data: ValueMap): void {
    for (;;) {
      this.start = this.i;
      if (this.key(data, 0, []) === EOF) return;
    }
  }

  private fail(what: string): never {
    // One line whatever the argument holds: keys and values inside `what` are escaped too.
    const oneLine = (s: string) => s.replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    // Helm 4 also takes a whole JSON object; Helm 3, whose reading this is, fails on it as here.
    const hint = this.flag === 'set-json' && this.arg.trimStart().startsWith('{') ? ' (a whole JSON object is Helm 4\'s form; Helm 3 reads key=JSON pairs)' : '';
    throw new UserError(`--${this.flag} "${oneLine(this.arg)}": ${oneLine(what)}${hint}`);
  }

  private read(): string | undefined {
    return this.i < this.cs.length ? this.cs[this.i++] : undefined;
  }

  /** Runes up to one in `stop` (consumed, returned as `last`; undefined at the end), honouring `\x`. */
  private until(stop: string): { text: string; last: string | undefined } {
    let text = '';
    for (;;) {
      const r = this.read();
      if (r === undefined) return { text, last: undefined };
      if (stop.includes(r)) return { text, last: r };
      if (r === '\\' && !this.literal) {
        const next = this.read();
        if (next === undefined) return { text, last: undefined };
        text += next;
      } else {
        text += r;
      }
    }
  }

  /** The assignment being parsed, for provenance: `a.b=c` out of `a.b=c,d=e`. */
  private assignment(): string {
    const text = this.cs.slice(this.start, this.i).join('');
    return `--${this.flag} ${text.endsWith(',') && !this.literal ? text.slice(0, -1) : text}`;
  }

  private set(data: ValueMap, path: string[], key: string, value: Value, leaf: boolean): void {
    if (key === '') return; // Helm ignores an empty key
    setKey(data, key, value);
    if (leaf) this.opts.onAssign?.([...path, key], value, this.assignment());
  }

  private key(data: ValueMap, level: number, path: string[]): Step {
    const { text: k, last } = this.until(this.literal ? '=[.' : '=[,.');
    const name = [...path, k].join('.');
    switch (last) {
      case undefined:
        if (k === '') return EOF;
        return this.fail(`key "${name}" has no value (expected key=value)`);
      case '[': {
        const index = this.index(name);
        let list: Value[] = [];
        if (hasKey(data, k)) list = this.listAt(getKey(data, k) as Value, name);
        const [next, step] = this.listItem(list, index, level, [...path, k], name);
        this.set(data, path, k, next, false);
        return step;
      }
      case '=': {
        if (this.literal) {
          this.set(data, path, k, this.rest(), true);
          return null;
        }
        if (this.flag === 'set-json') {
          if (this.emptyVal()) {
            this.set(data, path, k, null, true);
            return null;
          }
          this.set(data, path, k, this.json(name), true);
          this.emptyVal();
          return null;
        }
        const list = this.valList(name);
        if (list === EOF) {
          this.set(data, path, k, '', true);
          return EOF;
        }
        this.set(data, path, k, list === NOT_LIST ? this.reader(this.val()) : list, true);
        return null;
      }
      case ',':
        return this.fail(`key "${name}" has no value (cannot end with ,)`);
      default: {
        // '.': descend into (or create) the map at k.
        if (++level > MAX_NESTED_NAME_LEVEL) {
          this.fail(`key nesting is deeper than the maximum of ${MAX_NESTED_NAME_LEVEL} levels`);
        }
        let inner: ValueMap = {};
        if (hasKey(data, k)) {
          const current = getKey(data, k) as Value;
          if (!isMap(current)) this.fail(`cannot set a key inside "${name}": it holds ${describe(current)}, not a map`);
          inner = current;
        }
        const step = this.key(inner, level, [...path, k]);
        const empty = Object.keys(inner).length === 0;
        if (step === null && empty) this.fail(`key map "${name}" has no value`);
        if (!empty) this.set(data, path, k, inner, false);
        return step;
      }
    }
  }

  private listAt(v: Value, name: string): Value[] {
    if (!Array.isArray(v)) this.fail(`cannot index "${name}": it holds ${describe(v)}, not a list`);
    return v;
  }

  /** The number inside `[...]` (the `[` is already read), as Go's strconv.Atoi reads it. */
  private index(name: string): number {
    const { text, last } = this.until(']');
    if (last === undefined) this.fail(`unclosed bracket after "${name}"`);
    if (!/^[+-]?[0-9]+$/.test(text)) this.fail(`list index "${text}" of "${name}" is not a number`);
    const n = BigInt(text);
    if (n < INT64_MIN || n > INT64_MAX) this.fail(`list index "${text}" of "${name}" is out of range`);
    if (n < 0n) this.fail(`negative index ${n} of "${name}" is not allowed`);
    return Number(n);
  }

  /** Go's setIndex: grows the list with nulls, writes in place when the index already exists. */
  private setIndex(list: Value[], index: number, value: Value, path: string[], leaf: boolean): Value[] {
    if (index > MAX_INDEX) {
      this.fail(`list index ${index} is greater than the maximum supported index of ${MAX_INDEX}`);
    }
    const out = list.length <= index ? [...list, ...new Array<Value>(index + 1 - list.length).fill(null)] : list;
    // The nulls that fill the gap came from this assignment too (an error about them names it).
    for (let k = list.length; k < index; k++) this.opts.onAssign?.([...path, String(k)], null, this.assignment());
    out[index] = value;
    if (leaf) this.opts.onAssign?.([...path, String(index)], value, this.assignment());
    return out;
  }

  private listItem(list: Value[], i: number, level: number, path: string[], name: string): [Value[], Step] {
    const here = `${name}[${i}]`;
    const { text, last } = this.until('[.=');
    if (text.length > 0) this.fail(`unexpected "${text}" after "${here}"`);
    switch (last) {
      case undefined:
        return [list, EOF];
      case '=': {
        if (this.literal) return [this.setIndex(list, i, this.rest(), path, true), null];
        if (this.flag === 'set-json') {
          if (this.emptyVal()) return [this.setIndex(list, i, null, path, true), null];
          const out = this.setIndex(list, i, this.json(here), path, true);
          this.emptyVal();
          return [out, null];
        }
        const vl = this.valList(here);
        if (vl === EOF) return [this.setIndex(list, i, '', path, true), null];
        const value = vl === NOT_LIST ? this.reader(this.val()) : vl;
        return [this.setIndex(list, i, value, path, true), null];
      }
      case '[': {
        const next = this.index(here);
        let current: Value[] = [];
        if (list.length > i && list[i] !== null) current = this.listAt(list[i] as Value, here);
        const [inner, step] = this.listItem(current, next, level, [...path, String(i)], here);
        if (step !== null) return [list, step];
        return [this.setIndex(list, i, inner, path, false), null];
      }
      default: {
        // '.': a map inside the list; a non-map already there is replaced, as Helm does.
        let inner: ValueMap = {};
        if (list.length > i) {
          const current = list[i] as Value;
          if (isMap(current)) inner = current;
          else list[i] = inner;
        }
        const step = this.key(inner, level, [...path, String(i)]);
        if (step !== null) return [list, step];
        return [this.setIndex(list, i, inner, path, false), null];
      }
    }
  }

  /** `{a,b}` after `=`: a list; NOT_LIST (nothing consumed) when no `{` follows. */
  private valList(name: string): Value[] | typeof EOF | typeof NOT_LIST {
    const r = this.read();
    if (r === undefined) return EOF;
    if (r !== '{') {
      this.i--;
      return NOT_LIST;
    }
    const list: Value[] = [];
    for (;;) {
      const { text, last } = this.until(',}');
      if (last === undefined) this.fail(`list for "${name}" must terminate with '}'`);
      list.push(this.reader(text));
      if (last === '}') {
        if (this.i < this.cs.length && this.cs[this.i] === ',') this.i++;
        return list;
      }
    }
  }

  private val(): string {
    return this.until(',').text;
  }

  /** --set-literal's value: every remaining rune, commas and backslashes included. */
  private rest(): string {
    const text = this.cs.slice(this.i).join('');
    this.i = this.cs.length;
    return text;
  }

  /** Skips spaces; true (and the comma consumed) at a comma or the end, else false. */
  private emptyVal(): boolean {
    for (;;) {
      const r = this.read();
      if (r === undefined || r === ',') return true;
      if (!GO_SPACE.test(r)) {
        this.i--;
        return false;
      }
    }
  }

  /** One JSON value at the cursor, as Go's json.Decoder reads it; the cursor moves past it. */
  private json(name: string): Value {
    const rest = this.cs.slice(this.i).join('');
    let end: number;
    let value: unknown;
    try {
      end = scanJsonValue(rest);
      value = JSON.parse(rest.slice(0, end));
    } catch (e) {
      return this.fail(`invalid JSON for "${name}": ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    }
    if (!finiteJson(value)) this.fail(`invalid JSON for "${name}": number out of range`);
    this.i += Array.from(rest.slice(0, end)).length;
    return withGoSurrogates(rest.slice(0, end), value) as Value;
  }

  private readFile(pathText: string): string {
    if (isStdinPath(pathText)) return this.opts.stdin ? this.opts.stdin() : readStdin(true);
    const refused = valuesPathError(pathText);
    if (refused !== undefined) return this.fail(refused);
    try {
      // Strict UTF-8, a BOM kept: Helm passes a file's bytes on as they are, which no JavaScript
      // string can hold when they are not UTF-8.
      return readText(pathText, true);
    } catch (e) {
      return this.fail(e instanceof UserError ? e.message : String(e));
    }
  }
}

// Go's unicode.IsSpace.
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;

function describe(v: Value): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isMap(v)) return 'a map';
  if (typeof v === 'string') return `the string "${v}"`;
  return `the ${typeof v === 'boolean' ? 'boolean' : 'number'} ${String(v)}`;
}
