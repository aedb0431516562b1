/**
 * `dify-chart lint`: what `helm lint --strict` plus kubeconform -strict would say, without either.
 * The values stage checks the values against the schema (a failure is a user error with its
 * file and path); the render stage renders the release; then check.ts validates every object
 * against the Kubernetes schemas and the chart's own rules.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkReleaseOptions } from '../render/release.js';
import { printManifests } from '../render/manifests.js';
import { createRenderer } from '../api/renderer.js';
import type { BuildValuesOptions } from '../values/index.js';
import { UserError } from '../errors.js';
import { lintObjects, manifestDocs, type Finding } from './check.js';
import { serverDryRun } from './server.js';

export { formatFinding, lintObjects, manifestDocs, textDocs, type Finding, type RenderedDoc } from './check.js';
export { serverDryRun, type ServerCheckOptions, type ServerCheckResult } from './server.js';

/** The values flags of render (values files and --set*) and the chart folder, whose own schema checks them (as render does). */
export interface LintOptions extends Pick<BuildValuesOptions, 'chartDir' | 'valueFiles' | 'set' | 'setString' | 'setFile' | 'setJson' | 'setLiteral'> {
  release?: string;
  namespace?: string;
  kubeVersion?: string;
  apiVersions?: string[];
  /**
   * Also send the render through the API server of the current kubeconfig context
   * (`kubectl apply --server-side --dry-run=server`): its errors are findings, its warnings
   * warnings. `true` runs `kubectl` from PATH; `{ kubectl }` names another.
   */
  server?: boolean | { kubectl?: string };
}

/** What a lint found: errors (findings) and warnings (Helm's values warnings; errors with --strict). */
export interface LintResult {
  findings: Finding[];
  warnings: string[];
}

/** Values stage, render stage, then every check; returns the findings (none means clean). */
export async function lintRelease(opts: LintOptions): Promise<Finding[]> {
  return (await lintChart(opts)).findings;
}

/**
 * lintRelease plus the values stage's warnings. The chart folder must hold a Chart.yaml: a lint
 * that could not read the chart fails rather than passing with no findings.
 */
export async function lintChart(opts: LintOptions): Promise<LintResult> {
  // Usage errors (release name, namespace, Kubernetes version) before anything is read.
  checkReleaseOptions({
    name: opts.release ?? 'release-name',
    namespace: opts.namespace ?? 'default',
    ...(opts.kubeVersion ? { kubeVersion: opts.kubeVersion } : {}),
  });
  const st = statSync(opts.chartDir, { throwIfNoEntry: false });
  if (!st) throw new UserError(`${opts.chartDir}: no such chart folder; give the folder that holds Chart.yaml`);
  if (!st.isDirectory() || !existsSync(join(opts.chartDir, 'Chart.yaml'))) {
    throw new UserError(`${opts.chartDir}: not a chart folder (no Chart.yaml); give the folder that holds Chart.yaml`);
  }
  // The same release pipeline as `render` (createRenderer): its manifests, not its printed text parsed again.
  const renderer = await createRenderer({ chart: opts.chartDir });
  const { manifests, warnings } = renderer.render({
    release: opts.release ?? 'release-name',
    namespace: opts.namespace ?? 'default',
    ...(opts.kubeVersion ? { kubeVersion: opts.kubeVersion } : {}),
    ...(opts.apiVersions ? { apiVersions: opts.apiVersions } : {}),
    valueFiles: opts.valueFiles,
    set: opts.set,
    setString: opts.setString,
    setFile: opts.setFile,
    setJson: opts.setJson,
    ...(opts.setLiteral ? { setLiteral: opts.setLiteral } : {}),
  });
  const { docs, findings } = manifestDocs(manifests);
  const local = [...findings, ...(await lintObjects(docs))];
  if (!opts.server) return { findings: local, warnings };
  const server = serverDryRun(printManifests(manifests), {
    namespace: opts.namespace ?? 'default',
    ...(typeof opts.server === 'object' && opts.server.kubectl ? { kubectl: opts.server.kubectl } : {}),
  });
  return { findings: [...local, ...server.findings], warnings: [...warnings, ...server.warnings] };
}
