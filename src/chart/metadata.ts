/**
 * Helm's chart types as Go reads and writes them (src/go/jsonstruct.ts): chart.Metadata (Chart.yaml,
 * an archive's, an index entry's) and repo.ChartVersion (an index entry: Metadata embedded, so
 * sigs.k8s.io/yaml converts none of its fields), and Metadata.Validate.
 */
import { field as f, type FieldType, type StructType } from '../go/jsonstruct.js';
import { goBase } from '../go/filepath.js';
import { isVersion } from '../go/semver.js';
import { goSanitizeString } from '../go/strings.js';
import { isMap, type Value } from '../values/types.js';

const S: FieldType = { t: 'string' };

const MAINTAINER: StructType = { goName: 'chart.Maintainer', fields: [f('name', S), f('email', S), f('url', S)] };
const DEPENDENCY: StructType = {
  goName: 'chart.Dependency',
  fields: [
    f('name', S, false),
    f('version', S),
    f('repository', S, false),
    f('condition', S),
    f('tags', { t: 'strings' }),
    f('enabled', { t: 'bool' }),
    f('import-values', { t: 'anys' }),
    f('alias', S),
  ],
};

/** chart.Metadata, its fields in Go's order. */
export const METADATA: StructType = {
  goName: 'chart.Metadata',
  fields: [
    f('name', S),
    f('home', S),
    f('sources', { t: 'strings' }),
    f('version', S),
    f('description', S),
    f('keywords', { t: 'strings' }),
    f('maintainers', { t: 'structs', of: MAINTAINER }),
    f('icon', S),
    f('apiVersion', S),
    f('condition', S),
    f('tags', S),
    f('appVersion', S),
    f('deprecated', { t: 'bool' }),
    f('annotations', { t: 'stringMap' }),
    f('kubeVersion', S),
    f('dependencies', { t: 'structs', of: DEPENDENCY }),
    f('type', S),
  ],
};

/** repo.ChartVersion: Metadata embedded, then its own fields. */
export const CHART_VERSION: StructType = {
  goName: 'repo.ChartVersion',
  embedded: { name: 'Metadata', type: METADATA },
  fields: [
    f('urls', { t: 'strings' }, false),
    f('created', { t: 'time' }, false),
    f('removed', { t: 'bool' }),
    f('digest', S),
    f('checksum', S),
    f('engine', S),
    f('tillerVersion', S),
    f('url', S),
  ],
};

/** Chart.yaml's fields as decoded into chart.Metadata (json names); sanitized in place by metadataProblem. */
export interface Metadata {
  [key: string]: unknown;
  name?: string;
  version?: string;
  apiVersion?: string;
  type?: string;
  maintainers?: unknown[];
  dependencies?: unknown[];
}

/** A rule of Metadata.Validate a Chart.yaml breaks: Helm's words, and the top-level field it is about. */
export interface MetadataProblem {
  field: string;
  message: string;
}

const ALIAS = /^[a-zA-Z0-9_-]+$/;
/** The fields Helm's Validate rewrites with sanitizeString (whitespace to spaces, unprintables dropped). */
const SANITIZED = ['name', 'description', 'home', 'icon', 'condition', 'tags', 'appVersion', 'kubeVersion'];

const sanitizeAll = (list: unknown): unknown => (Array.isArray(list) ? list.map((s: unknown) => (typeof s === 'string' ? goSanitizeString(s) : s)) : list);

/**
 * Metadata.Validate (pkg/chart/metadata.go) of a decoded Chart.yaml, for every reader of one (a
 * chart folder, an archive, an index entry): its text fields sanitized in place as Helm does, then
 * the first rule broken, in Helm's order and words; undefined when none is.
 */
export function metadataProblem(md: Metadata): MetadataProblem | undefined {
  for (const k of SANITIZED) if (typeof md[k] === 'string') md[k] = goSanitizeString(md[k]);
  for (const k of ['sources', 'keywords']) if (md[k] !== undefined) md[k] = sanitizeAll(md[k]);
  if (!md.apiVersion) return { field: 'apiVersion', message: 'chart.metadata.apiVersion is required' };
  if (!md.name) return { field: 'name', message: 'chart.metadata.name is required' };
  if (md.name === '.' || md.name === '..') return { field: 'name', message: `chart.metadata.name ${JSON.stringify(md.name)} is not allowed` };
  if (md.name !== goBase(md.name)) return { field: 'name', message: `chart.metadata.name ${JSON.stringify(md.name)} is invalid` };
  if (!md.version) return { field: 'version', message: 'chart.metadata.version is required' };
  if (!isVersion(md.version)) return { field: 'version', message: `chart.metadata.version ${JSON.stringify(md.version)} is invalid` };
  if (md.type !== undefined && md.type !== '' && md.type !== 'application' && md.type !== 'library') {
    return { field: 'type', message: 'chart.metadata.type must be application or library' };
  }
  for (const m of md.maintainers ?? []) {
    if (!isMap(m as Value)) return { field: 'maintainers', message: 'maintainers must not contain empty or null nodes' };
    const mm = m as Record<string, unknown>;
    for (const k of ['name', 'email', 'url']) if (typeof mm[k] === 'string') mm[k] = goSanitizeString(mm[k]);
  }
  const seen = new Set<string>();
  for (const dep of md.dependencies ?? []) {
    if (!isMap(dep as Value)) return { field: 'dependencies', message: 'dependencies must not contain empty or null nodes' };
    const d = dep as Record<string, unknown>;
    for (const k of ['name', 'version', 'repository', 'condition']) if (typeof d[k] === 'string') d[k] = goSanitizeString(d[k]);
    d.tags = sanitizeAll(d.tags);
    const alias = typeof d.alias === 'string' ? d.alias : '';
    if (alias !== '' && !ALIAS.test(alias)) return { field: 'dependencies', message: `dependency ${JSON.stringify(d.name)} has disallowed characters in the alias` };
    const key = alias !== '' ? alias : String(d.name ?? '');
    if (seen.has(key)) return { field: 'dependencies', message: `more than one dependency with name or alias ${JSON.stringify(key)}` };
    seen.add(key);
  }
  return undefined;
}
