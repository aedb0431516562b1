/** `dify-chart repo index`: index.yaml for a folder of chart archives, as `helm repo index` writes it. */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toYaml } from '../go/yaml-emit.js';
import { type Value, type ValueMap } from '../values/types.js';
import { describeFsError, UserError } from '../errors.js';
import { loadChartArchive, NotAChart } from './chart-loader.js';
import { CHART_VERSION, metadataProblem, type Metadata } from '../chart/metadata.js';
import { decodeJson, DecodeError, field, MarshalError, marshalStruct, stringFieldOf, type GoStruct, type StructType } from '../go/jsonstruct.js';
import { parseGoYaml } from '../values/load.js';
import { compareVersionsDesc, parseConstraints, parseVersion, satisfies } from '../go/semver.js';
import { compareGoStrings } from '../go/fmt.js';
import { goPathJoin, helmUrlJoin } from '../go/url.js';

export interface IndexOptions {
  dir: string;
  url?: string;
  /** An existing index.yaml whose entries are kept unless this folder has the same version. */
  merge?: string;
  /** The time written as `created` for new entries and as `generated` (injectable for tests). */
  now?: Date;
  /** A line Helm logs and goes on (an entry of the --merge index it drops). */
  onWarning?: (line: string) => void;
}

/** IndexFile.Has: an entry of this exact version, or one whose version the text admits as a constraint. */
function has(list: ValueMap[], version: string): boolean {
  if (list.some((e) => e.version === version)) return true;
  let c;
  try {
    c = parseConstraints(version);
  } catch {
    return false;
  }
  return list.some((e) => {
    try {
      return satisfies(parseVersion(String(e.version)), c);
    } catch {
      return false;
    }
  });
}

/**
 * LoadIndexFile: an empty file, one that does not decode as repo.IndexFile (JSON when it is valid
 * JSON, else YAML read strictly: no unknown field, no repeated key), or one without an apiVersion
 * is refused in Helm's words; an entry that is null or fails Metadata.Validate is dropped with
 * Helm's warning; survivors get apiVersion v1 when they have none, sanitized as Validate does.
 */
function loadIndexFile(path: string, warn: (line: string) => void): GoStruct[] {
  const fail = (what: string): never => {
    throw new UserError(`merge failed: error loading ${path}: ${what}`, { file: path });
  };
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`merge failed: ${path}: ${describeFsError(e, 'read')}`, { file: path });
  }
  if (bytes.length === 0) fail('empty index.yaml file');
  const text = bytes.toString('utf8');
  let doc: Value;
  let json = true;
  try {
    doc = JSON.parse(text) as Value;
  } catch {
    json = false;
    try {
      doc = parseGoYaml(text, path, { strict: true, stringField: INDEX_STRINGS });
    } catch (e) {
      // The reader's message, after the path it names.
      return fail(`error converting YAML to JSON: yaml: ${(e as Error).message.replace(`${path}:`, 'line ')}`);
    }
  }
  let index: GoStruct;
  try {
    index = decodeJson(doc, INDEX_FILE, { strict: !json, fromYaml: !json });
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return fail(json ? e.message : `error unmarshaling JSON: while decoding JSON: ${e.message}`);
  }
  const entries = (index['entries'] ?? {}) as Record<string, (GoStruct | null)[] | undefined>;
  const kept: GoStruct[] = [];
  for (const [name, list] of Object.entries(entries)) {
    // Helm checks a chart's entries from the last to the first (its warnings come in that order); the survivors keep theirs.
    const survivors: GoStruct[] = [];
    for (const cv of [...(list ?? [])].reverse()) {
      if (cv === null) {
        warn(`warning: skipping loading invalid entry for chart ${JSON.stringify(name)} from ${path}: empty entry`);
        continue;
      }
      if (!cv['apiVersion']) cv['apiVersion'] = 'v1';
      const problem = metadataProblem(cv as Metadata);
      // Helm lets an index repeat a dependency's name or alias (JFrog strips aliases).
      if (problem && !problem.message.startsWith('more than one dependency with name or alias')) {
        warn(`warning: skipping loading invalid entry for chart ${JSON.stringify(name)} ${JSON.stringify(String(cv['version'] ?? ''))} from ${path}: validation: ${problem.message}`);
        continue;
      }
      survivors.push(cv);
    }
    kept.push(...survivors.reverse());
  }
  if (!index['apiVersion']) fail('no API version specified');
  return kept;
}

/** repo.IndexFile, its fields in Go's order. */
const INDEX_FILE: StructType = {
  goName: 'repo.IndexFile',
  fields: [
    field('serverInfo', { t: 'map', of: { t: 'any' } }),
    field('apiVersion', { t: 'string' }, false),
    field('generated', { t: 'time' }, false),
    field('entries', { t: 'map', of: { t: 'structs', of: CHART_VERSION, goName: 'repo.ChartVersions' } }, false),
    field('publicKeys', { t: 'strings' }),
    field('annotations', { t: 'stringMap' }),
  ],
};
const INDEX_STRINGS = stringFieldOf(INDEX_FILE);

/** Go's RFC3339Nano as Helm prints times: trailing zeros of the fraction dropped. */
export function rfc3339Nano(d: Date): string {
  const iso = d.toISOString();
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

/** An entry of the --merge index as json.Marshal writes it; a time it cannot write (an offset of 24 hours) fails the command, as it fails Helm's write. */
function marshalIndexEntry(e: GoStruct): ValueMap {
  try {
    return marshalStruct(e, CHART_VERSION);
  } catch (err) {
    if (err instanceof MarshalError) throw new UserError(`error marshaling into JSON: ${err.message}`);
    throw err;
  }
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

/** provenance.DigestFile: the archive's sha256, read as a stream (an archive may be large). */
async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
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
    let meta: Metadata;
    let digest: string;
    try {
      meta = await loadChartArchive(path);
      digest = await sha256File(path);
    } catch (e) {
      if (e instanceof NotAChart) continue;
      if ((e as NodeJS.ErrnoException).code === undefined) throw e; // a bug, not the file
      throw new UserError(`${path}: ${describeFsError(e, 'read')}`, { file: path });
    }
    // Written as Helm writes a ChartVersion: Metadata's fields only, empty ones left out.
    const entry = marshalStruct({ ...meta, created: now, digest, urls: [chartUrl(opts.url ?? '', sub, file)] }, CHART_VERSION);
    const name = String(meta.name);
    entries.set(name, [...(entries.get(name) ?? []), entry]);
  }
  // A missing --merge file is an empty index, as `helm repo index --merge` takes it.
  if (opts.merge && existsSync(opts.merge)) {
    const old = loadIndexFile(opts.merge, opts.onWarning ?? (() => undefined));
    // Merge: an old entry is kept unless the index has its name and version (Has: the same text, or a version its text, read as a constraint, admits).
    for (const e of old) {
      const name = String(e.name);
      const current = entries.get(name) ?? [];
      if (!has(current, String(e.version))) current.push(marshalIndexEntry(e));
      entries.set(name, current);
    }
  }
  const out: ValueMap = {};
  for (const [name, list] of [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    out[name] = list.sort((a, b) => compareVersionsDesc(String(a.version), String(b.version))) as Value[];
  }
  return toYaml({ apiVersion: 'v1', entries: out, generated: now }) + '\n';
}
