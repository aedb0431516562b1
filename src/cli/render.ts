/** `render`: flags in, the values and render stages, manifests out (stdout or --output-dir). */
import { checkReleaseOptions } from '../render/release.js';
import { outputDirLayout, outputDirLog, templateNotFound, type Manifest } from '../render/manifests.js';
import { goPathMatch } from '../go/filepath.js';
import { kubectlLookup } from '../render/lookup.js';
import { writeTree } from '../io/files.js';
import { noSchemaWarning } from '../chart/locations.js';
import { createRenderer } from '../api/renderer.js';
import { namespaceOf, valueSources, type IO, type ValuesFlags } from './common.js';
import { UsageError } from '../errors.js';

export interface RenderFlags extends ValuesFlags {
  showOnly: string[];
  outputDir?: string;
  lookup?: boolean;
  debug?: boolean;
  skipTests?: boolean;
  /** false with `--no-hooks` (commander's negated option). */
  hooks?: boolean;
  isUpgrade?: boolean;
  /** With --output-dir: write below DIR/<release>/, as helm template --release-name. */
  releaseName?: boolean;
}


/**
 * `--show-only` for `--output-dir`: only the matching templates are written, and a pattern that
 * matches nothing fails before anything is (Helm wrote every file, then failed).
 */
function onlyShown(manifests: Manifest[], patterns: string[]): Manifest[] {
  if (patterns.length === 0) return manifests;
  const inChart = (m: Manifest): string => m.source.slice(m.source.indexOf('/') + 1);
  for (const p of patterns) {
    if (!manifests.some((m) => goPathMatch(p, inChart(m)))) throw templateNotFound(p, manifests.map(inChart));
  }
  return manifests.filter((m) => patterns.some((p) => goPathMatch(p, inChart(m))));
}

/** The shipped chart reads nothing from the cluster: `--lookup` only serves a chart of your own that calls `lookup`. */
export const LOOKUP_UNNEEDED =
  '--lookup: the shipped chart reads nothing from the cluster (credentials left empty are generated in the cluster by its credentials Job, see README "Secrets"); use --lookup only with --chart for a chart that calls lookup';

export async function renderCommand(release: string, flags: RenderFlags, io: IO): Promise<void> {
  // Usage errors before any values error.
  const namespace = namespaceOf(flags);
  checkReleaseOptions({ name: release, namespace, kubeVersion: flags.kubeVersion });
  if (flags.lookup && flags.chart === undefined) throw new UsageError(LOOKUP_UNNEEDED);
  const renderer = await createRenderer(flags.chart === undefined ? {} : { chart: flags.chart });
  const { manifests, text, warnings } = renderer.render({
    release,
    namespace,
    kubeVersion: flags.kubeVersion,
    apiVersions: flags.apiVersions,
    ...valueSources(flags),
    // --output-dir selects documents itself (below); the printed text applies --show-only.
    showOnly: flags.outputDir ? [] : flags.showOnly,
    skipTests: flags.skipTests === true,
    noHooks: flags.hooks === false,
    isUpgrade: flags.isUpgrade === true,
    ...(flags.lookup ? { lookup: kubectlLookup() } : {}),
  });
  for (const w of warnings) io.err(`${w}\n`);
  const noSchema = noSchemaWarning(flags.chart);
  if (noSchema) io.err(`${noSchema}\n`);
  if (flags.outputDir) {
    const shown = onlyShown(manifests, flags.showOnly);
    const layout = flags.releaseName ? { releaseName: release } : {};
    writeTree(flags.outputDir, outputDirLayout(shown, layout), `--output-dir ${flags.outputDir}`);
    io.out(outputDirLog(flags.outputDir, shown, layout));
  } else {
    io.out(text);
  }
}
