/**
 * The render engine: Handlebars with Go template semantics. Like Helm's `engine` package it knows
 * nothing of how values were loaded; it takes a chart's templates and a render context and
 * returns the text of every template.
 */
import Handlebars from 'handlebars';
import { formatValue } from './gofmt.js';
import { HELPERS, TemplateError, type HelperFn } from './helpers.js';
import { goTruth } from './truth.js';
import { isHelperPath, parseTemplate, partialsOf } from './dialect.js';
import { isMap, UserError, type ValueMap } from '../values/types.js';

type Program = hbs.AST.Program;
type Expression = hbs.AST.Expression;
type HelperOptions = Handlebars.HelperOptions;

export interface TemplateFile {
  /** Path inside the chart as Helm names it, e.g. `templates/api.yaml`. */
  name: string;
  /** Where the Handlebars source came from, for error messages. */
  srcPath: string;
  source: string;
}

export interface ChartMetadata {
  [field: string]: unknown;
  Name: string;
  Version: string;
}

export interface RenderContext {
  Values: ValueMap;
  Release: { Name: string; Namespace: string; Service: string; IsInstall: boolean; IsUpgrade: boolean; Revision: bigint };
  Chart: ChartMetadata;
  Capabilities: {
    KubeVersion: { Version: string; Major: string; Minor: string; GitVersion: string };
    APIVersions: string[];
    HelmVersion: { Version: string };
  };
}

export interface RenderedTemplate {
  /** `dify/templates/api.yaml`, as Helm's Source header prints it. */
  name: string;
  content: string;
}

const MAX_INCLUDE_DEPTH = 1000;

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

function positional(fn: HelperFn): Handlebars.HelperDelegate {
  return function (this: unknown, ...args: unknown[]): unknown {
    const options = args.pop() as HelperOptions;
    if (options.hash && typeof options.hash.__loc === 'string') {
      try {
        return fn(...args);
      } catch (e) {
        if (e instanceof TemplateError) throw new TemplateError(`${options.hash.__loc}: ${e.message}`);
        throw e;
      }
    }
    return fn(...args);
  };
}

export interface CompiledChart {
  templates: { file: TemplateFile; render: Handlebars.TemplateDelegate }[];
  partials: Map<string, Handlebars.TemplateDelegate>;
}

export class Engine {
  private readonly hb = Handlebars.create();
  private readonly partials = new Map<string, Handlebars.TemplateDelegate>();
  private readonly templates: { file: TemplateFile; render: Handlebars.TemplateDelegate }[] = [];
  private includeDepth = 0;

  constructor(files: TemplateFile[]) {
    this.registerHelpers();
    const known: Record<string, boolean> = { __print: true, include: true };
    for (const name of Object.keys(HELPERS)) known[name] = true;
    // The AST was already through Handlebars' whitespace control (parseTemplate); compile()
    // would run it again on each partial's program as if it were a file of its own, so the
    // standalone-line pass is switched off here. The Go compiler sees the same single pass.
    const options = { noEscape: true, knownHelpers: known, knownHelpersOnly: true, ignoreStandalone: true };
    for (const file of files) {
      const base = file.name.split('/').pop() ?? file.name;
      const isPartials = base.startsWith('_');
      const ast = rewrite(parseTemplate(file.source, file.srcPath, isPartials), file.srcPath);
      if (isPartials) {
        for (const [name, program] of partialsOf(ast)) {
          if (this.partials.has(name)) throw new UserError(`${file.srcPath}: partial "${name}" is defined twice`);
          this.partials.set(name, this.hb.compile(program, options));
        }
      } else {
        this.templates.push({ file, render: this.hb.compile(ast, options) });
      }
    }
    this.templates.sort((a, b) => (a.file.name < b.file.name ? -1 : a.file.name > b.file.name ? 1 : 0));
  }

  private registerHelpers(): void {
    const hb = this.hb;
    for (const [name, fn] of Object.entries(HELPERS)) hb.registerHelper(name, positional(fn));
    hb.registerHelper('__print', (v: unknown) => (v === undefined || v === null ? '' : formatValue(v)));
    hb.registerHelper('include', (name: unknown, ctx: unknown) => this.include(String(name), ctx));
    hb.registerHelper('if', function (this: unknown, cond: unknown, options: HelperOptions) {
      return goTruth(cond) ? options.fn(this) : options.inverse(this);
    });
    hb.registerHelper('unless', function (this: unknown, cond: unknown, options: HelperOptions) {
      return goTruth(cond) ? options.inverse(this) : options.fn(this);
    });
    hb.registerHelper('with', function (this: unknown, ctx: unknown, options: HelperOptions) {
      return goTruth(ctx) ? options.fn(ctx) : options.inverse(this);
    });
    hb.registerHelper('each', function (this: unknown, ctx: unknown, options: HelperOptions) {
      if (!goTruth(ctx)) return options.inverse(this);
      let out = '';
      if (Array.isArray(ctx)) {
        const last = ctx.length - 1;
        for (let i = 0; i <= last; i++) {
          const data = Handlebars.createFrame(options.data);
          data.index = data.key = BigInt(i);
          data.first = i === 0;
          data.last = i === last;
          out += options.fn(ctx[i], { data });
        }
        return out;
      }
      if (isMap(ctx)) {
        // Go's range visits map keys in sorted order, and its key variable is the key.
        const keys = Object.keys(ctx).sort();
        const last = keys.length - 1;
        keys.forEach((k, i) => {
          const data = Handlebars.createFrame(options.data);
          data.index = data.key = k;
          data.first = i === 0;
          data.last = i === last;
          out += options.fn(ctx[k], { data });
        });
        return out;
      }
      throw new TemplateError(`range can't iterate over ${formatValue(ctx)}`);
    });
  }

  private include(name: string, ctx: unknown): string {
    const partial = this.partials.get(name);
    if (!partial) throw new TemplateError(`include: no template "${name}" associated with the chart`);
    if (this.includeDepth >= MAX_INCLUDE_DEPTH) throw new TemplateError(`rendering template has a nested reference name: ${name}`);
    this.includeDepth++;
    try {
      return partial(ctx);
    } finally {
      this.includeDepth--;
    }
  }

  /** Names of the renderable templates, e.g. `templates/api.yaml`, in sorted order. */
  templateNames(): string[] {
    return this.templates.map((t) => t.file.name);
  }

  /** Render every template (NOTES.txt included) with Helm's top-level objects. */
  render(ctx: RenderContext, chartName: string): RenderedTemplate[] {
    const out: RenderedTemplate[] = [];
    for (const { file, render } of this.templates) {
      const name = `${chartName}/${file.name}`;
      const top = { ...ctx, Template: { Name: name, BasePath: `${chartName}/templates` } };
      try {
        out.push({ name, content: render(top) });
      } catch (e) {
        if (e instanceof TemplateError) {
          // required/fail carry their own call site; other failures are located by template.
          const located = /^\S+:\d+:\d+: /.test(e.message);
          throw new UserError(located ? e.message : `${file.srcPath}: ${e.message}`);
        }
        throw e;
      }
    }
    return out;
  }
}
