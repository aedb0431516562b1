/**
 * A release render end to end: engine output → YAML documents in Helm's install order → the text
 * `helm template` prints (or the files `--output-dir` writes). Values arrive already merged and
 * validated; this stage knows nothing of how.
 */
import { Engine, type ChartMetadata, type PrecompiledChart } from './engine.js';
import { loadChart } from './chart.js';
import { precompileChart } from './precompile.js';
import { renderContext, type ReleaseOptions } from './context.js';
import { assertParses, orderManifests, printManifests, type Manifest } from './manifests.js';
import { generatedSecrets, lookupResolver } from './helpers.js';
import { emptyLookup, type LookupFn } from './lookup.js';
import type { ValueMap } from '../values/types.js';

export interface RenderRequest extends ReleaseOptions {
  /** `--show-only` template paths, e.g. `templates/api.yaml`. */
  showOnly?: string[];
  /** Read live objects for `lookup` (default: none, as `helm template`). */
  lookup?: LookupFn;
}

export interface RenderResult {
  manifests: Manifest[];
  /** How many secret values `randAlphaNum` generated (the user should pin them). */
  generated: number;
}

interface LoadedChart {
  metadata: ChartMetadata;
  engine: Engine;
}

/** A chart whose templates were precompiled at build time (see src/build). */
export interface PrebuiltChart {
  metadata: ChartMetadata;
  chart: PrecompiledChart;
}

const cache = new Map<string, LoadedChart>();

/** Load and compile a chart once per process (the warm path renders many releases). */
export function loadRenderer(chartDir: string, prebuilt?: PrebuiltChart): LoadedChart {
  let hit = cache.get(chartDir);
  if (!hit) {
    if (prebuilt) {
      hit = { metadata: prebuilt.metadata, engine: new Engine(prebuilt.chart) };
    } else {
      const chart = loadChart(chartDir);
      hit = { metadata: chart.metadata, engine: new Engine(precompileChart(chart.templates)) };
    }
    cache.set(chartDir, hit);
  }
  return hit;
}

export function renderRelease(chartDir: string, values: ValueMap, req: RenderRequest, prebuilt?: PrebuiltChart): RenderResult {
  const { metadata, engine } = loadRenderer(chartDir, prebuilt);
  const chartName = metadata.Name;
  const before = generatedSecrets.count;
  lookupResolver.fn = req.lookup ?? emptyLookup;
  let rendered;
  try {
    rendered = engine.render(renderContext(values, metadata, req), chartName);
  } finally {
    lookupResolver.fn = emptyLookup;
  }
  const files = rendered.filter((r) => !r.name.endsWith('/NOTES.txt')).map((r) => ({ path: r.name, content: r.content }));
  const manifests = orderManifests(files);
  for (const m of manifests) assertParses(m);
  return { manifests, generated: generatedSecrets.count - before };
}

/** The text `helm template` would print. */
export function renderChartText(chartDir: string, values: ValueMap, req: RenderRequest): string {
  return printManifests(renderRelease(chartDir, values, req).manifests, { showOnly: req.showOnly ?? [] });
}
