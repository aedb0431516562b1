/**
 * A release render end to end: engine output → YAML documents in Helm's install order → the text
 * `helm template` prints (or the files `--output-dir` writes). Values arrive already merged and
 * validated; this stage knows nothing of how.
 */
import { Engine, type ChartMetadata, type PrecompiledChart } from './engine.js';
import { loadChart, type ChartSource } from '../chart/load.js';
import { precompileChart } from '../chart/precompile.js';
import { kubeVersionCapability, renderContext, type ReleaseOptions } from './context.js';
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

/** A chart's templates compiled to JavaScript: at build time for the shipped chart (src/chart/prebuilt.ts), else by compileChart. */
export interface PrebuiltChart {
  metadata: ChartMetadata;
  chart: PrecompiledChart;
}

/** Helm's rule for release names: DNS-1123 labels joined by dots, at most 53 characters. */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A namespace is a DNS-1123 label (it is printed unquoted into every object's metadata). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Release name, namespace and Kubernetes version as Helm accepts them; a UsageError otherwise. */
export function checkReleaseOptions(req: ReleaseOptions): void {
  if (!RELEASE_NAME.test(req.name) || req.name.length > 53) {
    throw new UsageError(`release name ${JSON.stringify(req.name)} is invalid: use at most 53 lowercase letters, digits, '-' and '.', starting and ending alphanumeric`);
  }
  if (!NAMESPACE.test(req.namespace) || req.namespace.length > 63) {
    throw new UsageError(`--namespace ${JSON.stringify(req.namespace)} is invalid: use at most 63 lowercase letters, digits and '-'`);
  }
  if (req.kubeVersion !== undefined) kubeVersionCapability(req.kubeVersion);
}

/** Each compiled chart's engine, made at its first render (a library renderer renders many times). */
const engines = new WeakMap<PrecompiledChart, Engine>();

/** A chart compiled now: a folder as it is on disk, or a chart already loaded. */
export function compileChart(chart: string | ChartSource): PrebuiltChart {
  const source = typeof chart === 'string' ? loadChart(chart) : chart;
  return { metadata: source.metadata, chart: precompileChart(source.templates, source.defaults.values) };
}

/** The release's manifests in Helm's install order, each checked to be one YAML document Helm would parse. */
export function renderRelease(chart: PrebuiltChart, values: ValueMap, req: RenderRequest): RenderResult {
  let engine = engines.get(chart.chart);
  if (!engine) engines.set(chart.chart, (engine = new Engine(chart.chart)));
  const rendered = engine.render(renderContext(values, chart.metadata, req), chart.metadata.Name, req.lookup);
  const files = rendered.filter((r) => !r.name.endsWith('/NOTES.txt')).map((r) => ({ path: r.name, content: r.content }));
  const manifests = orderManifests(files);
  for (const m of manifests) assertParses(m);
  return { manifests };
}

/** The text `helm template` would print. */
export function renderChartText(chart: PrebuiltChart, values: ValueMap, req: RenderRequest): string {
  return printManifests(renderRelease(chart, values, req).manifests, { showOnly: req.showOnly ?? [] });
}
