/**
 * Handlebars AST → JavaScript: each template and partial becomes one plain function that builds
 * its text with string concatenation. Blocks are inlined as `if`/`for` statements and every path
 * resolves statically to a local variable (`../` and `@root` included), so rendering needs no
 * template runtime: no frames, no options objects, no per-call helper wrapping. The semantics are
 * those of the Go compiler (src/compile/compiler.ts) over the same AST after the same single
 * whitespace-control pass, and the conformance suite holds the two to the same bytes.
 */
import { formOf, isHelperPath, PARAM_TYPES } from '../chart/dialect.js';
import { blockShape, GO_IDENT, partialShapes, ROOT_SHAPE, shapeOf, stepKinds, type Shape } from '../chart/shapes.js';
import type { Value } from '../values/types.js';

type Program = hbs.AST.Program;
type Statement = hbs.AST.Statement;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;
type BlockStatement = hbs.AST.BlockStatement;

/**
 * Names the generated code expects in scope (bound by the chart module's factory, see
 * `chartModuleSource`): helpers, the inherited-key path step, a path step that found nothing (F)
 * and one from a nil range element (E), Go truth, %v printing, range keys,
 * include by name, a call of a known partial by its index (R; M where the engine may answer from
 * its memo), and the located call used by `required`/`fail`.
 */
export const RUNTIME_NAMES = ['H', 'get', 'F', 'E', 'T', 'P', 'V', 'K', 'inc', 'R', 'M', 'at'] as const;

/** Helpers whose result is always a string, so printing it needs no %v formatting. */
const STRING_HELPERS: ReadonlySet<string> = new Set(['indent', 'nindent', 'quote', 'squote', 'trim', 'trimSuffix', 'trimPrefix', 'printf', 'toYaml', 'toJson', 'trunc', 'lower', 'upper', 'replace', 'b64enc', 'sha256sum', 'sha512sum', 'join']);
/** Helpers whose result is always a boolean, so a condition needs no Go-truth test. */
const BOOL_HELPERS: ReadonlySet<string> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'not', 'empty', 'hasKey', 'contains', 'hasPrefix', 'hasSuffix', 'kindIs', 'semverCompare']);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** What the functions of one chart module share: the partials they can call directly, the helpers they use. */
interface ModuleNames {
  /** Partial name → its index in the module's `partials` (and its constant `p<index>`). */
  partials: ReadonlyMap<string, number>;
  helpers: Set<string>;
}

/** Prototypes a value can have (maps, lists, strings, numbers, booleans, int64 as bigint). */
const VALUE_PROTOTYPES: object[] = [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype, BigInt.prototype];

/**
 * Whether reading key `k` from a value could find an inherited property: only then does the
 * step need the own-property check (`get`); for any other key a plain read (`own`) is the same.
 */
function inheritable(k: string): boolean {
  return VALUE_PROTOTYPES.some((p) => k in p);
}

/** A number literal (integral: the dialect refuses others there) given to an int parameter, as a Go int. */
function intLiteral(f: ReturnType<typeof formOf>): string {
  const v = f.form === 'literal' ? f.value : undefined;
  return `(${typeof v === 'bigint' ? v : BigInt(v as number)}n)`;
}

interface Scope {
  /** JavaScript variable holding this scope's dot. */
  dot: string;
  /** What is known of the dot (src/chart/shapes.ts): where a path through it reads plain. */
  shape: Shape;
  /** For an each scope: the key variable (@index/@key), loop counter and length (@first/@last). */
  key?: string;
  i?: string;
  n?: string;
  /** Whether the body reads @index or @key (else the loop makes no key). */
  keyUsed?: boolean;
}

const js = JSON.stringify;

/**
 * Whether a `dict` call's keys are all literal identifiers, so an object literal builds the same
 * map (`__proto__` excluded: in a literal it would set the prototype, not a key).
 */
function dictKeysAreLiteral(params: Expression[]): boolean {
  for (let i = 0; i < params.length; i += 2) {
    const k = params[i]!;
    if (k.type !== 'StringLiteral') return false;
    const key = (k as hbs.AST.StringLiteral).value;
    if (!IDENT.test(key) || key === '__proto__') return false;
  }
  return true;
}

