/** Reading a chart folder: Chart.yaml as Helm's metadata object, and the template sources. */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join, relative } from 'node:path';
import { compareGoStrings } from '../go/fmt.js';
import { describeFsError, UserError } from '../errors.js';
import { entryKind, entryName, isChartFolder, notPlain, readChartFile } from './files.js';
import type { ChartMetadata, TemplateFile } from '../render/engine.js';
import { loadChartDefaults, readGoYaml, type LoadedValues } from '../values/load.js';
import { isMap, kindInWords } from '../values/types.js';
import { METADATA, metadataProblem, type Metadata } from './metadata.js';
import { decodeJson, DecodeError, stringFieldOf } from '../go/jsonstruct.js';

export const TEMPLATE_EXT = '.hbs';

export interface ChartSource {
  dir: string;
  /** Chart.yaml exactly as written (for packaging). */
  chartYaml: string;
  /** Chart.yaml decoded into chart.Metadata (json names), as Helm's loader reads it. */
  md: Metadata;
  metadata: ChartMetadata;
  templates: TemplateFile[];
  /** values.yaml, as Helm's loader reads it with the chart: the defaults, and where each was written. */
  defaults: LoadedValues;
  /** `Chart.yaml:line:col` of a top-level field's value, for an error about it (the path alone if unknown). */
  placeOf: (key: string) => string;
}

/** Chart.yaml's json names and the Go field names `.Chart` has (chart.Metadata). */
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

/**
 * `.Chart` as Helm gives it: every field of chart.Metadata, at its Go zero value unless Chart.yaml
 * sets it (a nil slice prints `[]` and has length 0, a nil map prints `map[]`, a bool `false`),
 * and IsRoot, which Helm 3.21 (a struct embedding Metadata) and 4.3 (a map made of it) both add:
 * true for the chart rendered, the only one here. `md` is the decoded and sanitized Chart.yaml.
 */
export function chartMetadata(md: Metadata): ChartMetadata {
  const meta: Record<string, unknown> = {
    Name: '', Home: '', Sources: [], Version: '', Description: '', Keywords: [], Maintainers: [], Icon: '', APIVersion: '',
    Condition: '', Tags: '', AppVersion: '', Deprecated: false, Annotations: {}, KubeVersion: '', Dependencies: [], Type: '', IsRoot: true,
  };
  for (const [k, v] of Object.entries(md)) {
    const field = FIELDS[k];
    if (field === undefined || v === undefined) continue;
    if (k === 'maintainers' && Array.isArray(v)) {
      meta.Maintainers = v.map((m: Record<string, unknown>) => ({ Name: m.name ?? '', Email: m.email ?? '', URL: m.url ?? '' }));
    } else meta[field] = v;
  }
  return meta as ChartMetadata;
}

export function loadChart(dir: string): ChartSource {
  const chartYamlPath = join(dir, 'Chart.yaml');
  const chartYaml = readChartFile(chartYamlPath).toString('utf8');
  const { md, placeOf } = readChartYaml(chartYamlPath, chartYaml);
  refuseSubcharts(dir, md, placeOf);
  const tdir = join(dir, 'templates');
  const templates: TemplateFile[] = [];
  for (const f of templatePaths(tdir)) {
    const srcPath = join(tdir, f);
    templates.push({ name: `templates/${f.slice(0, -TEMPLATE_EXT.length)}`, srcPath, source: readChartFile(srcPath).toString('utf8').replace(/^\uFEFF/, '') }); // Helm's loader drops a UTF-8 BOM
  }
  return { dir, chartYaml, md, metadata: chartMetadata(md), templates, defaults: loadChartDefaults(dir), placeOf };
}

const NO_SUBCHARTS = 'subcharts are not supported: dify-chart renders and packages a single chart';

/**
 * Dependencies in Chart.yaml, or a subchart in charts/: refused, since render would leave them out
 * and the archive would hold no charts/ for them, which Helm refuses ("found in Chart.yaml, but
 * missing in charts/ directory"). charts/ entries Helm skips (a name starting with `.` or `_`, a
 * .prov file) are let be, so an empty charts/ folder, as `helm create` makes, is fine.
 */
function refuseSubcharts(dir: string, md: Metadata, placeOf: (key: string) => string): void {
  const deps = md.dependencies;
  if (deps !== undefined && deps.length > 0) {
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

/**
 * Chart.yaml as Helm's loader reads it (sigs.k8s.io/yaml into chart.Metadata: go-yaml's YAML 1.1,
 * a number or bool read as the text a string field wants, unknown keys dropped, apiVersion v1 when
 * it names none), held to Metadata.Validate in Helm's words, and to what render and package need
 * besides: apiVersion v1 or v2 (Helm 4 refuses any other at load, Helm 3 only in lint, so an archive
 * with another one installs with Helm 3 alone) and an application chart (a library chart renders
 * nothing, and `helm install` refuses it). Each refusal is one line naming the file and the line of
 * the field; `placeOf` names where a top-level field was written, for later errors about it.
 */
const METADATA_STRINGS = stringFieldOf(METADATA);

function readChartYaml(path: string, text: string): { md: Metadata; placeOf: (key: string) => string } {
  const { value, positions } = readGoYaml(text, path, { goTyped: true, stringField: METADATA_STRINGS });
  if (value === null) throw new UserError(`${path}: empty; a chart's Chart.yaml needs at least apiVersion, name and version`, { file: path });
  if (!isMap(value)) throw new UserError(`${path}: must be a map of chart fields (apiVersion, name, version, ...), got ${kindInWords(value)}`, { file: path });
  let md: Metadata;
  try {
    md = decodeJson(value, METADATA, { strict: false, fromYaml: true });
  } catch (e) {
    if (e instanceof DecodeError) throw new UserError(`${path}: ${e.message}`, { file: path });
    throw e;
  }
  const placeOf = (key: string): string => positions.sourceOf([key]) ?? path;
  const fail = (key: string, what: string): never => {
    const place = placeOf(key);
    const m = /:(\d+):(\d+)$/.exec(place);
    throw new UserError(`${place}: ${what}`, { file: path, ...(m ? { line: Number(m[1]), col: Number(m[2]) } : {}) });
  };
  if (!md.apiVersion) md.apiVersion = 'v1';
  if (md.apiVersion !== 'v1' && md.apiVersion !== 'v2') fail('apiVersion', `apiVersion ${JSON.stringify(md.apiVersion)} is not valid: must be v1 or v2 (Helm 4 refuses any other)`);
  const problem = metadataProblem(md);
  if (problem) fail(problem.field, `validation: ${problem.message}`);
  if (md.type === 'library') fail('type', 'type library: a library chart cannot be rendered or installed (helm install: "library charts are not installable"); dify-chart takes application charts only');
  return { md, placeOf };
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
      // Helm's default ignore rule, `templates/.?*`: a hidden file or folder right in templates/ is no template.
      if (rel === '' && e.name.startsWith('.')) continue;
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.dirent.isDirectory()) walk(path);
      else if (!e.dirent.isFile()) throw notPlain(join(dir, e.name), entryKind(e.dirent));
      else if (e.name.endsWith(TEMPLATE_EXT)) found.push(path);
      // Helm would render any other file here; left out silently, it would be missing from every render.
      else throw new UserError(`${join(dir, e.name)}: not a template of the dialect: dify-chart renders templates/**/*${TEMPLATE_EXT} (Handlebars); rename it or move it out of templates/`, { file: join(dir, e.name) });
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
