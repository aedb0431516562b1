/** Reading a chart folder: Chart.yaml as Helm's metadata object, and the template sources. */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap as isYamlMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { compareGoStrings } from '../go/fmt.js';
import { isVersion } from '../go/semver.js';
import { goSanitizeString } from '../go/strings.js';
import { describeFsError, UserError } from '../errors.js';
import { entryKind, entryName, isChartFolder, notPlain, readChartFile } from './files.js';
import type { ChartMetadata, TemplateFile } from '../render/engine.js';
import { loadChartDefaults, type LoadedValues } from '../values/load.js';

export const TEMPLATE_EXT = '.hbs';

/** Chart.yaml's lowerCamel keys as Helm exposes them on `.Chart` (Go field names). */
const FIELDS: Record<string, string> = {
  apiVersion: 'APIVersion',
  name: 'Name',
  version: 'Version',
  kubeVersion: 'KubeVersion',
  description: 'Description',
  type: 'Type',
  keywords: 'Keywords',
  home: 'Home',
  sources: 'Sources',
  dependencies: 'Dependencies',
  maintainers: 'Maintainers',
  icon: 'Icon',
  appVersion: 'AppVersion',
  deprecated: 'Deprecated',
  annotations: 'Annotations',
  condition: 'Condition',
  tags: 'Tags',
};

export interface ChartSource {
  dir: string;
  /** Chart.yaml exactly as written (for packaging). */
  chartYaml: string;
  raw: Record<string, unknown>;
  metadata: ChartMetadata;
  templates: TemplateFile[];
  /** values.yaml, as Helm's loader reads it with the chart: the defaults, and where each was written. */
  defaults: LoadedValues;
  /** `Chart.yaml:line:col` of a top-level field's value, for an error about it (the path alone if unknown). */
  placeOf: (key: string) => string;
}

/** The fields Helm's loader rewrites with sanitizeString (whitespace to spaces, unprintables dropped). */
const SANITIZED = new Set(['name', 'description', 'home', 'icon', 'condition', 'tags', 'appVersion', 'kubeVersion']);
const clean = (v: unknown): unknown => (typeof v === 'string' ? goSanitizeString(v) : v);

/**
 * `.Chart` as Helm gives it: every field of chart.Metadata, at its Go zero value unless Chart.yaml
 * sets it (a nil slice prints `[]` and has length 0, a nil map prints `map[]`, a bool `false`),
 * and IsRoot, which Helm 3.21 (a struct embedding Metadata) and 4.3 (a map made of it) both add:
 * true for the chart rendered, the only one here. Keys Metadata has no field for are dropped, as
 * Go's YAML decoding drops them.
 */
export function chartMetadata(raw: Record<string, unknown>): ChartMetadata {
  const meta: Record<string, unknown> = {
    Name: '', Home: '', Sources: [], Version: '', Description: '', Keywords: [], Maintainers: [], Icon: '', APIVersion: '',
    Condition: '', Tags: '', AppVersion: '', Deprecated: false, Annotations: {}, KubeVersion: '', Dependencies: [], Type: '', IsRoot: true,
  };
  const text = (v: unknown): unknown => (v === null || v === undefined ? '' : clean(v));
  for (const [k, v] of Object.entries(raw)) {
    const field = FIELDS[k];
    if (field === undefined || v === null || v === undefined) continue;
    if (k === 'maintainers' && Array.isArray(v)) {
      meta.Maintainers = v.map((m: Record<string, unknown>) => ({ Name: text(m.name), Email: text(m.email), URL: text(m.url) }));
    } else if ((k === 'sources' || k === 'keywords') && Array.isArray(v)) meta[field] = v.map(clean);
    else meta[field] = SANITIZED.has(k) ? clean(v) : v;
  }
  return meta as ChartMetadata;
}

export function loadChart(dir: string): ChartSource {
  const chartYamlPath = join(dir, 'Chart.yaml');
  const chartYaml = readChartFile(chartYamlPath).toString('utf8');
  const { raw, at } = readChartYaml(chartYamlPath, chartYaml);
  const placeOf = (key: string): string => {
    const pos = at(key);
    return pos ? `${chartYamlPath}:${pos.line}:${pos.col}` : chartYamlPath;
  };
  refuseSubcharts(dir, raw, placeOf);
  const tdir = join(dir, 'templates');
  const templates: TemplateFile[] = [];
  for (const f of templatePaths(tdir)) {
    const srcPath = join(tdir, f);
    templates.push({ name: `templates/${f.slice(0, -TEMPLATE_EXT.length)}`, srcPath, source: readChartFile(srcPath).toString('utf8').replace(/^\uFEFF/, '') }); // Helm's loader drops a UTF-8 BOM
  }
  return { dir, chartYaml, raw, metadata: chartMetadata(raw), templates, defaults: loadChartDefaults(dir), placeOf };
}