/** How a function uses its own context (`c0`), for the memo's keys (see `contextKeys`). */
interface ContextUse {
  /** Fields read from it (`c0.field...`). */
  fields: Set<string>;
  /** Partials it passes the whole context to (`include "x" this`). */
  passes: Set<string>;
  /** Uses it as a whole another way (`toYaml this`, `each this`, `if this`...). */
  whole: boolean;
}

class FunctionWriter {
  private readonly scopes: Scope[];
  private counter = 0;
  /** Temporaries `s1`, `s2`... of short-circuit `and`/`or`, declared with the function's `t`. */
  temps = 0;
  readonly use: ContextUse = { fields: new Set(), passes: new Set(), whole: false };

  constructor(
    private readonly file: string,
    private readonly names: ModuleNames,
    /** Partials the engine remembers by `root` and one field (see `contextKeys`); empty on the first pass. */
    private readonly keyed: ReadonlyMap<string, string> = new Map(),
    /** The shape of the function's context (`c0`, also `@root`), and the chart's defaults it refers to. */
    private readonly rootShape: Shape = null,
    private readonly defaults: Value = {},
  ) {
    this.scopes = [{ dot: 'c0', shape: rootShape }];
  }

  /** Whether `e` is this function's whole context (`this` or `@root` at its top level). */
  private isOwnContext(e: Expression | undefined): boolean {
    if (e?.type !== 'PathExpression') return false;
    const p = e as PathExpression;
    if (p.data) return p.parts.length === 1 && p.parts[0] === 'root';
    return p.parts.length === 0 && this.scopes[this.scopes.length - 1 - p.depth]?.dot === 'c0';
  }

  program(p: Program | undefined): string {
    if (!p) return '';
    let out = '';
    for (const st of p.body) out += this.statement(st);
    return out;
  }

  private statement(st: Statement): string {
    switch (st.type) {
      case 'ContentStatement': {
        const text = (st as hbs.AST.ContentStatement).value;
        return text === '' ? '' : `o+=${js(text)};`;
      }
      case 'CommentStatement':
        return '';
      case 'MustacheStatement': {
        const m = st as hbs.AST.MustacheStatement;
        if (m.params.length > 0 || isHelperPath(m.path as Expression)) {
          const head = m.path as PathExpression;
          const inner = this.call(head, m.params, m.loc);
          return this.isString(head.original) ? `o+=${inner};` : `o+=V(${inner});`;
        }
        return `o+=P(${this.expr(m.path as Expression)});`;
      }
      case 'BlockStatement':
        return this.block(st as BlockStatement);
      default:
        throw new Error(`codegen: unexpected ${st.type}`);
    }
  }

  private isString(helper: string): boolean {
    return helper === 'include' || STRING_HELPERS.has(helper);
  }

  /** A helper as the factory binds it: a local constant when its name allows. */
  private helper(name: string): string {
    if (!IDENT.test(name)) return `H[${js(name)}]`;
    this.names.helpers.add(name);
    return `h_${name}`;
  }

