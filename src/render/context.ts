/** Helm's top-level template objects (Release, Capabilities) from render options. */
import type { ValueMap } from '../values/types.js';
import { UsageError, UserError } from '../errors.js';
import { KubeVersionStruct, parseKubeVersion } from '../go/kubeversion.js';
import { DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION, HELM_VERSION } from './capabilities.js';
import { HELPERS } from './helpers.js';

export { DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION };
import type { ChartMetadata, RenderContext } from './engine.js';

export interface ReleaseOptions {
  name: string;
  namespace: string;
  kubeVersion?: string;
  apiVersions?: string[];
  /** `--is-upgrade`: Release.IsUpgrade instead of Release.IsInstall (the revision stays 1, as in Helm). */
  isUpgrade?: boolean;
}

/** Capabilities.KubeVersion as Helm 3.21 reads `--kube-version` (GitVersion is its deprecated alias of Version). */
export function kubeVersionCapability(v: string): KubeVersionStruct {
  const r = parseKubeVersion(v);
  if (!r.ok) throw new UsageError(`--kube-version: ${r.error}`);
  return new KubeVersionStruct(r.version);
}

/** Helm's check of Chart.yaml's kubeVersion against the target Kubernetes (pkg/action/install.go). */
export function assertKubeVersion(chart: ChartMetadata, kubeVersion: string): void {
  const constraint = (chart as { KubeVersion?: unknown }).KubeVersion;
  if (typeof constraint !== 'string' || constraint === '') return;
  let ok = false;
  try {
    ok = HELPERS.semverCompare!(constraint, kubeVersion) === true;
  } catch {
    ok = false; // an invalid constraint is incompatible, as chartutil.IsCompatibleRange says
  }
  if (!ok) throw new UserError(`chart requires kubeVersion: ${constraint} which is incompatible with Kubernetes ${kubeVersion}`);
}

export function renderContext(values: ValueMap, chart: ChartMetadata, opts: ReleaseOptions): RenderContext {
  const kube = kubeVersionCapability(opts.kubeVersion ?? DEFAULT_KUBE_VERSION);
  assertKubeVersion(chart, kube.Version);
  return {
    Values: values,
    Release: { Name: opts.name, Namespace: opts.namespace, Service: 'Helm', IsInstall: !opts.isUpgrade, IsUpgrade: opts.isUpgrade === true, Revision: 1n },
    Chart: chart,
    Capabilities: {
      KubeVersion: kube,
      APIVersions: [...DEFAULT_API_VERSIONS, ...(opts.apiVersions ?? [])],
      HelmVersion: { Version: HELM_VERSION },
    },
  };
}
