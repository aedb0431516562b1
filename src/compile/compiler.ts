/**
 * Handlebars → Go template compiler: a visitor over the Handlebars AST (after Handlebars' own
 * whitespace control, so both engines see identical literal text) that emits the equivalent Go
 * template. Paths resolve against a scope stack; helpers map 1:1 to Go/sprig/Helm functions.
 */
import { formOf, isHelperPath, parseTemplate, partialsOf } from '../chart/dialect.js';
import type { TemplateFile } from '../render/engine.js';
import { TEMPLATE_EXT } from '../chart/load.js';
import { isMap, type Value } from '../values/types.js';

type Program = hbs.AST.Program;
type Statement = hbs.AST.Statement;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;
type BlockStatement = hbs.AST.BlockStatement;

/**
 * What the compiler knows statically about a context: part of the chart's default values (for
 * paths under `Values`), Helm's always-present objects, the template root, a `(dict ...)` built
 * at every call site of a partial, or nothing (`null`).
 */
type Shape =
  | { kind: 'values'; v: Value }
  | { kind: 'struct' }
  | { kind: 'root' }
  | { kind: 'dict'; fields: Map<string, Shape> }
  | null;

const ROOT: Shape = { kind: 'root' };
const STRUCT: Shape = { kind: 'struct' };

/** A float64 literal as Go reads one: with a fraction or exponent, so `3.0` stays a float64 and is not taken for the int 3. */
function goFloatLiteral(v: number): string {
  const t = Object.is(v, -0) ? '-0' : String(v);
  return /[.e]/.test(t) ? t : `${t}.0`;
}

/** Whether every key below this shape is known to exist as a map, so `.x` cannot hit nil. */
function isKnownMap(s: Shape): boolean {
  if (!s) return false;
  if (s.kind === 'values') return isMap(s.v) && Object.keys(s.v).length > 0;
  return true;
}

function step(s: Shape, part: string, defaults: Value): Shape {
  if (!s) return null;
  switch (s.kind) {
    case 'root':
      return part === 'Values' ? { kind: 'values', v: defaults } : STRUCT;
    case 'struct':
      return STRUCT;
    case 'dict':
      return s.fields.get(part) ?? null;
    case 'values':
      return isMap(s.v) && s.v[part] !== undefined ? { kind: 'values', v: s.v[part] } : null;
  }
}

interface Scope {
  /** Go expression for this scope's dot as seen from inside it (`.`), or a saved variable. */
  shape: Shape;
  /** Variable holding this scope's dot, saved by a nested scope that climbs with `../`. */
  saved?: string;
  keyVar?: string;
  collectionVar?: string;
}

const GO_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface CompiledTemplates {
  /** `templates/<name>.yaml` → Go template text. */
  templates: Map<string, string>;
  /** Every named partial as a `define` block, for `templates/_helpers.tpl`. */
  helpers: string;
}

function goString(s: string): string {
  return JSON.stringify(s);
}

/** Literal text for Go: `{{` must not open an action, nor may a trailing `{` merge with the next one. */
function goText(s: string): string {
  let out = s.replaceAll('{{', '{{"{{"}}');
  if (out.endsWith('{') && !out.endsWith('{{"{{"}}')) out = out.slice(0, -1) + '{{"{"}}';
  return out;
}

function usesData(program: Program | undefined, name: string): boolean {
  if (!program) return false;
  return JSON.stringify(program.body).includes(`"original":"@${name}"`);
}

function climbs(program: Program | undefined): boolean {
  if (!program) return false;
  return /"depth":[1-9]/.test(JSON.stringify(program.body));
}

class TemplateCompiler {
  private scopes: Scope[] = [];
  private counter = 0;

  constructor(
    private readonly defaults: Value,
    private readonly rootShape: Shape,
  ) {
    this.scopes.push({ shape: rootShape });
  }

  program(p: Program | undefined): string {
    if (!p) return '';
    let out = '';
    for (const st of p.body) out += this.statement(st);
    return out;
  }

  private statement(st: Statement): string {
    switch (st.type) {
      case 'ContentStatement':
        return goText((st as hbs.AST.ContentStatement).value);
      case 'CommentStatement':
        return '';
      case 'MustacheStatement': {
        const m = st as hbs.AST.MustacheStatement;
        return `{{ ${this.call(m.path as Expression, m.params, false)} }}`;
      }
      case 'BlockStatement':
        return this.block(st as BlockStatement);
      default:
        throw new Error(`compiler: unexpected ${st.type}`);
    }
  }

  /** A call or a value: `name arg...` at top level of an action, `(name arg...)` when nested. */
  private call(head: Expression, params: Expression[], nested: boolean): string {
    if (params.length === 0 && !isHelperPath(head)) return this.expr(head);
    const name = (head as PathExpression).original;
    const args = params.map((p) => this.expr(p));
    const text = [name, ...args].join(' ');
    return nested ? `(${text})` : text;
  }