const NO_SUBCHARTS = 'subcharts are not supported: dify-chart renders and packages a single chart';

/**
 * Dependencies in Chart.yaml, or a subchart in charts/: refused, since render would leave them out
 * and the archive would hold no charts/ for them, which Helm refuses ("found in Chart.yaml, but
 * missing in charts/ directory"). charts/ entries Helm skips (a name starting with `.` or `_`, a
 * .prov file) are let be, so an empty charts/ folder, as `helm create` makes, is fine.
 */
function refuseSubcharts(dir: string, raw: Record<string, unknown>, placeOf: (key: string) => string): void {
  const deps = raw.dependencies;
  if (deps !== undefined && deps !== null && !(Array.isArray(deps) && deps.length === 0)) {
    throw new UserError(`${placeOf('dependencies')}: dependencies: ${NO_SUBCHARTS}`, { file: join(dir, 'Chart.yaml') });
  }
  const charts = join(dir, 'charts');
  // A plain file named charts is one of Helm's chart files, no subchart (and not packaged).
  const st = lstatSync(charts, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) throw notPlain(charts, 'a symbolic link');
  if (!st?.isDirectory()) return;
  const names = listFolder(charts).map((e) => e.name);
  const sub = names.filter((n) => !/^[._]/.test(n) && !n.endsWith('.prov')).sort(compareGoStrings)[0];
  if (sub !== undefined) throw new UserError(`${join(charts, sub)}: ${NO_SUBCHARTS}; remove it from charts/`, { file: join(charts, sub) });
}

/** Where a top-level key of Chart.yaml was written: its value's line and column, else the key's. */
type KeyPlace = (key: string) => { line: number; col: number } | undefined;

/**
 * Chart.yaml as a map of its fields, held to what Helm's loader and Metadata.Validate accept
 * (pkg/chart/metadata.go), each refusal one line naming the file and, where there is one, the
 * line of the value: Helm's words name no file (`validation: chart.metadata.version "abc" is invalid`).
 */
function readChartYaml(path: string, text: string): { raw: Record<string, unknown>; at: KeyPlace } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const e = doc.errors[0];
  if (e) {
    // One located line, as a values file's YAML error (the parser's own message ends with a position and a code frame).
    const pos = e.linePos?.[0];
    const msg = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError(`${path}${pos ? `:${pos.line}:${pos.col}` : ''}: ${msg}`, { file: path, ...(pos ? { line: pos.line, col: pos.col } : {}) });
  }
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) throw new UserError(`${path}: empty; a chart's Chart.yaml needs at least apiVersion, name and version`, { file: path });
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError(`${path}: must be a map of chart fields (apiVersion, name, version, ...), got ${Array.isArray(raw) ? 'a list' : `the ${typeof raw} ${JSON.stringify(raw)}`}`, { file: path });
  }
  const contents = doc.contents;
  const at: KeyPlace = (key) => {
    if (!isYamlMap(contents)) return undefined;
    const pair = contents.items.find((p) => isScalar(p.key) && p.key.value === key);
    const node = (pair?.value ?? pair?.key) as Node | null | undefined;
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lines.linePos(offset);
  };
  validateMetadata(path, raw as Record<string, unknown>, at);
  return { raw: raw as Record<string, unknown>, at };
}