  private call(head: PathExpression, params: Expression[], loc: hbs.AST.SourceLocation): string {
    const name = head.original;
    if (name === 'include') {
      // A literal name of a partial of this chart is called directly; anything else by name at run time.
      const first = params[0];
      const literal = first?.type === 'StringLiteral' && params.length === 2 ? (first as hbs.AST.StringLiteral).value : undefined;
      const target = literal === undefined ? undefined : this.names.partials.get(literal);
      if (target === undefined) return `inc(${params.map((p) => this.expr(p)).join(',')})`;
      // Passing the whole context on uses what the callee uses of it.
      const passed = this.isOwnContext(params[1]);
      if (passed) this.use.passes.add(literal!);
      const ctx = passed ? 'c0' : this.expr(params[1]!);
      // By index into the chart's partials (the engine keeps Helm's per-name nesting count). The
      // engine may answer from its memo (M), unless the context is made right here (a dict or list
      // built at the call is new every time) and the partial is not remembered by its fields.
      const fresh = params[1]?.type === 'SubExpression' && ['dict', 'list'].includes(((params[1] as hbs.AST.SubExpression).path as PathExpression).original);
      return `${fresh && !this.keyed.has(literal!) ? 'R' : 'M'}(${target},${ctx})`;
    }
    if ((name === 'and' || name === 'or') && params.length > 1) return this.shortCircuit(name, params);
    const types = PARAM_TYPES.get(name);
    // A literal given to an int parameter is converted to it, as Go does with a constant (`trunc 3.0 s`).
    const args = params.map((p, i) => (types?.[i] === 'int' && p.type === 'NumberLiteral' ? intLiteral(formOf(p)) : this.expr(p)));
    if (name === 'dict' && dictKeysAreLiteral(params)) {
      // An object literal: one shape per call site, built without the helper's loop.
      let out = '{';
      for (let i = 0; i < params.length; i += 2) out += `${(params[i] as hbs.AST.StringLiteral).value}:${args[i + 1] ?? '""'},`;
      return `${out}}`;
    }
    if (name === 'required' || name === 'fail') {
      // The call site, so the failure names file:line:col.
      const where = `${this.file}:${loc.start.line}:${loc.start.column + 1}`;
      return `at(${js(where)},${this.helper(name)},${args.join(',')})`;
    }
    return `${this.helper(name)}(${args.join(',')})`;
  }

  /**
   * `and`/`or` as Go evaluates them since Go 1.18: left to right, stopping at the first argument
   * that decides (`and` at a false one, `or` at a true one) and answering that argument, or the
   * last. The arguments after it are not evaluated, so `and false (fail "x")` does not fail.
   */
  private shortCircuit(name: 'and' | 'or', params: Expression[]): string {
    let out = this.expr(params[params.length - 1]!);
    for (let i = params.length - 2; i >= 0; i--) {
      const tmp = `s${++this.temps}`;
      const truth = this.truth(params[i]!, `(${tmp}=${this.expr(params[i]!)})`);
      out = `(${name === 'and' ? `!${truth}` : truth}?${tmp}:${out})`;
    }
    return out;
  }

  /** A condition (`code` is `e` written out): Go truth, skipped for helpers that return a boolean. */
  private truth(e: Expression, code: string): string {
    const f = formOf(e);
    return f.form === 'call' && BOOL_HELPERS.has(f.path.original) ? code : `T(${code})`;
  }

  private expr(e: Expression): string {
    const f = formOf(e);
    if (f.form === 'call') return this.call(f.path, f.params, f.loc);
    if (f.form === 'path') return this.path(f.path);
    const v = f.value;
    // An integer literal is Go's int (`printf "%d" 3`, `kindIs`), a bigint as int64 results are
    // here; one with a fraction (`3.0`) a float64.
    if (typeof v === 'bigint') return `(${v}n)`;
    if (typeof v === 'number') return Object.is(v, -0) ? '(-0)' : `(${String(v)})`;
    return typeof v === 'string' ? js(v) : String(v);
  }