  private expr(e: Expression): string {
    const f = formOf(e);
    if (f.form === 'call') return this.call(f.path, f.params, true);
    if (f.form === 'path') return this.path(f.path);
    const v = f.value;
    if (v === null || v === undefined) return 'nil';
    if (typeof v === 'number') return goFloatLiteral(v);
    return typeof v === 'string' ? goString(v) : String(v);
  }

  private nearestEach(): Scope {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i]!.keyVar) return this.scopes[i]!;
    throw new Error('compiler: @index outside each');
  }

  private path(p: PathExpression): string {
    if (p.data) {
      const [head, ...rest] = p.parts;
      if (head === 'root') return this.chain('$', this.rootShape, rest);
      const each = this.nearestEach();
      if (head === 'index' || head === 'key') return each.keyVar!;
      if (head === 'first') return `(eq ${each.keyVar} 0)`;
      return `(eq ${each.keyVar} (sub (len ${each.collectionVar}) 1))`;
    }
    const level = this.scopes.length - 1 - p.depth;
    const scope = this.scopes[level]!;
    let base: string;
    if (p.depth === 0) base = '.';
    else if (level === 0) base = '$';
    else base = scope.saved!;
    return this.chain(base, scope.shape, p.parts);
  }

  /** `base.a.b.c`, made nil-safe from the first segment whose parent is not known to be a map. */
  private chain(base: string, shape: Shape, parts: string[]): string {
    let out = base;
    let cur: Shape = shape;
    parts.forEach((part, i) => {
      // Field access on a Go map value that is nil errors; `default dict` turns nil into {}.
      if (i > 0 && !isKnownMap(cur)) out = `(default dict ${out})`;
      out = GO_IDENT.test(part) ? (out === '.' ? `.${part}` : `${out}.${part}`) : `(index ${out} ${goString(part)})`;
      cur = step(cur, part, this.defaults);
    });
    return out;
  }

  private block(b: BlockStatement): string {
    const name = b.path.original;
    const arg = this.expr(b.params[0]!);
    const argShape = this.shapeOf(b.params[0]!);
    let out = '';
    if (name === 'if' || name === 'unless') {
      out += name === 'if' ? `{{ if ${arg} }}` : `{{ if not ${arg} }}`;
      out += this.program(b.program);
      out += this.elseBranch(b.inverse);
      return out + '{{ end }}';
    }
    const scope: Scope = { shape: name === 'with' ? argShape : null };
    if (climbs(b.program) && this.scopes.length > 1) {
      const cur = this.scopes[this.scopes.length - 1]!;
      cur.saved = `$d${++this.counter}`;
      out += `{{ ${cur.saved} := . }}`;
    }
    if (name === 'with') {
      out += `{{ with ${arg} }}`;
    } else {
      const n = ++this.counter;
      scope.keyVar = `$k${n}`;
      if (usesData(b.program, 'last')) {
        scope.collectionVar = `$c${n}`;
        out += `{{ ${scope.collectionVar} := ${arg} }}`;
        out += `{{ range $k${n}, $v${n} := ${scope.collectionVar} }}`;
      } else {
        out += `{{ range $k${n}, $v${n} := ${arg} }}`;
      }
    }
    this.scopes.push(scope);
    out += this.program(b.program);
    this.scopes.pop();
    if (b.inverse) out += '{{ else }}' + this.program(b.inverse);
    return out + '{{ end }}';
  }

  private elseBranch(inverse: Program | undefined): string {
    if (!inverse) return '';
    const chained = (inverse as Program & { chained?: boolean }).chained;
    const only = inverse.body.length === 1 ? (inverse.body[0] as BlockStatement) : undefined;
    if (chained && only && only.type === 'BlockStatement' && only.path.original === 'if') {
      return `{{ else if ${this.expr(only.params[0]!)} }}` + this.program(only.program) + this.elseBranch(only.inverse);
    }
    return '{{ else }}' + this.program(inverse);
  }

  /** The static shape of an expression, so paths inside `with` and partials stay plain where provably safe. */
  shapeOf(e: Expression): Shape {
    if (e.type === 'SubExpression') {
      const sub = e as hbs.AST.SubExpression;
      if (sub.path.original !== 'dict') return null;
      const fields = new Map<string, Shape>();
      for (let i = 0; i + 1 < sub.params.length; i += 2) {
        const k = sub.params[i]!;
        if (k.type !== 'StringLiteral') return null;
        fields.set((k as hbs.AST.StringLiteral).value, this.shapeOf(sub.params[i + 1]!));
      }
      return { kind: 'dict', fields };
    }
    if (e.type !== 'PathExpression' || isHelperPath(e)) return null;
    const p = e as PathExpression;
    let cur: Shape;
    let parts = p.parts;
    if (p.data) {
      if (p.parts[0] !== 'root') return null;
      cur = this.rootShape;
      parts = p.parts.slice(1);
    } else {
      cur = this.scopes[this.scopes.length - 1 - p.depth]!.shape;
    }
    for (const part of parts) cur = step(cur, part, this.defaults);
    return cur;
  }

  /** Record the shape of each partial's argument at every `include` site. */
  collectIncludes(p: Program | undefined, sites: Map<string, Shape[]>): void {
    if (!p) return;
    const visitExpr = (e: Expression): void => {
      if (e.type !== 'SubExpression') return;
      const sub = e as hbs.AST.SubExpression;
      if (sub.path.original === 'include' && sub.params[0]?.type === 'StringLiteral') {
        const name = (sub.params[0] as hbs.AST.StringLiteral).value;
        const list = sites.get(name) ?? [];
        list.push(sub.params[1] ? this.shapeOf(sub.params[1]) : null);
        sites.set(name, list);
      }
      sub.params.forEach(visitExpr);
    };
    for (const st of p.body) {
      if (st.type === 'MustacheStatement') {
        const m = st as hbs.AST.MustacheStatement;
        visitExpr({ type: 'SubExpression', path: m.path, params: m.params } as unknown as Expression);
      } else if (st.type === 'BlockStatement') {
        const b = st as BlockStatement;
        b.params.forEach(visitExpr);
        const name = b.path.original;
        const scope: Scope = { shape: name === 'with' ? this.shapeOf(b.params[0]!) : name === 'each' ? null : this.top().shape };
        if (name === 'with' || name === 'each') this.scopes.push(scope);
        this.collectIncludes(b.program, sites);
        if (name === 'with' || name === 'each') this.scopes.pop();
        this.collectIncludes(b.inverse, sites);
      }
    }
  }

  private top(): Scope {
    return this.scopes[this.scopes.length - 1]!;
  }
}

