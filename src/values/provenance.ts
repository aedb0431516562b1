/**
 * Which file position or flag supplied each value path, so a schema error can say where the
 * offending value came from. A tree keyed by path segment (list indices as decimal strings);
 * recording at a path replaces everything recorded below it, as assigning a value there does.
 */
import { getKey } from './maps.js';
import { isMap, type Value, type ValueMap } from './types.js';

interface PNode {
  label?: string;
  kids?: Map<string, PNode>;
}

/** Where the value at a path came from; `exact`: only a record at the path itself, none inherited. */
export type SourceOf = (path: readonly string[], exact?: boolean) => string | undefined;

export class Provenance {
  private root: PNode = {};

  /** Records `label` at `path`, forgetting what was recorded at or below it. */
  record(path: readonly string[], label: string): void {
    if (path.length === 0) return;
    let node = this.root;
    for (const seg of path.slice(0, -1)) node = kid(node, seg);
    (node.kids ??= new Map()).set(path[path.length - 1] as string, { label });
  }

  /** Records `label` at `path` and at every path inside `value` (a --set-json object, a {a,b} list). */
  recordTree(path: readonly string[], value: Value, label: string): void {
    this.record(path, label);
    if (Array.isArray(value)) value.forEach((v, i) => this.recordTree([...path, String(i)], v, label));
    else if (isMap(value)) for (const k of Object.keys(value)) this.recordTree([...path, k], value[k] as Value, label);
  }

  /**
   * The label at `path`, else the label of its longest recorded prefix, else (for a map written
   * only through deeper paths, like `--set a.b=1` for `a`) the first label recorded inside it.
   */
  sourceOf(path: readonly string[], exact = false): string | undefined {
    let node: PNode | undefined = this.root;
    let best: string | undefined;
    for (const seg of path) {
      node = node.kids?.get(seg);
      if (!node) return exact ? undefined : best;
      if (node.label !== undefined) best = node.label;
    }
    return exact ? node.label : (best ?? firstLabel(node));
  }

  /**
   * Lays `top`'s records over these the way Helm lays the values `topValues` over `baseValues`:
   * where both hold maps the records merge key by key, anywhere else top's records replace.
   */
  overlay(top: Provenance, baseValues: ValueMap, topValues: ValueMap): void {
    overlayNode(this.root, top.root, baseValues, topValues);
  }

  clone(): Provenance {
    const p = new Provenance();
    p.root = cloneNode(this.root);
    return p;
  }
}

function kid(node: PNode, seg: string): PNode {
  const kids = (node.kids ??= new Map());
  let k = kids.get(seg);
  if (!k) kids.set(seg, (k = {}));
  return k;
}

function overlayNode(dst: PNode, src: PNode | undefined, base: ValueMap, top: ValueMap): void {
  for (const k of Object.keys(top)) {
    const s = src?.kids?.get(k);
    const b = getKey(base, k);
    const t = top[k] as Value;
    if (isMap(t) && b !== undefined && isMap(b)) {
      const d = kid(dst, k);
      if (s?.label !== undefined) d.label = s.label;
      overlayNode(d, s, b, t);
    } else if (s) {
      (dst.kids ??= new Map()).set(k, cloneNode(s));
    } else {
      dst.kids?.delete(k);
    }
  }
}

function firstLabel(n: PNode): string | undefined {
  if (n.label !== undefined) return n.label;
  for (const k of n.kids?.values() ?? []) {
    const l = firstLabel(k);
    if (l !== undefined) return l;
  }
  return undefined;
}

function cloneNode(n: PNode): PNode {
  const c: PNode = {};
  if (n.label !== undefined) c.label = n.label;
  if (n.kids) c.kids = new Map([...n.kids].map(([k, v]) => [k, cloneNode(v)]));
  return c;
}
