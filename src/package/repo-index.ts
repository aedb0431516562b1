/** `dify-chart repo index`: index.yaml for a folder of chart archives, as `helm repo index` writes it. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { toYaml } from '../go/yaml-emit.js';
import { isMap, type Value, type ValueMap } from '../values/types.js';
import { describeFsError, UserError } from '../errors.js';
import { loadChartArchive, NotAChart, type Metadata } from './chart-loader.js';
import { compareVersionsDesc } from '../go/semver.js';
import { compareGoStrings } from '../go/fmt.js';
import { goPathJoin, helmUrlJoin } from '../go/url.js';

export interface IndexOptions {
  dir: string;
  url?: string;
  /** An existing index.yaml whose entries are kept unless this folder has the same version. */
  merge?: string;
  /** The time written as `created` for new entries and as `generated` (injectable for tests). */
  now?: Date;
}

/** Go's RFC3339Nano as Helm prints times: trailing zeros of the fraction dropped. */
export function rfc3339Nano(d: Date): string {
  const iso = d.toISOString();
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

/** The folder's URL joined as URLs, or by path.Join where url.Parse refuses it (Helm's fallback). */
const urlJoin = (base: string, elem: string): string => helmUrlJoin(base, elem) ?? goPathJoin(base, elem);

/**
 * An archive's URL as IndexDirectory and MustAdd make it: the subfolder joined to --url, then the
 * file name joined to that unless it came out empty (then the bare file name).
 */
function chartUrl(baseUrl: string, subfolder: string, file: string): string {
  const parent = urlJoin(baseUrl, subfolder);
  return parent === '' ? file : urlJoin(parent, file);
}

/** The names matching `*.tgz`, in Go's byte order (filepath.Glob's). */
const tgzIn = (names: string[]): string[] => names.filter((f) => f.endsWith('.tgz')).sort(compareGoStrings);

export async function buildIndex(opts: IndexOptions): Promise<string> {
  const now = rfc3339Nano(opts.now ?? new Date());
  const entries = new Map<string, ValueMap[]>();
  let names: string[];
  try {
    names = readdirSync(opts.dir);
  } catch (e) {
    throw new UserError(`${opts.dir}: ${describeFsError(e, 'list')}; give the folder that holds the chart archives`);
  }
  // IndexDirectory globs DIR/*.tgz, then DIR/*/*.tgz (one folder down, no deeper), each sorted as Go sorts names.
  const archives: [sub: string, file: string][] = tgzIn(names).map((f) => ['', f]);
  for (const sub of [...names].sort(compareGoStrings)) {
    let inner: string[];
    try {
      inner = readdirSync(join(opts.dir, sub));
    } catch {
      continue; // a file, or a folder Glob cannot read: no match
    }
    for (const f of tgzIn(inner)) archives.push([sub, f]);
  }
  for (const [sub, file] of archives) {
    const path = join(opts.dir, sub, file);
    // Whatever loader.Load refuses (unreadable, not gzip, not a chart) Helm takes for "not a chart" and skips without a word.
    let bytes: Buffer;
    let meta: Metadata;
    try {
      bytes = readFileSync(path);
      meta = await loadChartArchive(bytes);
    } catch (e) {
      if (e instanceof NotAChart || (e as NodeJS.ErrnoException).code !== undefined) continue;
      throw e;
    }
    const entry: ValueMap = { ...(meta as ValueMap), created: now, digest: createHash('sha256').update(bytes).digest('hex'), urls: [chartUrl(opts.url ?? '', sub, file)] };
    const name = String(meta.name);
    entries.set(name, [...(entries.get(name) ?? []), entry]);
  }
  // A missing --merge file is an empty index, as `helm repo index --merge` takes it.
  if (opts.merge && existsSync(opts.merge)) {
    let old: unknown;
    try {
      old = parse(readFileSync(opts.merge, 'utf8'));
    } catch (e) {
      throw new UserError(`--merge ${opts.merge}: ${(e as Error).message.split('\n')[0]}`);
    }
    const oldEntries = isMap(old) && isMap(old.entries) ? old.entries : {};
    for (const [name, list] of Object.entries(oldEntries)) {
      if (!Array.isArray(list)) continue;
      const current = entries.get(name) ?? [];
      for (const e of list) {
        if (isMap(e) && !current.some((c) => c.version === e.version)) current.push(e);
      }
      entries.set(name, current);
    }
  }
  const out: ValueMap = {};
  for (const [name, list] of [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    out[name] = list.sort((a, b) => compareVersionsDesc(String(a.version), String(b.version))) as Value[];
  }
  return toYaml({ apiVersion: 'v1', entries: out, generated: now }) + '\n';
}