/** The common shape of all call sites: equal kinds agree, dicts keep the fields every site agrees on. */
function unify(shapes: Shape[]): Shape {
  if (shapes.length === 0) return null;
  const key = (s: Shape): string => JSON.stringify(s, (_k, v: unknown) => (v instanceof Map ? [...v.entries()] : v));
  const first = shapes[0]!;
  if (shapes.every((s) => key(s) === key(first))) return first;
  if (shapes.every((s) => s?.kind === 'dict')) {
    const fields = new Map<string, Shape>();
    const dicts = shapes as { kind: 'dict'; fields: Map<string, Shape> }[];
    for (const [k, v] of dicts[0]!.fields) {
      if (dicts.every((d) => d.fields.has(k) && key(d.fields.get(k)!) === key(v))) fields.set(k, v);
    }
    return { kind: 'dict', fields };
  }
  return null;
}

/**
 * Compile a chart's templates. `defaults` is the chart's values.yaml: a path through maps it
 * declares compiles to a plain Go path (an override that deletes one of them fails in Go, where
 * the JavaScript engine reads nothing: docs/template-dialect.md); any other multi-segment path
 * compiles to a nil-safe chain.
 */
export function compileGoTemplates(files: TemplateFile[], defaults: Value): CompiledTemplates {
  const templates = new Map<string, string>();
  const partialAsts = new Map<string, { file: TemplateFile; program: Program }>();
  const templateAsts: { file: TemplateFile; ast: Program }[] = [];
  for (const file of files) {
    const base = file.name.split('/').pop() ?? file.name;
    if (base.startsWith('_')) {
      for (const [name, program] of partialsOf(parseTemplate(file.source, file.srcPath, true))) {
        partialAsts.set(name, { file, program });
      }
    } else {
      templateAsts.push({ file, ast: parseTemplate(file.source, file.srcPath, false) });
    }
  }
  // A partial's context shape is what all its call sites pass; iterate since partials call partials.
  let shapes = new Map<string, Shape>();
  for (let round = 0; round < 4; round++) {
    const sites = new Map<string, Shape[]>();
    for (const { ast } of templateAsts) new TemplateCompiler(defaults, ROOT).collectIncludes(ast, sites);
    for (const [name, { program }] of partialAsts) {
      new TemplateCompiler(defaults, shapes.get(name) ?? null).collectIncludes(program, sites);
    }
    const next = new Map<string, Shape>();
    for (const [name, list] of sites) next.set(name, unify(list));
    shapes = next;
  }
  for (const { file, ast } of templateAsts) {
    templates.set(file.name, new TemplateCompiler(defaults, ROOT).program(ast));
  }
  const defines: string[] = [];
  for (const [name, { file, program }] of [...partialAsts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const body = new TemplateCompiler(defaults, shapes.get(name) ?? null).program(program);
    // The chart-relative source, not srcPath: the archive must not depend on where the chart sits.
    const from = `${file.name}${TEMPLATE_EXT}`;
    defines.push(`{{- /* ${name}, from ${from} */ -}}\n{{ define ${goString(name)} }}${body}{{ end }}\n`);
  }
  return { templates, helpers: defines.join('') };
}