/** Go's filepath.Base on a '/'-separated name: the last element, trailing slashes dropped. */
function goBase(name: string): string {
  if (name === '') return '.';
  const trimmed = name.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * Helm's Metadata.Validate, in its order, plus the apiVersion rule of `helm lint` (v1 or v2):
 * Helm 4 refuses any other apiVersion at load, Helm 3 only in lint, so an archive with another
 * one installs with Helm 3 alone. A missing apiVersion is v1, as Helm's loader takes it. A library
 * chart is refused too: it renders nothing and `helm install` refuses it ("library charts are not
 * installable"), so neither render nor package has anything to offer for one.
 */
function validateMetadata(path: string, raw: Record<string, unknown>, at: KeyPlace): void {
  const fail = (key: string | undefined, what: string): never => {
    const pos = key === undefined ? undefined : at(key);
    throw new UserError(`${path}${pos ? `:${pos.line}:${pos.col}` : ''}: ${what}`, { file: path, ...(pos ?? {}) });
  };
  const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const apiVersion = text(raw.apiVersion);
  if (apiVersion !== '' && apiVersion !== 'v1' && apiVersion !== 'v2') fail('apiVersion', `apiVersion ${JSON.stringify(apiVersion)} is not valid: must be v1 or v2 (Helm 4 refuses any other)`);
  const name = goSanitizeString(text(raw.name));
  if (name === '') fail(raw.name === undefined ? undefined : 'name', 'name is required: the chart has no name');
  if (name === '.' || name === '..') fail('name', `name ${JSON.stringify(name)} is not allowed`);
  if (name !== goBase(name)) fail('name', `name ${JSON.stringify(name)} is invalid: a chart name cannot hold a '/'`);
  const version = text(raw.version);
  if (version === '') fail(raw.version === undefined ? undefined : 'version', 'version is required: the chart has no version');
  if (!isVersion(version)) fail('version', `version ${JSON.stringify(version)} is not a semantic version (as 1.2.3)`);
  const type = text(raw.type);
  if (type !== '' && type !== 'application' && type !== 'library') fail('type', `type ${JSON.stringify(type)} is invalid: must be application or library`);
  if (type === 'library') fail('type', 'type library: a library chart cannot be rendered or installed (helm install: "library charts are not installable"); dify-chart takes application charts only');
  const maintainers = raw.maintainers;
  if (Array.isArray(maintainers) && maintainers.some((m) => m === null || typeof m !== 'object')) {
    fail('maintainers', 'maintainers must not contain empty or null entries; each is a map (name, email, url)');
  }
}

/**
 * Every template source under `tdir`, subfolders included as Helm reads templates/, relative and
 * '/'-separated (`api/deployment.yaml.hbs`), sorted as Go's sort.Strings sorts whole paths (Helm's
 * manifest order within a kind): `api-websocket/...` before `api/...`, unlike a per-folder walk.
 * Whether a file is a partial is its base name's business (`_`), not its folder's.
 */
export function templatePaths(tdir: string): string[] {
  const found: string[] = [];
  // A chart without templates/ renders nothing, as in Helm.
  if (!isChartFolder(tdir)) return found;
  const walk = (rel: string): void => {
    const dir = rel === '' ? tdir : join(tdir, rel);
    for (const e of listFolder(dir)) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.dirent.isDirectory()) walk(path);
      else if (!e.dirent.isFile()) throw notPlain(join(dir, e.name), entryKind(e.dirent));
      else if (e.name.endsWith(TEMPLATE_EXT)) found.push(path);
    }
  };
  walk('');
  return found.sort(compareGoStrings);
}

/**
 * A folder's entries, names listed as bytes so a name that is not UTF-8 is refused by name
 * rather than turned into another (U+FFFD) that then cannot be opened; each with its type from the
 * listing (no entry is opened), in byte order so the first refusal is always the same one.
 */
function listFolder(dir: string): { name: string; dirent: Dirent<Buffer> }[] {
  let entries: Dirent<Buffer>[];
  try {
    entries = readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (e) {
    throw new UserError(`${dir}: ${describeFsError(e, 'list')}`, { file: dir });
  }
  return entries
    .sort((a, b) => Buffer.compare(a.name, b.name))
    .map((e) => ({ name: entryName(dir, e.name), dirent: e }));
}

/** The files a render depends on: Chart.yaml, values.yaml, the templates, and `extraFiles`. */
function fingerprintedFiles(chartDir: string, extraFiles: string[]): string[] {
  const tdir = join(chartDir, 'templates');
  const templates = templatePaths(tdir);
  return [join(chartDir, 'Chart.yaml'), join(chartDir, 'values.yaml'), ...templates.map((f) => join(tdir, f)), ...extraFiles];
}

/**
 * A cheap stand-in for the fingerprint: each file's size and modification time. Equal stamps
 * mean the files were not touched since the build; unequal ones only mean "compare digests".
 */
export function chartStamp(chartDir: string, extraFiles: string[] = []): string {
  return fingerprintedFiles(chartDir, extraFiles)
    .map((f) => {
      const st = statSync(f, { throwIfNoEntry: false });
      return `${relative(chartDir, f)}\0${st ? `${st.size}:${st.mtimeMs}` : '<missing>'}`;
    })
    .join('\n');
}

/** Whether build-time artifacts made from these files still match them: by stamp, else by digest. */
export function matchesBuild(chartDir: string, extraFiles: string[], built: { fingerprint: string; stamp: string }): boolean {
  return chartStamp(chartDir, extraFiles) === built.stamp || chartFingerprint(chartDir, extraFiles) === built.fingerprint;
}

/**
 * A digest of everything a render depends on in the chart folder (plus extra files such as the
 * schema): build-time artifacts are used only while this still matches.
 */
export function chartFingerprint(chartDir: string, extraFiles: string[] = []): string {
  const hash = createHash('sha256');
  for (const f of fingerprintedFiles(chartDir, extraFiles)) {
    hash.update(f.slice(chartDir.length)).update('\0');
    try {
      hash.update(readFileSync(f)).update('\0');
    } catch {
      hash.update('<missing>\0');
    }
  }
  return hash.digest('hex');
}
