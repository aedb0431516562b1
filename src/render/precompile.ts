/**
 * Handlebars sources → template specs for the engine. The shipped chart is precompiled at build
 * time (src/build/generate.ts); a chart given with --chart is compiled here at start-up. Both run
 * the dialect check, so a template either works in both engines or is rejected with file:line:col.
 */
import Handlebars from 'handlebars';
import { isHelperPath, parseTemplate, partialsOf } from './dialect.js';
import { HELPERS } from './helpers.js';
import type { PrecompiledChart, TemplateFile } from './engine.js';
import { UserError } from '../values/types.js';

type Program = hbs.AST.Program;
type Expression = hbs.AST.Expression;

/** Engine-side rewrite: every `{{x}}` prints through Go's %v, zero-argument helper paths become calls. */
function rewrite(program: Program, file: string): Program {
  const call = (e: Expression): Expression => {
    if (isHelperPath(e)) {
      return { type: 'SubExpression', path: e, params: [], hash: undefined, loc: e.loc } as unknown as Expression;
    }
    if (e.type === 'SubExpression') fixCall(e as hbs.AST.SubExpression);
    return e;
  };
  const fixCall = (c: { path: Expression; params: Expression[]; hash: hbs.AST.Hash; loc: hbs.AST.SourceLocation }) => {
    c.params = c.params.map(call);
    const name = (c.path as hbs.AST.PathExpression).original;
    if (name === 'required' || name === 'fail') {
      // Carry the call site so the failure can name file:line:col.
      const loc = `${file}:${c.loc.start.line}:${c.loc.start.column + 1}`;
      const pair = { type: 'HashPair', key: '__loc', value: { type: 'StringLiteral', value: loc, original: loc } };
      c.hash = { type: 'Hash', pairs: [pair], loc: c.loc } as unknown as hbs.AST.Hash;
    }
  };
  const visit = (p: Program | undefined): void => {
    if (!p) return;
    p.body = p.body.map((st) => {
      if (st.type === 'MustacheStatement') {
        const m = st as hbs.AST.MustacheStatement;
        let inner: Expression;
        if (m.params.length > 0 || isHelperPath(m.path as Expression)) {
          const sub = { type: 'SubExpression', path: m.path, params: m.params, hash: m.hash, loc: m.loc } as unknown as hbs.AST.SubExpression;
          fixCall(sub);
          inner = sub;
        } else {
          inner = m.path as Expression;
        }
        const printPath = { type: 'PathExpression', data: false, depth: 0, parts: ['__print'], original: '__print', loc: m.loc };
        return { ...m, path: printPath, params: [inner], hash: undefined } as unknown as hbs.AST.Statement;
      }
      if (st.type === 'BlockStatement' || st.type === 'DecoratorBlock') {
        const b = st as hbs.AST.BlockStatement;
        b.params = b.params.map(call);
        visit(b.program);
        visit(b.inverse);
      }
      return st;
    });
  };
  visit(program);
  return program;
}

function compileOptions(): PrecompileOptions {
  const known: Record<string, boolean> = { __print: true, include: true };
  for (const name of Object.keys(HELPERS)) known[name] = true;
  // The AST was already through Handlebars' whitespace control (parseTemplate); compiling it
  // would run that pass again on each partial's program as if it were a file of its own, so
  // the standalone-line pass is switched off here. The Go compiler sees the same single pass.
  return { noEscape: true, knownHelpers: known, knownHelpersOnly: true, ignoreStandalone: true };
}

type PrecompileOptions = NonNullable<Parameters<typeof Handlebars.precompile>[1]>;

/** A precompiled chart as JavaScript source: `{templates: [...], partials: [...]}` with spec literals. */
export function precompileChartSource(files: TemplateFile[]): string {
  const options = compileOptions();
  const templates: string[] = [];
  const partials: string[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const base = file.name.split('/').pop() ?? file.name;
    const isPartials = base.startsWith('_');
    const ast = rewrite(parseTemplate(file.source, file.srcPath, isPartials), file.srcPath);
    const meta = (name: string) => `name: ${JSON.stringify(name)}, srcPath: ${JSON.stringify(file.srcPath)}`;
    if (isPartials) {
      for (const [name, program] of partialsOf(ast)) {
        if (seen.has(name)) throw new UserError(`${file.srcPath}: partial "${name}" is defined twice`);
        seen.add(name);
        partials.push(`{ ${meta(name)}, spec: ${String(Handlebars.precompile(program, options))} }`);
      }
    } else {
      templates.push(`{ ${meta(file.name)}, spec: ${String(Handlebars.precompile(ast, options))} }`);
    }
  }
  return `{ templates: [\n${templates.join(',\n')}\n], partials: [\n${partials.join(',\n')}\n] }`;
}

/** Precompile and load in one go, for charts that were not built ahead of time. */
export function precompileChart(files: TemplateFile[]): PrecompiledChart {
  // Handlebars.compile evaluates its generated code the same way.
  return new Function(`return ${precompileChartSource(files)};`)() as PrecompiledChart;
}
