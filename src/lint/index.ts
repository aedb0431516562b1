/**
 * `dify-chart lint`: what `helm lint --strict` plus kubeconform -strict would say, without either.
 * The values stage checks the values against the schema (a failure is a user error with its
 * file and path); the render stage renders the release; then check.ts validates every object
 * against the Kubernetes schemas and the chart's own rules.
 */
import { renderChartText } from '../render/release.js';
import { buildValues, type BuildValuesOptions } from '../values/index.js';
import { lintObjects, splitManifests, type Finding } from './check.js';

export { formatFinding, lintObjects, splitManifests, type Finding, type RenderedDoc } from './check.js';

export interface LintOptions extends BuildValuesOptions {
  release?: string;
  namespace?: string;
  kubeVersion?: string;
  apiVersions?: string[];
}

/** Values stage, render stage, then every check; returns the findings (none means clean). */
export async function lintRelease(opts: LintOptions): Promise<Finding[]> {
  const { values } = buildValues(opts);
  const text = renderChartText(opts.chartDir, values, {
    name: opts.release ?? 'release-name',
    namespace: opts.namespace ?? 'default',
    ...(opts.kubeVersion ? { kubeVersion: opts.kubeVersion } : {}),
    ...(opts.apiVersions ? { apiVersions: opts.apiVersions } : {}),
  });
  const { docs, findings } = splitManifests(text);
  return [...findings, ...(await lintObjects(docs))];
}
