/**
 * A release render end to end: engine output → YAML documents in Helm's install order → the text
 * `helm template` prints (or the files `--output-dir` writes). Values arrive already merged and
 * validated; this stage knows nothing of how.
 */
import { Engine, type ChartMetadata, type PrecompiledChart } from './engine.js';
import { loadChart } from '../chart/load.js';
import { precompileChart } from '../chart/precompile.js';
import { parseKubeVersion, renderContext, type ReleaseOptions } from './context.js';
import { assertParses, orderManifests, printManifests, type Manifest } from './manifests.js';
import type { LookupFn } from './lookup.js';
import type { ValueMap } from '../values/types.js';
import { UsageError } from '../errors.js';

export interface RenderRequest extends ReleaseOptions {
  /** `--show-only` template paths, e.g. `templates/api.yaml`. */
  showOnly?: string[];
  /** Read live objects for `lookup` (default: none, as `helm template`). */
  lookup?: LookupFn;
}

export interface RenderResult {
  manifests: Manifest[];
}

interface LoadedChart {
  metadata: ChartMetadata;
  engine: Engine;
}

/** A chart whose templates were precompiled at build time (see src/chart/prebuilt.ts). */
export interface PrebuiltChart {
  metadata: ChartMetadata;
  chart: PrecompiledChart;
}

/** Helm's rule for release names: DNS-1123 label characters, at most 53 of them. */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A namespace is a DNS-1123 label (it is printed unquoted into every object's metadata). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Release name, namespace and Kubernetes version as Helm accepts them; a UsageError otherwise. */
export function checkReleaseOptions(req: ReleaseOptions): void {
  if (!RELEASE_NAME.test(req.name) || req.name.length > 53) {
    throw new UsageError(`release name ${JSON.stringify(req.name)} is invalid: use at most 53 lowercase letters, digits and '-'`);
  }
  if (!NAMESPACE.test(req.namespace) || req.namespace.length > 63) {
    throw new UsageError(`--namespace ${JSON.stringify(req.namespace)} is invalid: use at most 63 lowercase letters, digits and '-'`);
  }
  if (req.kubeVersion !== undefined) parseKubeVersion(req.kubeVersion);
}

const byDir = new Map<string, LoadedChart>();
const byChart = new WeakMap<PrecompiledChart, LoadedChart>();

/**
 * A chart's engine, made once: for a compiled chart given (the build's, or a library renderer's
 * own), once per compiled chart; else once per process for the folder (the CLI renders once).
 */
export function loadRenderer(chartDir: string, prebuilt?: PrebuiltChart): LoadedChart {
  if (prebuilt) {
    let hit = byChart.get(prebuilt.chart);
    if (!hit) byChart.set(prebuilt.chart, (hit = { metadata: prebuilt.metadata, engine: new Engine(prebuilt.chart) }));
    return hit;
  }
  let hit = byDir.get(chartDir);
  if (!hit) {
    const compiled = compileChart(chartDir);
    byDir.set(chartDir, (hit = { metadata: compiled.metadata, engine: new Engine(compiled.chart) }));
  }
  return hit;
}

/** A chart folder compiled now, as it is on disk, for a renderer of its own. */
export function compileChart(chartDir: string): PrebuiltChart {
  const chart = loadChart(chartDir);
  return { metadata: chart.metadata, chart: precompileChart(chart.templates) };
}

export function renderRelease(chartDir: string, values: ValueMap, req: RenderRequest, prebuilt?: PrebuiltChart): RenderResult {
  const { metadata, engine } = loadRenderer(chartDir, prebuilt);
  const chartName = metadata.Name;
  const rendered = engine.render(renderContext(values, metadata, req), chartName, req.lookup);
  const files = rendered.filter((r) => !r.name.endsWith('/NOTES.txt')).map((r) => ({ path: r.name, content: r.content }));
  const manifests = orderManifests(files);
  for (const m of manifests) assertParses(m);
  return { manifests };
}

/** The text `helm template` would print. */
export function renderChartText(chartDir: string, values: ValueMap, req: RenderRequest): string {
  return printManifests(renderRelease(chartDir, values, req).manifests, { showOnly: req.showOnly ?? [] });
}
