/**
 * The renderer of the library API: what `dify-chart render` does, callable in-process, with the
 * chart and its schema loaded once for any number of renders (a GitOps tool rendering one release
 * per tenant, a CI matrix). It only wires the stages together, as the CLI does: values (load,
 * merge, --set, validate) → render (templates, Helm's order) → the text `helm template` prints.
 *
 *   const renderer = await createRenderer();
 *   const { text } = renderer.render({ release: 'acme', namespace: 'dify', valueFiles: ['acme.yaml'] });
 *
 * Errors a user can cause throw UserError (bad values, template failures) or UsageError (bad
 * release name, namespace or Kubernetes version), each with a one-line message.
 */
import { DEFAULT_CHART_DIR, DEFAULT_SCHEMA, schemaFor } from '../chart/locations.js';
import { loadPrebuilt, type Prebuilt } from '../chart/prebuilt.js';
import { printManifests, shownManifests, type Manifest } from '../render/manifests.js';
import { checkReleaseOptions, compileChart, renderRelease, type PrebuiltChart } from '../render/release.js';
import { loadChart, type ChartSource } from '../chart/load.js';
import { DEFAULT_KUBE_VERSION } from '../render/context.js';
import { buildValues, loadValidator } from '../values/index.js';
import type { LookupFn } from '../render/lookup.js';

export interface RendererOptions {
  /** A chart folder; default: the chart shipped with dify-chart. Its values.schema.json, if any, checks values. */
  chart?: string;
}

export interface RenderOptions {
  /** Release name (default `release-name`, as `helm template`). */
  release?: string;
  /** Namespace of the release (default `default`). */
  namespace?: string;
  /** Values files, in order (later wins), as `-f`. */
  valueFiles?: string[];
  /** `--set`, `--set-string`, `--set-file`, `--set-json`, `--set-literal` arguments, each list in order. */
  set?: string[];
  setString?: string[];
  setFile?: string[];
  setJson?: string[];
  setLiteral?: string[];
  /** Capabilities.KubeVersion (default v1.36.0, as Helm 3.21.4) and extra Capabilities.APIVersions. */
  kubeVersion?: string;
  apiVersions?: string[];
  /** `--show-only` template paths, e.g. `templates/api.yaml`. */
  showOnly?: string[];
  /** `--skip-tests`: leave out the test hooks; `--no-hooks`: leave out every hook (both still rendered and checked). */
  skipTests?: boolean;
  noHooks?: boolean;
  /** `--is-upgrade`: render with Release.IsUpgrade true and Release.IsInstall false. */
  isUpgrade?: boolean;
  /**
   * What `lookup` reads live objects with (default: nothing, as `helm template`); pass
   * `kubectlLookup()` for what `render --lookup` does, or your own client.
   */
  lookup?: LookupFn;
}

export interface RenderOutput {
  /** What `helm template` prints. */
  text: string;
  /** The documents in Helm's install order, hooks last, without those skipTests/noHooks leave out (showOnly selects in `text` only). */
  manifests: Manifest[];
  /** Helm's coalescing warnings, one line each. */
  warnings: string[];
}

export interface Renderer {
  render(opts?: RenderOptions): RenderOutput;
}

/**
 * A renderer for one chart: its templates compiled, its defaults and schema read once, here
 * (taken from the build for the shipped chart while they match it), and kept for every render
 * of this renderer; a renderer made later sees the chart as it is then. Renders share nothing
 * else: each builds its own values from its own files and flags. The one release pipeline:
 * `dify-chart render`, `dify-chart lint` and the library all render through it.
 */
export async function createRenderer(opts: RendererOptions = {}): Promise<Renderer> {
  const chartDir = opts.chart ?? DEFAULT_CHART_DIR;
  const schemaPath = schemaFor(opts.chart);
  const prebuilt: Prebuilt | Deferred = (await loadPrebuilt(chartDir, DEFAULT_SCHEMA)) ?? readNow(chartDir, schemaPath);
  return {
    render(o: RenderOptions = {}): RenderOutput {
      const release = {
        name: o.release ?? 'release-name',
        namespace: o.namespace ?? 'default',
        kubeVersion: o.kubeVersion ?? DEFAULT_KUBE_VERSION,
        apiVersions: o.apiVersions ?? [],
        isUpgrade: o.isUpgrade === true,
      };
      checkReleaseOptions(release);
      const { values, warnings } = buildValues({
        prepared: prebuilt.values,
        chartDir,
        schemaPath,
        valueFiles: o.valueFiles ?? [],
        set: o.set ?? [],
        setString: o.setString ?? [],
        setFile: o.setFile ?? [],
        setJson: o.setJson ?? [],
        setLiteral: o.setLiteral ?? [],
      });
      // Templates compile after the values are read (a chart folder's, at its first render), so a
      // bad values file is reported before a bad template, as Helm merges values before loading.
      const compiled = 'render' in prebuilt ? prebuilt.render : (prebuilt.compiled ??= compileChart(prebuilt.source));
      const result = renderRelease(compiled, values, { ...release, ...(o.lookup ? { lookup: o.lookup } : {}) });
      const manifests = shownManifests(result.manifests, o);
      return {
        text: printManifests(manifests, { showOnly: o.showOnly ?? [] }),
        manifests,
        // Helm's install and template say so before anything else.
        warnings: compiled.metadata.Deprecated === true ? ['WARNING: This chart is deprecated', ...warnings] : warnings,
      };
    },
  };
}

/** A chart folder read now (Chart.yaml, templates, defaults, schema); its templates compiled at the first render. */
interface Deferred {
  values: Prebuilt['values'];
  source: ChartSource;
  compiled?: PrebuiltChart;
}

/** What the build prepares for the shipped chart, read now for any other chart folder. */
function readNow(chartDir: string, schemaPath: string | undefined): Deferred {
  const source = loadChart(chartDir);
  const defaults = source.defaults;
  return {
    source,
    values: {
      defaults: defaults.values,
      positions: defaults.positions,
      validator: schemaPath === undefined ? () => [] : loadValidator(schemaPath),
      chartName: source.metadata.Name,
    },
  };
}
