/**
 * Handlebars AST → JavaScript: each template and partial becomes one plain function that builds
 * its text with string concatenation. Blocks are inlined as `if`/`for` statements and every path
 * resolves statically to a local variable (`../` and `@root` included), so rendering needs no
 * template runtime: no frames, no options objects, no per-call helper wrapping. The semantics are
 * those of the Go compiler (src/compile/compiler.ts) over the same AST after the same single
 * whitespace-control pass, and the conformance suite holds the two to the same bytes.
 */
import { formOf, isHelperPath } from './dialect.js';

type Program = hbs.AST.Program;
type Statement = hbs.AST.Statement;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;
type BlockStatement = hbs.AST.BlockStatement;

/**
 * Names the generated code expects in scope (bound by the chart module's factory, see
 * `chartModuleSource`): helpers, the path steps, Go truth, %v printing, range keys, include and
 * the located call used by `required`/`fail`.
 */
export const RUNTIME_NAMES = ['H', 'get', 'own', 'T', 'P', 'K', 'inc', 'at'] as const;

/** Prototypes a value can have (maps, lists, strings, numbers, booleans, int64 as bigint). */
const VALUE_PROTOTYPES: object[] = [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype, BigInt.prototype];

/**
 * Whether reading key `k` from a value could find an inherited property: only then does the
 * step need the own-property check (`get`); for any other key a plain read (`own`) is the same.
 */
function inheritable(k: string): boolean {
  return VALUE_PROTOTYPES.some((p) => k in p);
}

interface Scope {
  /** JavaScript variable holding this scope's dot. */
  dot: string;
  /** For an each scope: the key variable (@index/@key), loop counter and length (@first/@last). */
  key?: string;
  i?: string;
  n?: string;
}

const js = JSON.stringify;

class FunctionWriter {
  private readonly scopes: Scope[] = [{ dot: 'c0' }];
  private counter = 0;

  constructor(private readonly file: string) {}

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
        const inner = m.params.length > 0 || isHelperPath(m.path as Expression) ? this.call(m.path as PathExpression, m.params, m.loc) : this.expr(m.path as Expression);
        return `o+=P(${inner});`;
      }
      case 'BlockStatement':
        return this.block(st as BlockStatement);
      default:
        throw new Error(`codegen: unexpected ${st.type}`);
    }
  }

  private call(head: PathExpression, params: Expression[], loc: hbs.AST.SourceLocation): string {
    const name = head.original;
    const args = params.map((p) => this.expr(p));
    if (name === 'include') return `inc(${args.join(',')})`;
    if (name === 'required' || name === 'fail') {
      // The call site, so the failure names file:line:col.
      const where = `${this.file}:${loc.start.line}:${loc.start.column + 1}`;
      return `at(${js(where)},H[${js(name)}],${args.join(',')})`;
    }
    return `H[${js(name)}](${args.join(',')})`;
  }

  private expr(e: Expression): string {
    const f = formOf(e);
    if (f.form === 'call') return this.call(f.path, f.params, f.loc);
    if (f.form === 'path') return this.path(f.path);
    const v = f.value;
    if (typeof v === 'number') return `(${String(v)})`;
    return typeof v === 'string' ? js(v) : String(v);
  }

  private nearestEach(): Scope {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i]!.key) return this.scopes[i]!;
    throw new Error('codegen: @index outside each');
  }

  private path(p: PathExpression): string {
    if (p.data) {
      const [head, ...rest] = p.parts;
      if (head === 'root') return this.chain('c0', rest);
      const each = this.nearestEach();
      if (head === 'index' || head === 'key') return each.key!;
      if (head === 'first') return `(${each.i}===0)`;
      return `(${each.i}===${each.n}-1)`;
    }
    const scope = this.scopes[this.scopes.length - 1 - p.depth]!;
    return this.chain(scope.dot, p.parts);
  }

  private chain(base: string, parts: string[]): string {
    let out = base;
    for (const part of parts) out = `${inheritable(part) ? 'get' : 'own'}(${out},${js(part)})`;
    return out;
  }

  private block(b: BlockStatement): string {
    const name = b.path.original;
    const arg = this.expr(b.params[0]!);
    const inverse = (): string => (b.inverse ? `else{${this.program(b.inverse)}}` : '');
    if (name === 'if') return `if(T(${arg})){${this.program(b.program)}}${inverse()}`;
    if (name === 'unless') return `if(!T(${arg})){${this.program(b.program)}}${inverse()}`;
    const n = ++this.counter;
    if (name === 'with') {
      const dot = `c${n}`;
      this.scopes.push({ dot });
      const body = this.program(b.program);
      this.scopes.pop();
      return `{const ${dot}=${arg};if(T(${dot})){${body}}${inverse()}}`;
    }
    // each: Go's range, over a list in order or a map's keys in Go's sorted order.
    const [a, ks, len, i, k, dot] = ['a', 'ks', 'n', 'i', 'k', 'c'].map((v) => `${v}${n}`) as [string, string, string, string, string, string];
    this.scopes.push({ dot, key: k, i, n: len });
    const body = this.program(b.program);
    this.scopes.pop();
    return (
      `{const ${a}=${arg};if(T(${a})){const ${ks}=K(${a});const ${len}=${ks}===null?${a}.length:${ks}.length;` +
      `for(let ${i}=0;${i}<${len};${i}++){const ${k}=${ks}===null?BigInt(${i}):${ks}[${i}];const ${dot}=${ks}===null?${a}[${i}]:${a}[${k}];${body}}}${inverse()}}`
    );
  }
}

/** One template or partial as the source of a JavaScript function `(c0) => string`. */
export function functionSource(program: Program, file: string): string {
  return `function(c0){let o="";${new FunctionWriter(file).program(program)}return o;}`;
}

export interface GeneratedFunction {
  name: string;
  srcPath: string;
  source: string;
}

/**
 * A chart module: a factory taking the runtime and returning `{templates, partials}`, each entry
 * `{name, srcPath, render}`. Written into dist/generated/chart.js at build time, or evaluated at
 * start-up for a chart given with --chart.
 */
export function chartModuleSource(templates: GeneratedFunction[], partials: GeneratedFunction[]): string {
  const entry = (f: GeneratedFunction) => `{name:${js(f.name)},srcPath:${js(f.srcPath)},render:${f.source}}`;
  return (
    `function(rt){"use strict";const{${RUNTIME_NAMES.join(',')}}=rt;return{\n` +
    `templates:[\n${templates.map(entry).join(',\n')}\n],\n` +
    `partials:[\n${partials.map(entry).join(',\n')}\n]};}`
  );
}
