/**
 * Handlebars → Go template compiler: a visitor over the Handlebars AST (after Handlebars' own
 * whitespace control, so both engines see identical literal text) that emits the equivalent Go
 * template. Paths resolve against a scope stack; helpers map 1:1 to Go/sprig/Helm functions.
 */
import { formOf, isHelperPath, parseTemplate, partialsOf } from '../chart/dialect.js';
import type { TemplateFile } from '../render/engine.js';
import { TEMPLATE_EXT } from '../chart/load.js';
import type { Value } from '../values/types.js';
import { blockShape, GO_IDENT, partialShapes, ROOT_SHAPE, shapeOf, stepKinds, type Shape } from '../chart/shapes.js';

type Program = hbs.AST.Program;
type Statement = hbs.AST.Statement;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;
type BlockStatement = hbs.AST.BlockStatement;

/** A float64 literal as Go reads one: with a fraction or exponent, so `3.0` stays a float64 and is not taken for the int 3. */
function goFloatLiteral(v: number): string {
  const t = Object.is(v, -0) ? '-0' : String(v);
  return /[.e]/.test(t) ? t : `${t}.0`;
}

interface Scope {
  /** Go expression for this scope's dot as seen from inside it (`.`), or a saved variable. */
  shape: Shape;
  /** Variable holding this scope's dot, saved by a nested scope that climbs with `../`. */
  saved?: string;
  keyVar?: string;
  collectionVar?: string;
}

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

  /** `base.a.b.c`, nil-safe (`default dict`) at each step whose receiver is not known to be a map (src/chart/shapes.ts). */
  private chain(base: string, shape: Shape, parts: string[]): string {
    const kinds = stepKinds(shape, parts, this.defaults);
    let out = base;
    parts.forEach((part, i) => {
      if (kinds[i] === 'safe') out = `(default dict ${out})`;
      out = GO_IDENT.test(part) ? (out === '.' ? `.${part}` : `${out}.${part}`) : `(index ${out} ${goString(part)})`;
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
    const scope: Scope = { shape: blockShape(b, argShape) };
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
  private shapeOf(e: Expression): Shape {
    return shapeOf(e, (depth) => this.scopes[this.scopes.length - 1 - depth]!.shape, this.rootShape, this.defaults);
  }
}

/**
 * Compile a chart's templates. `defaults` is the chart's values.yaml: a path through maps it
 * declares compiles to a plain Go path (an override that deletes one of them fails, in both
 * engines: src/chart/shapes.ts decides for both); any other multi-segment path compiles to a
 * nil-safe chain.
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
  const shapes = partialShapes(
    templateAsts.map((t) => t.ast),
    new Map([...partialAsts].map(([name, { program }]) => [name, program])),
    defaults,
  );
  for (const { file, ast } of templateAsts) {
    templates.set(file.name, new TemplateCompiler(defaults, ROOT_SHAPE).program(ast));
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