  private nearestEach(): Scope {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i]!.key) return this.scopes[i]!;
    throw new Error('codegen: @index outside each');
  }

  private path(p: PathExpression): string {
    if (p.data) {
      const [head, ...rest] = p.parts;
      if (head === 'root') return this.chain('c0', this.rootShape, rest);
      const each = this.nearestEach();
      if (head === 'index' || head === 'key') {
        each.keyUsed = true;
        return each.key!;
      }
      if (head === 'first') return `(${each.i}===0)`;
      return `(${each.i}===${each.n}-1)`;
    }
    const scope = this.scopes[this.scopes.length - 1 - p.depth]!;
    // Go keeps a range element as an interface value in the dot only, not in the variable that saves it for `../`.
    return this.chain(scope.dot, scope.shape, p.parts, scope.key !== undefined && p.depth === 0);
  }

  /**
   * A path as one expression through the function's temporaries `t` (the value) and `r` (the map
   * it is read from), each step as Go reads it (src/chart/shapes.ts): a step through `default dict`
   * or from a struct field or a function's result that finds nil gives it, as Go's chain does; a
   * field of a nil interface (a range element, a value read plain from a map) and `index` of nil
   * (a key that is not an identifier) fail (E). A step that finds nothing asks F whether its
   * receiver was a map (or a value `default dict` turns into one); anything else fails with Go's
   * words for a field or an index. Written inline so every step has its own property-access site
   * for V8 to specialise.
   */
  private chain(base: string, shape: Shape, parts: string[], element = false): string {
    if (base === 'c0') {
      if (parts.length === 0) this.use.whole = true;
      else this.use.fields.add(parts[0]!);
    }
    if (parts.length === 0) return base;
    const kinds = stepKinds(shape, parts, this.defaults);
    // What step i does with a nil receiver: fail (E), or undefined to give the nil.
    const onNil = (i: number): string | undefined => {
      const part = parts[i]!;
      if (!GO_IDENT.test(part)) return kinds[i] === 'safe' ? undefined : `E(${js(part)},1)`;
      return (i === 0 ? element : kinds[i] === 'map') ? `E(${js(part)})` : undefined;
    };
    let out = `((t=${base})==null?${onNil(0) ?? 't'}:`;
    parts.forEach((part, i) => {
      // F's mode (engine.ts FieldStep): Go's index (3, or 4 through `default dict`) for a key that
      // is not an identifier; else a field through `default dict` (0), of a value of its own type
      // (1), or of an interface (2).
      const kind = kinds[i]!;
      const mode = !GO_IDENT.test(part) ? (kind === 'safe' ? 4 : 3) : kind === 'safe' ? 0 : kind === 'map' || (kind === 'first' && element) ? 2 : 1;
      // Only a map's own keys are fields: an inherited or non-identifier key goes through `get`.
      const step = inheritable(part) || !IDENT.test(part) ? `get(r=t,${js(part)})` : `(r=t).${part}`;
      const miss = `F(r,${js(part)},${mode})`;
      if (i === parts.length - 1) {
        out += `(t=${step})!==undefined?t:${miss})`;
        return;
      }
      const nil = onNil(i + 1);
      out += nil === undefined ? `(t=${step})==null?(t===undefined?${miss}:t):` : `(t=${step})==null?((t===undefined&&${miss}),${nil}):`;
    });
    return out;
  }

  private block(b: BlockStatement): string {
    const name = b.path.original;
    const arg = this.expr(b.params[0]!);
    const inverse = (): string => (b.inverse ? `else{${this.program(b.inverse)}}` : '');
    if (name === 'if') return `if(${this.truth(b.params[0]!, arg)}){${this.program(b.program)}}${inverse()}`;
    if (name === 'unless') return `if(!${this.truth(b.params[0]!, arg)}){${this.program(b.program)}}${inverse()}`;
    const n = ++this.counter;
    if (name === 'with') {
      const dot = `c${n}`;
      const shape = blockShape(b, shapeOf(b.params[0]!, (depth) => this.scopes[this.scopes.length - 1 - depth]!.shape, this.rootShape, this.defaults));
      this.scopes.push({ dot, shape });
      const body = this.program(b.program);
      this.scopes.pop();
      return `{const ${dot}=${arg};if(T(${dot})){${body}}${inverse()}}`;
    }
    // each: Go's range, over a list in order or a map's keys in Go's sorted order; nil or an empty
    // one takes the else branch, and K fails anything else (false, 0 and "" too, as Go does).
    const [a, ks, len, i, k, dot] = ['a', 'ks', 'n', 'i', 'k', 'c'].map((v) => `${v}${n}`) as [string, string, string, string, string, string];
    const scope: Scope = { dot, shape: null, key: k, i, n: len };
    this.scopes.push(scope);
    const body = this.program(b.program);
    this.scopes.pop();
    // The key (a list's index as Go's int, a map's key) is made only where @index or @key reads it.
    const element = scope.keyUsed
      ? `const ${k}=${ks}===null?BigInt(${i}):${ks}[${i}];const ${dot}=${ks}===null?${a}[${i}]:${a}[${k}];`
      : `const ${dot}=${ks}===null?${a}[${i}]:${a}[${ks}[${i}]];`;
    return (
      `{const ${a}=${arg};const ${ks}=K(${a});const ${len}=${ks}===null?${a}.length:${ks}.length;if(${len}>0){` +
      `for(let ${i}=0;${i}<${len};${i}++){${element}${body}}}${inverse()}}`
    );
  }
}

