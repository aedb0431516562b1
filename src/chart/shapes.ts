/**
 * What is known statically about the value a path reads, shared by both back ends so they agree on
 * where Go's path reading is plain: the Go compiler writes a step plain (`.a.b`) where its receiver
 * is surely a map or one of Helm's objects and nil-safe (`(default dict .a).b`) elsewhere; the
 * JavaScript generator then fails a plain step through nil or a scalar as text/template does, and
 * lets a nil-safe one read nothing.
 *
 * Shapes: part of the chart's default values (for paths under `Values`), Helm's objects, the
 * template root, a `(dict ...)` built at every call site of a partial, or nothing known (`null`).
 */
import { isHelperPath } from './dialect.js';
import { isMap, type Value } from '../values/types.js';

type Program = hbs.AST.Program;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;
type BlockStatement = hbs.AST.BlockStatement;

export type Shape =
  | { kind: 'values'; v: Value }
  | { kind: 'helmMap' }
  | { kind: 'struct' }
  | { kind: 'root' }
  | { kind: 'dict'; fields: Map<string, Shape> }
  | null;

/** The top-level object of a template. */
export const ROOT_SHAPE: Shape = { kind: 'root' };
/** `Release` and `Template`: maps in Helm. */
const HELM_MAP: Shape = { kind: 'helmMap' };
/** `Chart` (Helm 3's *chart.Metadata) and `Capabilities`, Go structs, and whatever lies below Helm's objects (their fields: structs, strings, numbers...). */
const STRUCT: Shape = { kind: 'struct' };

/** A key the Go compiler writes as a field (`.key`); any other it reads with `index`. */
export const GO_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Whether a value of this shape is surely a map or one of Helm's objects, so a field of it is read
 * plain. A declared map must have keys: an empty one stands for "any map, or nothing".
 */
export function isKnownMap(s: Shape): boolean {
  if (!s) return false;
  if (s.kind === 'values') return isMap(s.v) && Object.keys(s.v).length > 0;
  return true;
}

/** The shape of field `part` of a value of shape `s`. */
export function stepShape(s: Shape, part: string, defaults: Value): Shape {
  if (!s) return null;
  switch (s.kind) {
    case 'root':
      return part === 'Values' ? { kind: 'values', v: defaults } : part === 'Release' || part === 'Template' ? HELM_MAP : STRUCT;
    case 'helmMap':
    case 'struct':
      return STRUCT;
    case 'dict':
      return s.fields.get(part) ?? null;
    case 'values':
      return isMap(s.v) && s.v[part] !== undefined ? { kind: 'values', v: s.v[part] } : null;
  }
}

/**
 * How Go reads each step of a path as the compiler writes it (`.a.b`, `(default dict X).b`, or
 * `(index X "a-b")` for a key that is not an identifier):
 * - `first`: the first step, from the dot;
 * - `safe`: through `default dict`: a nil or false receiver reads nothing;
 * - `map`: plain, from a value read out of a map, which Go holds as an interface: nil fails
 *   (`nil pointer evaluating interface {}.b`) and a failure names the type `interface {}`;
 * - `value`: plain, from a struct field or a function's result (an `index` step): a failure names
 *   the value's own type, and nil reads nothing.
 */
export type StepKind = 'first' | 'safe' | 'map' | 'value';

export function stepKinds(shape: Shape, parts: string[], defaults: Value): StepKind[] {
  const kinds: StepKind[] = [];
  // The shapes of the value each step reads from: the dot, then each step's result.
  let container = shape;
  let cur = shape;
  parts.forEach((part, i) => {
    if (i === 0) kinds.push('first');
    else if (!isKnownMap(cur)) kinds.push('safe');
    else kinds.push(!GO_IDENT.test(parts[i - 1]!) || container?.kind === 'struct' ? 'value' : 'map');
    container = cur;
    cur = stepShape(cur, part, defaults);
  });
  return kinds;
}

/**
 * The static shape of an expression: a `(dict "k" v ...)` with literal keys, or a path from the
 * scope `depth` levels up (`scopeShape`) or from `@root` (`rootShape`). Anything else is unknown.
 */
export function shapeOf(e: Expression, scopeShape: (depth: number) => Shape, rootShape: Shape, defaults: Value): Shape {
  if (e.type === 'SubExpression') {
    const sub = e as hbs.AST.SubExpression;
    if (sub.path.original !== 'dict') return null;
    const fields = new Map<string, Shape>();
    for (let i = 0; i + 1 < sub.params.length; i += 2) {
      const k = sub.params[i]!;
      if (k.type !== 'StringLiteral') return null;
      fields.set((k as hbs.AST.StringLiteral).value, shapeOf(sub.params[i + 1]!, scopeShape, rootShape, defaults));
    }
    return { kind: 'dict', fields };
  }
  if (e.type !== 'PathExpression' || isHelperPath(e)) return null;
  const p = e as PathExpression;
  let cur: Shape;
  let parts = p.parts;
  if (p.data) {
    if (p.parts[0] !== 'root') return null;
    cur = rootShape;
    parts = p.parts.slice(1);
  } else {
    cur = scopeShape(p.depth);
  }
  for (const part of parts) cur = stepShape(cur, part, defaults);
  return cur;
}

/** The shape a block gives its body's dot: `with` its argument's, `each` an element's (unknown). */
export function blockShape(b: BlockStatement, argShape: Shape): Shape {
  return b.path.original === 'with' ? argShape : null;
}

/** Record the shape of each partial's argument at every literal `include` site of a program. */
function collectIncludes(p: Program | undefined, scopes: Shape[], rootShape: Shape, defaults: Value, sites: Map<string, Shape[]>): void {
  if (!p) return;
  const scopeShape = (depth: number): Shape => scopes[scopes.length - 1 - depth] ?? null;
  const visitExpr = (e: Expression): void => {
    if (e.type !== 'SubExpression') return;
    const sub = e as hbs.AST.SubExpression;
    if (sub.path.original === 'include' && sub.params[0]?.type === 'StringLiteral') {
      const name = (sub.params[0] as hbs.AST.StringLiteral).value;
      const list = sites.get(name) ?? [];
      list.push(sub.params[1] ? shapeOf(sub.params[1], scopeShape, rootShape, defaults) : null);
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
      const scoped = name === 'with' || name === 'each';
      if (scoped) scopes.push(blockShape(b, shapeOf(b.params[0]!, scopeShape, rootShape, defaults)));
      collectIncludes(b.program, scopes, rootShape, defaults, sites);
      if (scoped) scopes.pop();
      collectIncludes(b.inverse, scopes, rootShape, defaults, sites);
    }
  }
}

/** The common shape of all call sites: equal shapes agree, dicts keep the fields every site agrees on. */
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
 * Each partial's context shape: what all its call sites pass, found over a few rounds since
 * partials call partials. A partial no literal `include` calls has no known shape.
 */
export function partialShapes(templates: Program[], partials: ReadonlyMap<string, Program>, defaults: Value): Map<string, Shape> {
  let shapes = new Map<string, Shape>();
  for (let round = 0; round < 4; round++) {
    const sites = new Map<string, Shape[]>();
    for (const ast of templates) collectIncludes(ast, [ROOT_SHAPE], ROOT_SHAPE, defaults, sites);
    for (const [name, program] of partials) {
      const own = shapes.get(name) ?? null;
      collectIncludes(program, [own], own, defaults, sites);
    }
    const next = new Map<string, Shape>();
    for (const [name, list] of sites) next.set(name, unify(list));
    shapes = next;
  }
  return shapes;
}
