/** Reading a chart folder: Chart.yaml as Helm's metadata object, and the template sources. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../values/types.js';
import type { ChartMetadata, TemplateFile } from './engine.js';

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
}

export function chartMetadata(raw: Record<string, unknown>): ChartMetadata {
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'maintainers' && Array.isArray(v)) {
      meta.Maintainers = v.map((m: Record<string, unknown>) => ({ Name: m.name, Email: m.email, URL: m.url }));
    } else meta[FIELDS[k] ?? k] = v;
  }
  return meta as ChartMetadata;
}

export function loadChart(dir: string): ChartSource {
  const chartYamlPath = join(dir, 'Chart.yaml');
  let chartYaml: string;
  try {
    chartYaml = readFileSync(chartYamlPath, 'utf8');
  } catch {
    throw new UserError(`${chartYamlPath}: cannot read the chart's Chart.yaml`);
  }
  const raw = parse(chartYaml) as Record<string, unknown>;
  const tdir = join(dir, 'templates');
  const templates: TemplateFile[] = [];
  for (const f of readdirSync(tdir).sort()) {
    if (!f.endsWith(TEMPLATE_EXT)) continue;
    const srcPath = join(tdir, f);
    templates.push({ name: `templates/${f.slice(0, -TEMPLATE_EXT.length)}`, srcPath, source: readFileSync(srcPath, 'utf8') });
  }
  return { dir, chartYaml, raw, metadata: chartMetadata(raw), templates };
}

/**
 * A digest of everything a render depends on in the chart folder (plus extra files such as the
 * schema): build-time artifacts are used only while this still matches.
 */
export function chartFingerprint(chartDir: string, extraFiles: string[] = []): string {
  const hash = createHash('sha256');
  const tdir = join(chartDir, 'templates');
  const files = [
    join(chartDir, 'Chart.yaml'),
    join(chartDir, 'values.yaml'),
    ...readdirSync(tdir)
      .filter((f) => f.endsWith(TEMPLATE_EXT))
      .sort()
      .map((f) => join(tdir, f)),
    ...extraFiles,
  ];
  for (const f of files) {
    hash.update(f.slice(chartDir.length)).update('\0');
    try {
      hash.update(readFileSync(f)).update('\0');
    } catch {
      hash.update('<missing>\0');
    }
  }
  return hash.digest('hex');
}
