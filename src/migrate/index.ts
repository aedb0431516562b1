/**
 * `dify-chart migrate`: values of another Dify chart (a peer) in, values of this chart out.
 *
 * Each peer module reads the old file through `OldValues`, which answers with the peer's own
 * default for a key the file leaves unset (so the old release's effective settings carry over)
 * and records every path it read. Whatever the file sets that no mapping read is reported, never
 * dropped silently. The result is checked against this chart's schema before it is printed.
 */
import { isDeepStrictEqual } from 'node:util';
import { coalesceValues } from '../values/coalesce.js';
import { loadChartDefaults } from '../values/index.js';
import { validateValues } from '../values/validate.js';
import { isMap, type Value, type ValueMap } from '../values/types.js';
import { UserError } from '../errors.js';

/** A key of the old file that has no place in this chart. */
export interface Unmapped {
  path: string;
  why: string;
}

/** Something the user must check or do before installing the output. */
export interface Check {
  path: string;
  what: string;
}

export interface MigrationResult {
  /** Values for this chart (only what differs from, or must be pinned over, its defaults). */
  values: ValueMap;
  unmapped: Unmapped[];
  checks: Check[];
  /** Where the old release keeps its data and how to move it, one line each. */
  dataNote: string[];
}

export const PEERS = ['dify-helm', 'douban'] as const;
export type Peer = (typeof PEERS)[number];

export interface MigrateOptions {
  /** The old release's name (its objects' names derive from it). */
  release: string;
  /** The old values file, for messages. */
  source: string;
}

type Path = readonly string[];
const show = (p: Path): string => p.join('.');
const keyOf = (p: Path): string => p.join('\u0000');

/**
 * The old values: the user's file over the peer's defaults (maps merge, everything else replaces,
 * as Helm merges), with a record of which paths the mapping read or declared unmappable.
 */
export class OldValues {
  readonly unmapped: Unmapped[] = [];
  private readonly merged: ValueMap;
  private readonly seen = new Set<string>();

  constructor(
    readonly user: ValueMap,
    private readonly defaults: ValueMap,
    readonly source: string,
  ) {
    this.merged = mergeOver(defaults, user);
  }

  private split(path: string | Path): Path {
    return typeof path === 'string' ? path.split('.') : path;
  }

  /** The effective value at `path` (the file's, else the peer's default); marks the path read. */
  get(path: string | Path): Value | undefined {
    const p = this.split(path);
    this.seen.add(keyOf(p));
    return at(this.merged, p);
  }

  /** Whether the old file itself sets `path` (to anything, its default included). */
  isSet(path: string | Path): boolean {
    return at(this.user, this.split(path)) !== undefined;
  }

  /** Whether the effective value differs from the peer's default. */
  changed(path: string | Path): boolean {
    const p = this.split(path);
    return this.isSet(p) && !isDeepStrictEqual(at(this.user, p), at(this.defaults, p));
  }

  private fail(p: Path, want: string, got: Value | undefined): never {
    const kind = got === null ? 'null' : Array.isArray(got) ? 'a list' : typeof got === 'object' ? 'a map' : `${typeof got} ${JSON.stringify(got)}`;
    throw new UserError(`${this.source}: ${show(p)}: expected ${want}, got ${kind}`);
  }

  str(path: string | Path): string {
    const p = this.split(path);
    const v = this.get(p);
    if (v === undefined || v === null) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
    return this.fail(p, 'a string', v);
  }

  num(path: string | Path): number | undefined {
    const p = this.split(path);
    const v = this.get(p);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && /^[0-9]+$/.test(v)) return Number(v);
    return this.fail(p, 'a number', v);
  }

  bool(path: string | Path): boolean {
    const p = this.split(path);
    const v = this.get(p);
    if (v === undefined || v === null) return false;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    return this.fail(p, 'true or false', v);
  }

  map(path: string | Path): ValueMap {
    const p = this.split(path);
    const v = this.get(p);
    if (v === undefined || v === null) return {};
    if (isMap(v)) return v;
    return this.fail(p, 'a map', v);
  }

  list(path: string | Path): Value[] {
    const p = this.split(path);
    const v = this.get(p);
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    return this.fail(p, 'a list', v);
  }

  /** Declares `path` known but unmappable: reported when the file changes it from the default. */
  cannot(path: string | Path, why: string): void {
    const p = this.split(path);
    this.seen.add(keyOf(p));
    if (this.changed(p)) this.unmapped.push({ path: show(p), why });
  }

  /** Reports `path` as unmappable whatever the file says (e.g. a component the peer runs by default). */
  report(path: string | Path, why: string): void {
    const p = this.split(path);
    this.seen.add(keyOf(p));
    this.unmapped.push({ path: show(p), why });
  }

  /** Marks a path read without mapping it (it is implied by another key, or has no effect). */
  consume(path: string | Path): void {
    this.seen.add(keyOf(this.split(path)));
  }

  /** Every path the file sets that no mapping read: unknown to migrate, reported one by one. */
  leftovers(what: string): Unmapped[] {
    const out: Unmapped[] = [];
    const walk = (v: Value, p: string[]): void => {
      for (let i = 1; i <= p.length; i++) if (this.seen.has(keyOf(p.slice(0, i)))) return;
      if (isMap(v) && Object.keys(v).length > 0) {
        for (const [k, child] of Object.entries(v)) walk(child, [...p, k]);
        return;
      }
      out.push({ path: show(p), why: `not a key migrate knows in ${what}; left out of the output` });
    };
    for (const [k, v] of Object.entries(this.user)) walk(v, [k]);
    return out;
  }
}

