/**
 * The render engine: chart templates compiled to plain JavaScript functions (src/render/codegen.ts)
 * run with Go template semantics. Like Helm's `engine` package it knows nothing of how values
 * were loaded; it takes a chart's templates and a render context and returns the text of every
 * template.
 */
import { compareGoStrings, formatValue, GoStruct } from '../go/fmt.js';
import { HELPERS, RenderState, renderHelpers, type HelperFn } from './helpers.js';
import { goTruth, goTypeName } from '../go/template.js';
import type { LookupFn } from './lookup.js';
import { isMap, type ValueMap } from '../values/types.js';
import { TemplateError, UserError } from '../errors.js';
import type { KubeVersionStruct } from '../go/kubeversion.js';

/** A compiled template or partial: its context in, its text out. */
type RenderFn = (ctx: unknown) => string;

interface CompiledEntry {
  name: string;
  srcPath: string;
  render: RenderFn;
  /** A partial's: remembered by `root` and this one field of its context ("" for `root` alone; see codegen's contextKeys). */
  key?: string;
}

/** What generated code calls (names fixed by codegen.ts's RUNTIME_NAMES). */
export interface TemplateRuntime {
  H: Record<string, HelperFn>;
  get: (o: unknown, k: string) => unknown;
  F: (receiver: unknown, k: string, mode: FieldStep) => undefined;
  E: (k: string, index?: 1) => never;
  T: (v: unknown) => boolean;
  P: (v: unknown) => string;
  V: (v: unknown) => string;
  K: (v: unknown) => readonly string[] | null;
  inc: (name: unknown, ctx?: unknown) => string;
  R: (partial: number, ctx?: unknown) => string;
  M: (partial: number, ctx?: unknown) => string;
  at: (where: string, fn: HelperFn, ...args: unknown[]) => unknown;
}

/**
 * A chart compiled by src/chart/precompile.ts (at build time for the shipped chart, at start-up
 * for any other): a factory that binds the runtime and returns every template and partial.
 */
export type PrecompiledChart = (rt: TemplateRuntime) => { templates: CompiledEntry[]; partials: CompiledEntry[] };

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
    KubeVersion: KubeVersionStruct;
    APIVersions: string[];
    HelmVersion: { Version: string };
  };
}

export interface RenderedTemplate {
  /** `dify/templates/api.yaml`, as Helm's Source header prints it. */
  name: string;
  content: string;
}

/** Helm's recursionMaxNums: how many calls of one partial may be under way before the next fails. */
const MAX_NESTING = 1000;

