/**
 * The render engine: Handlebars with Go template semantics. Like Helm's `engine` package it knows
 * nothing of how values were loaded; it takes a chart's templates and a render context and
 * returns the text of every template.
 */
import type HandlebarsNS from 'handlebars';
import HandlebarsRuntime from 'handlebars/runtime.js';
import { createRequire } from 'node:module';
import { formatValue } from '../go/fmt.js';
import { HELPERS, TemplateError, type HelperFn } from './helpers.js';
import { goTruth } from './truth.js';
import { isMap, UserError, type ValueMap } from '../values/types.js';

// The runtime build is the full package minus the compiler; its typings do not say so.
const Handlebars = HandlebarsRuntime as unknown as typeof HandlebarsNS;
type HelperOptions = HandlebarsNS.HelperOptions;
type TemplateSpec = Parameters<typeof HandlebarsNS.template>[0];
// Handlebars' own prototype-access guard, built once rather than on every template call.
const { createProtoAccessControl } = createRequire(import.meta.url)('handlebars/dist/cjs/handlebars/internal/proto-access.js') as {
  createProtoAccessControl: (options: object) => unknown;
};
type TemplateDelegate = HandlebarsNS.TemplateDelegate;

/**
 * A chart's templates compiled to Handlebars template specs (src/render/precompile.ts does it,
 * at build time for the shipped chart, at start-up for any other). Only Handlebars' small
 * runtime is needed to render them.
 */
export interface PrecompiledChart {
  templates: { name: string; srcPath: string; spec: object }[];
  partials: { name: string; srcPath: string; spec: object }[];
}

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

function positional(fn: HelperFn): HandlebarsNS.HelperDelegate {
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

export class Engine {
  private readonly hb = Handlebars.create();
  private readonly partials = new Map<string, TemplateDelegate>();
  private readonly templates: { name: string; srcPath: string; render: TemplateDelegate }[] = [];
  private includeDepth = 0;
  /** Handed to every template call so Handlebars skips its per-call helper re-wrapping. */
  private readonly shared: { helpers: Record<string, unknown>; protoAccessControl: unknown };

  constructor(chart: PrecompiledChart) {
    this.registerHelpers();
    this.shared = { helpers: { ...this.hb.helpers }, protoAccessControl: createProtoAccessControl({}) };
    for (const p of chart.partials) {
      if (this.partials.has(p.name)) throw new UserError(`${p.srcPath}: partial "${p.name}" is defined twice`);
      this.partials.set(p.name, this.hb.template(p.spec as TemplateSpec));
    }
    for (const t of chart.templates) {
      this.templates.push({ name: t.name, srcPath: t.srcPath, render: this.hb.template(t.spec as TemplateSpec) });
    }
    this.templates.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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

  /**
   * Runtime options for a template call. Handlebars re-wraps every registered helper on each
   * top-level call (hundreds of `include`s per render); a call marked `partial` takes the
   * helpers as given instead, so they are passed once-prepared, and `@root` is set by hand.
   */
  private callOptions(root: unknown): HandlebarsNS.RuntimeOptions {
    return {
      partial: true,
      helpers: this.shared.helpers as Record<string, HandlebarsNS.HelperDelegate>,
      partials: {},
      decorators: {},
      data: { root },
      ...({ hooks: {}, protoAccessControl: this.shared.protoAccessControl } as object),
    };
  }

  private include(name: string, ctx: unknown): string {
    const partial = this.partials.get(name);
    if (!partial) throw new TemplateError(`include: no template "${name}" associated with the chart`);
    if (this.includeDepth >= MAX_INCLUDE_DEPTH) throw new TemplateError(`rendering template has a nested reference name: ${name}`);
    this.includeDepth++;
    try {
      return partial(ctx, this.callOptions(ctx));
    } finally {
      this.includeDepth--;
    }
  }

  /** Names of the renderable templates, e.g. `templates/api.yaml`, in sorted order. */
  templateNames(): string[] {
    return this.templates.map((t) => t.name);
  }

  /** Render every template (NOTES.txt included) with Helm's top-level objects. */
  render(ctx: RenderContext, chartName: string): RenderedTemplate[] {
    const out: RenderedTemplate[] = [];
    for (const { name: file, srcPath, render } of this.templates) {
      const name = `${chartName}/${file}`;
      const top = { ...ctx, Template: { Name: name, BasePath: `${chartName}/templates` } };
      try {
        out.push({ name, content: render(top, this.callOptions(top)) });
      } catch (e) {
        if (e instanceof TemplateError) {
          // required/fail carry their own call site; other failures are located by template.
          const located = /^\S+:\d+:\d+: /.test(e.message);
          throw new UserError(located ? e.message : `${srcPath}: ${e.message}`);
        }
        throw e;
      }
    }
    return out;
  }
}