function at(root: ValueMap, p: Path): Value | undefined {
  let cur: Value | undefined = root;
  for (const k of p) {
    if (!isMap(cur) || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** `over` merged onto `base` as Helm merges a values file onto a chart's defaults. */
function mergeOver(base: ValueMap, over: ValueMap): ValueMap {
  const out: ValueMap = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else {
      const b = out[k];
      out[k] = isMap(b) && isMap(v) ? mergeOver(b, v) : v;
    }
  }
  return out;
}

/** Sets `path` in `obj`, creating maps on the way. */
export function put(obj: ValueMap, path: string, value: Value): void {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (isMap(next)) cur = next;
    else {
      const made: ValueMap = {};
      cur[k] = made;
      cur = made;
    }
  }
  cur[keys[keys.length - 1]!] = value;
}

/** A credential read from a Secret: `{existingSecret: {name, key}}`. */
export const fromSecret = (name: string, key: string): ValueMap => ({ existingSecret: { name, key } });

/** Helm's `trunc 63 | trimSuffix "-"` (sprig's trimSuffix drops one "-", not a run of them). */
export function helmTrunc(s: string): string {
  const t = s.slice(0, 63);
  return t.endsWith('-') ? t.slice(0, -1) : t;
}

/** Helm's `<release>-<name>` rule most charts use (`helm create`), with overrides. */
export function helmFullname(release: string, chartName: string, nameOverride = '', fullnameOverride = ''): string {
  if (fullnameOverride) return helmTrunc(fullnameOverride);
  const name = nameOverride || chartName;
  return helmTrunc(release.includes(name) ? release : `${release}-${name}`);
}

/** A container image reference split the way this chart writes images. */
export function splitImage(repository: string): { registry: string; repository: string } {
  const slash = repository.indexOf('/');
  const head = slash > 0 ? repository.slice(0, slash) : '';
  // A first part with a dot or a port, or `localhost`, is a registry host (as Docker reads it).
  if (head && (head.includes('.') || head.includes(':') || head === 'localhost')) return { registry: head, repository: repository.slice(slash + 1) };
  return { registry: '', repository };
}

/**
 * Checks the output against this chart's schema, after merging it over the chart's defaults as
 * Helm would; a failure is a bug of the mapping, reported as one user error line per problem.
 */
export function checkAgainstChart(values: ValueMap, chartDir: string, schemaPath: string): void {
  const defaults = loadChartDefaults(chartDir).values;
  const { values: merged } = coalesceValues(structuredClone(values), defaults, 'dify');
  try {
    validateValues(merged, schemaPath);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`migrate: the output does not pass the chart's schema (please report this): ${e.message.split('\n').join('; ')}`);
    throw e;
  }
}

export async function migrateValues(peer: Peer, old: ValueMap, opts: MigrateOptions): Promise<MigrationResult> {
  if (peer === 'dify-helm') return (await import('./dify-helm.js')).migrateDifyHelm(old, opts);
  return (await import('./douban.js')).migrateDouban(old, opts);
}

/** The stderr report: unmapped keys, checks, then the data note. */
export function formatReport(r: MigrationResult): string {
  const lines: string[] = [];
  for (const u of r.unmapped) lines.push(`${u.path}: ${u.why}`);
  for (const c of r.checks) lines.push(`check: ${c.path}: ${c.what}`);
  for (const d of r.dataNote) lines.push(`data: ${d}`);
  return lines.map((l) => `${l}\n`).join('');
}