/** A partial's remembered text, with the include levels making it went down, and the template it holds for if it read `Template`. */
interface MemoEntry {
  out: string;
  levels: number;
  template: string | undefined;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** One path step for a key a value could inherit: only a map's own keys are fields (anything else reads as a miss, for F). */
function get(o: unknown, k: string): unknown {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  const r = (o as Record<string, unknown>)[k];
  if (r === null || r === undefined) return r;
  return hasOwn.call(o, k) ? r : undefined;
}

/**
 * How a path step that found nothing was read (src/chart/shapes.ts): a field through `default
 * dict` (0), a field of a value of its own type (1: the first step, a struct field, a function's
 * result), a field of an interface (2: a range element, a value read plain from a map), `index`
 * for a key that is not an identifier (3, or 4 through `default dict`).
 */
type FieldStep = 0 | 1 | 2 | 3 | 4;

/**
 * A path step that found nothing: a missing key of a map, or a step from something that is not a
 * map. `default dict` makes an empty map of a false value (false, 0, "", an empty list), so those
 * read nothing there; any other value fails as Go fails it, with a field's words (Go names an
 * interface's type `interface {}`) or index's.
 */
function fieldMiss(receiver: unknown, k: string, mode: FieldStep): undefined {
  if (isMap(receiver) || ((mode === 0 || mode === 4) && !goTruth(receiver))) return undefined;
  if (mode >= 3) {
    HELPERS.index!(receiver, k); // fails with Go's words for this receiver
    return undefined;
  }
  throw new TemplateError(`can't evaluate field ${k} in type ${mode === 2 ? 'interface {}' : goTypeName(receiver)}`);
}

/** A step from nil that Go refuses: a field of a nil interface, or (`index`) an index of nil. */
function nilElement(k: string, index?: 1): never {
  throw new TemplateError(index ? 'error calling index: index of untyped nil' : `nil pointer evaluating interface {}.${k}`);
}

/** A map key for a field's value: a Map takes -0 for 0, but Go prints them apart (`-0`, `0`). */
const NEGATIVE_ZERO = Symbol('-0');
function mapKey(v: unknown): unknown {
  return v === 0 && Object.is(v, -0) ? NEGATIVE_ZERO : v;
}

/** A context's own field, as a path step reads it (an inherited property is no field). */
function ownField(o: object, k: string): unknown {
  return hasOwn.call(o, k) ? (o as Record<string, unknown>)[k] : undefined;
}

/**
 * `{{ x }}`: Go's %v, and `<no value>` for a missing or null value, as text/template prints it.
 * Helm removes every `<no value>` from each template's finished text (NO_VALUE), not from what an
 * include returns: there it is text like any other (`(include "x" .)` of a nil is not empty).
 */
function print(v: unknown): string {
  if (v === undefined || v === null) return NO_VALUE;
  // A struct's String() (Capabilities.KubeVersion), as text/template calls it for a field it prints.
  if (typeof v === 'object' && v instanceof GoStruct) return v.goString() ?? formatValue(v);
  return formatValue(v);
}

/** `{{ f x }}`: a function's result, which Go cannot call a pointer method of; a struct prints as its fields. */
function printResult(v: unknown): string {
  return v === undefined || v === null ? NO_VALUE : formatValue(v);
}

const NO_VALUE = '<no value>';

/** Keys of nothing to walk (a nil value ranges like an empty map). */
const NO_KEYS: readonly string[] = Object.freeze([]);

/**
 * What `range` walks: null for a list (by index), a map's keys in Go's sorted order, none for nil.
 * Anything else fails as Go fails it; an int too, since Go 1.22 ranges over an int with one
 * variable only and the compiled template always declares two.
 */
function rangeKeys(v: unknown): readonly string[] | null {
  if (Array.isArray(v)) return null;
  if (isMap(v)) return Object.keys(v).sort(compareGoStrings);
  if (v === null || v === undefined) return NO_KEYS;
  if (typeof v === 'bigint') throw new TemplateError(`can't use ${v} to iterate over more than one variable`);
  throw new TemplateError(`range can't iterate over ${formatValue(v)}`);
}

/** A call that names its own site on failure (`required`, `fail`): `where` is `file:line:col`, kept as fields too. */
function located(where: string, fn: HelperFn, ...args: unknown[]): unknown {
  try {
    return fn(...args);
  } catch (e) {
    if (e instanceof TemplateError && e.file === undefined) {
      const m = /^(.*):(\d+):(\d+)$/.exec(where);
      throw new TemplateError(`${where}: ${e.message}`, m ? { file: m[1]!, line: Number(m[2]), col: Number(m[3]) } : { file: where });
    }
    throw e;
  }
}

export class Engine {
  /** The chart's partials by index (the generated code calls them by index), and by name for `include` of a computed name. */
  private readonly fns: RenderFn[] = [];
  private readonly names: string[] = [];
  private readonly byName = new Map<string, number>();
  private readonly templates: CompiledEntry[];
  /** How many calls of each partial are under way: Helm refuses a name nested more than 1000 deep. */
  private readonly nesting: Int32Array;
  /** Include levels under way, and the deepest reached so far (to know how deep a memoized call went). */
  private includeDepth = 0;
  private deepest = 0;
  /** The template being rendered, and how many times anything has read top-level `Template`. */
  private template: { Name: string; BasePath: string } | undefined;
  private templateReads = 0;
  /**
   * Partials' text by the object they were called with (the top-level object, a `dict`, a map of
   * values), then by partial index, for the whole render, with the include levels the call used;
   * an answer that read `Template` holds for its template only. Nothing the templates can call
   * changes an object once made, so within a render an object stands for its contents; only
   * answers made without a random or live call are kept (see memoCall). A new map per render, not
   * one long-lived map cleared and refilled: with that, every young-generation collection kept
   * about 5.4 MB of renders' objects alive and promoted them until a full collection (0.3 MB with a
   * new map; collection pauses 590 against 190 ms per 3,500 warm renders, `--trace-gc-nvp`).
   */
  private memo = new Map<object, (MemoEntry | undefined)[]>();
  /** Each partial's key field, if remembered by one (see CompiledEntry.key), and its answers by that field's value. */
  private readonly keys: (string | undefined)[] = [];
  private byKey: (Map<unknown, MemoEntry> | undefined)[] = [];
  /** The top-level object of the release being rendered (one for all its templates). */
  private top: unknown = undefined;
  /** The render under way: its lookup, its impure calls, its hash cache (see RenderState); a fresh one per render. */
  private state = new RenderState();

