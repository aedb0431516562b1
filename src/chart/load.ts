/** Reading a chart folder: Chart.yaml as Helm's metadata object, and the template sources. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { compareGoStrings } from '../go/fmt.js';
import { goSanitizeString } from '../go/strings.js';
import { UserError } from '../errors.js';
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
  let chartYaml: string;
  try {
    chartYaml = readFileSync(chartYamlPath, 'utf8');
  } catch {
    throw new UserError(`${chartYamlPath}: cannot read the chart's Chart.yaml`, { file: chartYamlPath });
  }
  let raw: Record<string, unknown>;
  try {
    raw = parse(chartYaml) as Record<string, unknown>;
  } catch (e) {
    // One located line, as a values file's YAML error (the parser's own message ends with a position and a code frame).
    const pos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const msg = (e as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError(`${chartYamlPath}${pos ? `:${pos.line}:${pos.col}` : ''}: ${msg}`, { file: chartYamlPath, ...(pos ? { line: pos.line, col: pos.col } : {}) });
  }
  const tdir = join(dir, 'templates');
  const templates: TemplateFile[] = [];
  for (const f of templatePaths(tdir)) {
    const srcPath = join(tdir, f);
    templates.push({ name: `templates/${f.slice(0, -TEMPLATE_EXT.length)}`, srcPath, source: readFileSync(srcPath, 'utf8').replace(/^\uFEFF/, '') }); // Helm's loader drops a UTF-8 BOM
  }
  return { dir, chartYaml, raw, metadata: chartMetadata(raw), templates, defaults: loadChartDefaults(dir) };
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
  if (!existsSync(tdir)) return found;
  const walk = (rel: string): void => {
    for (const e of readdirSync(rel === '' ? tdir : join(tdir, rel), { withFileTypes: true })) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(TEMPLATE_EXT)) found.push(path);
    }
  };
  walk('');
  return found.sort(compareGoStrings);
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
