/** `dify-chart package`: the chart's templates compiled to Go, laid out as a Helm chart archive. */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { compileGoTemplates, type CompiledTemplates } from '../compile/compiler.js';
import { loadChart, TEMPLATE_EXT } from '../chart/load.js';
import { MAX_CHART_FILE_SIZE, MAX_CHART_SIZE, readChartFile, tooLarge } from '../chart/files.js';
import { UserError } from '../errors.js';
import { writeTgz, type ArchiveEntry } from './archive.js';
import { isVersion } from '../go/semver.js';

export interface PackageOptions {
  /** The chart folder; its own values.schema.json, if any, goes into the archive. */
  chartDir: string;
  version?: string;
  appVersion?: string;
  /** The templates already compiled to Go (by the build, for the shipped chart). */
  compiled?: CompiledTemplates;
}

export interface ChartArchive {
  name: string;
  version: string;
  fileName: string;
  bytes: Buffer;
}

export const HELMIGNORE = ['# Patterns to ignore when building packages.', '.DS_Store', '.git/', '*.swp', '*.bak', '*.tmp', '*~', ''].join('\n');

export function updatedChartYaml(text: string, version?: string, appVersion?: string): string {
  if (!version && !appVersion) return text;
  const doc = parseDocument(text);
  if (version) doc.set('version', version);
  if (appVersion) doc.set('appVersion', appVersion);
  return doc.toString();
}

/** Every entry of the archive, in memory. */
export function chartEntries(opts: PackageOptions): { name: string; version: string; entries: ArchiveEntry[] } {
  // loadChart read Chart.yaml and the templates as plain files (src/chart/files.ts); so is every other file here.
  const chart = loadChart(opts.chartDir);
  // Helm installs a chart folder's crds/ before its templates; an archive without them would install less.
  const crds = join(opts.chartDir, 'crds');
  if (lstatSync(crds, { throwIfNoEntry: false })?.isDirectory() && readdirSync(crds).some((n) => !n.startsWith('.'))) {
    throw new UserError(`${crds}: dify-chart packages no CRDs (Helm installs them from a chart's crds/, the archive would leave them out): apply them apart and remove crds/`, { file: crds });
  }
  // loadChart held Chart.yaml to Helm's rules; an archive's name is also its file name and top folder.
  const name = String(chart.metadata.Name);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new UserError(`${chart.placeOf('name')}: invalid chart name ${JSON.stringify(name)} for an archive: use lowercase letters, digits and '-', starting with a letter or digit`, { file: join(opts.chartDir, 'Chart.yaml') });
  }
  if (opts.version !== undefined && !isVersion(opts.version)) throw new UserError(`--version: "${opts.version}" is not a semantic version`);
  const version = opts.version ?? String(chart.md.version);
  const valuesPath = join(opts.chartDir, 'values.yaml');
  // A chart may have no values.yaml (Helm packages and renders it without one).
  const valuesText = readChartFile(valuesPath, true);
  const compiled = opts.compiled ?? compileGoTemplates(chart.templates, chart.defaults.values);
  const at = (p: string) => `${name}/${p}`;
  const entries: ArchiveEntry[] = [
    { path: at('Chart.yaml'), content: Buffer.from(updatedChartYaml(chart.chartYaml, opts.version, opts.appVersion)) },
    ...(valuesText ? [{ path: at('values.yaml'), content: valuesText }] : []),
    { path: at('.helmignore'), content: Buffer.from(HELMIGNORE) },
    { path: at('templates/_helpers.tpl'), content: Buffer.from(compiled.helpers) },
  ];
  const schema = readChartFile(join(opts.chartDir, 'values.schema.json'), true);
  if (schema) entries.push({ path: at('values.schema.json'), content: schema });
  for (const [tname, text] of compiled.templates) entries.push({ path: at(tname), content: Buffer.from(text) });
  const readme = readChartFile(join(opts.chartDir, 'README.md'), true);
  if (readme) entries.push({ path: at('README.md'), content: readme });
  checkArchiveSizes(entries.map((e) => ({ path: e.path, size: e.content.length })), (entry) => {
    if (entry === at('templates/_helpers.tpl')) return `${entry} (the partials, templates/**/_*${TEMPLATE_EXT}, together)`;
    const t = chart.templates.find((x) => at(x.name) === entry);
    return t ? `${t.srcPath} (compiled to ${entry})` : entry;
  });
  return { name, version, entries };
}

/**
 * The archive held to Helm's loader limits (src/chart/files.ts), which apply to what it holds:
 * a compiled template, or _helpers.tpl with every partial, can pass the limit when no source file
 * does. Helm refuses a file over the limit, and an archive whose files reach the total.
 */
export function checkArchiveSizes(entries: { path: string; size: number }[], describe: (path: string) => string = (p) => p): void {
  let total = 0;
  for (const e of entries) {
    if (e.size > MAX_CHART_FILE_SIZE) throw tooLarge(describe(e.path), e.size);
    total += e.size;
  }
  if (total >= MAX_CHART_SIZE) {
    throw new UserError(`the archive's files come to ${total} bytes, not under the ${MAX_CHART_SIZE} (100 MiB) Helm loads for one chart`);
  }
}

export async function packageChart(opts: PackageOptions): Promise<ChartArchive> {
  const { name, version, entries } = chartEntries(opts);
  const bytes = await writeTgz(entries);
  return { name, version, fileName: `${name}-${version}.tgz`, bytes };
}