/** One template or partial as the source of a JavaScript function `(c0) => string`. */
function functionSource(program: Program, file: string, names: ModuleNames, keyed: ReadonlyMap<string, string>, shape: Shape, defaults: Value): string {
  const w = new FunctionWriter(file, names, keyed, shape, defaults);
  const body = w.program(program);
  let temps = '';
  for (let i = 1; i <= w.temps; i++) temps += `,s${i}`;
  return `function(c0){let o="",t,r${temps};${body}return o;}`;
}

/**
 * Partials whose text depends on their context only through `root` and at most one other field
 * (reading them, or passing the context to partials that do; a fixed point over the include
 * graph): partial name -> that field ("" for `root` alone). Called with the top-level object as
 * `root`, such a partial is remembered by that one field's value, whatever object carries it:
 * `(dict "root" $ "component" "api")` built at two call sites is one answer.
 */
function contextKeys(partials: ParsedTemplate[], names: ModuleNames): Map<string, string> {
  const uses = new Map<string, ContextUse>();
  for (const p of partials) {
    const w = new FunctionWriter(p.srcPath, { partials: names.partials, helpers: new Set() });
    w.program(p.program);
    uses.set(p.name, w.use);
  }
  const fields = new Map<string, Set<string> | null>([...uses].map(([n, u]) => [n, u.whole ? null : new Set(u.fields)]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const [n, u] of uses) {
      const own = fields.get(n);
      if (!own) continue;
      for (const callee of u.passes) {
        const theirs = fields.get(callee);
        if (!theirs) {
          fields.set(n, null);
          changed = true;
          break;
        }
        for (const f of theirs) {
          if (!own.has(f)) {
            own.add(f);
            changed = true;
          }
        }
      }
    }
  }
  const keyed = new Map<string, string>();
  for (const [n, f] of fields) {
    if (!f || !f.has('root') || f.size > 2) continue;
    keyed.set(n, [...f].find((x) => x !== 'root') ?? '');
  }
  return keyed;
}

export interface ParsedTemplate {
  name: string;
  srcPath: string;
  program: Program;
}

/**
 * A chart module: a factory taking the runtime and returning `{templates, partials}`, each entry
 * `{name, srcPath, render}`. Partials are constants of the factory (`p0`, `p1`, ...) so a literal
 * include calls its partial directly, and helpers are bound once (`h_quote`, ...). Written into
 * dist/generated/chart.js at build time, or evaluated at start-up for a chart given with --chart.
 */
export function chartModuleSource(templates: ParsedTemplate[], partials: ParsedTemplate[], defaults: Value): string {
  const names: ModuleNames = { partials: new Map(partials.map((p, i) => [p.name, i])), helpers: new Set() };
  const keyed = contextKeys(partials, names);
  const shapes = partialShapes(
    templates.map((t) => t.program),
    new Map(partials.map((p) => [p.name, p.program])),
    defaults,
  );
  const partialDefs = partials.map((p, i) => `const p${i}=${functionSource(p.program, p.srcPath, names, keyed, shapes.get(p.name) ?? null, defaults)};\n`).join('');
  const entry = (f: ParsedTemplate, render: string, key?: string) =>
    `{name:${js(f.name)},srcPath:${js(f.srcPath)},render:${render}${key === undefined ? '' : `,key:${js(key)}`}}`;
  const templateEntries = templates.map((t) => entry(t, functionSource(t.program, t.srcPath, names, keyed, ROOT_SHAPE, defaults)));
  const helperDefs = [...names.helpers].sort().map((h) => `h_${h}=H[${js(h)}]`);
  return (
    `function(rt){"use strict";const{${RUNTIME_NAMES.join(',')}}=rt;\n` +
    (helperDefs.length > 0 ? `const ${helperDefs.join(',')};\n` : '') +
    partialDefs +
    `return{\ntemplates:[\n${templateEntries.join(',\n')}\n],\n` +
    `partials:[\n${partials.map((p, i) => entry(p, `p${i}`, keyed.get(p.name))).join(',\n')}\n]};}`
  );
}
