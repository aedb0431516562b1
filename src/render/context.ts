/** Helm's top-level template objects (Release, Capabilities) from render options. */
import { UsageError, UserError, type ValueMap } from '../values/types.js';
import { HELPERS } from './helpers.js';
import type { ChartMetadata, RenderContext } from './engine.js';

/** The Kubernetes version `helm template` assumes when not told otherwise (Helm 3.15's client-go). */
export const DEFAULT_KUBE_VERSION = 'v1.30.0';

/** The group/versions every supported cluster serves; `--api-versions` adds to them, as in Helm. */
export const DEFAULT_API_VERSIONS = [
  'v1',
  'apps/v1',
  'batch/v1',
  'autoscaling/v1',
  'autoscaling/v2',
  'policy/v1',
  'networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1',
  'storage.k8s.io/v1',
  'apiextensions.k8s.io/v1',
  'coordination.k8s.io/v1',
  'discovery.k8s.io/v1',
];

export interface ReleaseOptions {
  name: string;
  namespace: string;
  kubeVersion?: string;
  apiVersions?: string[];
}

export function parseKubeVersion(v: string): { Version: string; Major: string; Minor: string; GitVersion: string } {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?([-+].*)?$/.exec(v.trim());
  if (!m) throw new UsageError(`--kube-version: invalid Kubernetes version ${JSON.stringify(v)} (expected e.g. 1.30.0)`);
  const version = `v${m[1]}.${m[2]}.${m[3] ?? '0'}${m[4] ?? ''}`;
  return { Version: version, Major: m[1]!, Minor: m[2]!, GitVersion: version };
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
  const kube = parseKubeVersion(opts.kubeVersion ?? DEFAULT_KUBE_VERSION);
  assertKubeVersion(chart, kube.Version);
  return {
    Values: values,
    Release: { Name: opts.name, Namespace: opts.namespace, Service: 'Helm', IsInstall: true, IsUpgrade: false, Revision: 1n },
    Chart: chart,
    Capabilities: {
      KubeVersion: kube,
      APIVersions: [...DEFAULT_API_VERSIONS, ...(opts.apiVersions ?? [])],
      HelmVersion: { Version: 'v3.15.0' },
    },
  };
}