  constructor(chart: PrecompiledChart) {
    const runtime: TemplateRuntime = {
      H: { ...HELPERS, ...renderHelpers(() => this.state) },
      get,
      F: fieldMiss,
      E: nilElement,
      T: goTruth,
      P: print,
      V: printResult,
      K: rangeKeys,
      inc: (name, ctx) => this.include(String(name), ctx),
      R: (i, ctx) => this.call(i, ctx),
      M: (i, ctx) => (typeof ctx === 'object' && ctx !== null ? this.memoCall(i, ctx) : this.call(i, ctx)),
      at: located,
    };
    const compiled = chart(runtime);
    for (const p of compiled.partials) {
      if (this.byName.has(p.name)) throw new UserError(`${p.srcPath}: partial "${p.name}" is defined twice`);
      this.byName.set(p.name, this.fns.length);
      this.fns.push(p.render);
      this.names.push(p.name);
      this.keys.push(p.key);
    }
    this.nesting = new Int32Array(this.fns.length);
    this.templates = [...compiled.templates].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private include(name: string, ctx: unknown): string {
    const i = this.byName.get(name);
    if (i === undefined) throw new TemplateError(`include: no template "${name}" associated with the chart`);
    return this.call(i, ctx);
  }

  /**
   * A partial call, counted per name as Helm's include counts it (a name already under way more
   * than 1000 times fails). No try/finally: a failure ends the render, and render() starts every
   * template from zero.
   */
  private call(i: number, ctx: unknown): string {
    this.enter(i);
    const out = this.fns[i]!(ctx);
    this.leave(i);
    return out;
  }

  /** A call of partial `i` begins: counted per name (fails past Helm's limit) and in depth. */
  private enter(i: number): void {
    const n = this.nesting[i]!;
    if (n > MAX_NESTING) throw new TemplateError(`rendering template has a nested reference name: ${this.names[i]}`);
    this.nesting[i] = n + 1;
    if (++this.includeDepth > this.deepest) this.deepest = this.includeDepth;
  }

  /** A call of partial `i` ends. */
  private leave(i: number): void {
    this.includeDepth--;
    this.nesting[i]!--;
  }

  /**
   * A partial called with an object. If making it called nothing random or live (`randAlphaNum`,
   * `lookup` reading a cluster: see RenderState), the same object gives the same text every time
   * within a render (within a template, if making it read `Template`): control flow depends on
   * data alone, so a second run would make the same calls, none of them impure. Such an answer is
   * kept and made once; any other is made at every call, as Helm does. A partial that reads only
   * `root` and one other field (codegen's contextKeys), called with the top-level object as root,
   * is remembered by that field's value instead of by the object. A remembered answer is reused
   * only where all the levels it went down fit under the limit from here (then no name can pass
   * it); elsewhere it is made again, to fail exactly where Helm fails.
   */
  private memoCall(i: number, ctx: object): string {
    const keyField = this.keys[i];
    let byKey: Map<unknown, MemoEntry> | undefined;
    let byIndex: (MemoEntry | undefined)[] | undefined;
    let key: unknown;
    if (keyField !== undefined && ownField(ctx, 'root') === this.top) {
      // Answers by the key field's value, whatever object carries it.
      byKey = this.byKey[i] ??= new Map();
      key = keyField === '' ? undefined : mapKey(ownField(ctx, keyField));
      const reused = this.reuse(byKey.get(key));
      if (reused !== undefined) return reused;
    } else {
      byIndex = this.memo.get(ctx);
      if (byIndex === undefined) this.memo.set(ctx, (byIndex = []));
      const reused = this.reuse(byIndex[i]);
      if (reused !== undefined) return reused;
    }
    // Made here rather than in a helper method: every frame counts in a deep chain of includes.
    const outer = this.deepest;
    const start = this.includeDepth;
    const reads = this.templateReads;
    const impure = this.state.impure;
    this.deepest = start;
    this.enter(i);
    const out = this.fns[i]!(ctx);
    this.leave(i);
    // Kept only if nothing random or live went into it (then the same context gives the same text).
    if (this.state.impure === impure) {
      const entry: MemoEntry = { out, levels: this.deepest - start, template: this.templateReads !== reads ? this.template!.Name : undefined };
      if (byKey) byKey.set(key, entry);
      else byIndex![i] = entry;
    }
    if (outer > this.deepest) this.deepest = outer;
    return out;
  }

  /** A remembered answer's text, if it may stand here (see memoCall); its depth and `Template` dependence then count for the callers. */
  private reuse(hit: MemoEntry | undefined): string | undefined {
    if (hit === undefined || (hit.template !== undefined && hit.template !== this.template!.Name)) return undefined;
    const reach = this.includeDepth + hit.levels;
    if (reach > MAX_NESTING) return undefined;
    // Reusing it goes as deep as making it did, for the memoized calls around this one.
    if (reach > this.deepest) this.deepest = reach;
    // A remembered answer that read `Template` makes any memoized caller depend on it too.
    if (hit.template !== undefined) this.templateReads++;
    return hit.out;
  }

  /** Names of the renderable templates, e.g. `templates/api.yaml`, in sorted order. */
  templateNames(): string[] {
    return this.templates.map((t) => t.name);
  }

  /** Render every template (NOTES.txt included) with Helm's top-level objects; `lookup` reads live objects (default: none, as `helm template`). */
  render(ctx: RenderContext, chartName: string, lookup?: LookupFn): RenderedTemplate[] {
    const out: RenderedTemplate[] = [];
    // One top-level object for every template; `Template` is read through a getter that counts
    // the reads, so the memo knows which answers depend on the template (whatever reads it: a
    // path, toYaml, a range over the object...).
    const top = { ...ctx } as Record<string, unknown>;
    Object.defineProperty(top, 'Template', {
      enumerable: true,
      get: () => {
        this.templateReads++;
        return this.template;
      },
    });
    this.memo = new Map();
    this.byKey = [];
    this.top = top;
    this.state = new RenderState(lookup);
    try {
      for (const { name: file, srcPath, render } of this.templates) {
        const name = `${chartName}/${file}`;
        this.template = { Name: name, BasePath: `${chartName}/templates` };
        this.includeDepth = this.deepest = 0;
        this.nesting.fill(0);
        out.push({ name, content: this.renderTemplate(render, top, srcPath) });
      }
    } finally {
      // Keep nothing of this release alive between renders.
      this.top = this.template = undefined;
      this.state = new RenderState();
      this.memo = new Map();
      this.byKey = [];
    }
    return out;
  }

  /** One template, its failures located by template unless they carry their own call site. */
  private renderTemplate(render: RenderFn, top: unknown, srcPath: string): string {
    try {
      const text = render(top);
      return text.includes(NO_VALUE) ? text.replaceAll(NO_VALUE, '') : text;
    } catch (e) {
      if (e instanceof TemplateError) {
        // A failure located at its call site already names it; any other is located by template.
        if (e.file !== undefined) throw new UserError(e.message, { file: e.file, ...(e.line !== undefined ? { line: e.line, col: e.col } : {}) });
        throw new UserError(`${srcPath}: ${e.message}`, { file: srcPath });
      }
      if (e instanceof RangeError && /call stack/.test(e.message)) {
        // Helm limits each name to 1000 nested calls, not their sum; JavaScript's stack ends first
        // somewhere past 2,000 nested includes of different names.
        throw new UserError(`${srcPath}: includes nested ${this.deepest} deep, more than this renderer's stack holds (Helm allows each name 1000)`);
      }
      throw e;
    }
  }
}
