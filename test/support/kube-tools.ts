/**
 * The real Kubernetes tools the API-server tests (test/cluster) run, built by tools/build.sh from
 * their Go modules at pinned versions: tools/bin/kube-apiserver and tools/bin/kubectl
 * (k8s.io/kubernetes v1.37.2), tools/bin/etcd (go.etcd.io/etcd/server/v3 v3.7.3, embedded), and
 * tools/bin/crds.json, which names where the module cache holds the CRDs of the chart's optional
 * objects (sigs.k8s.io/gateway-api v1.6.3, github.com/external-secrets/external-secrets v0.16.2).
 * DIFY_CHART_KUBE_APISERVER, DIFY_CHART_KUBECTL and DIFY_CHART_ETCD name other binaries.
 *
 * No vitest import here: the global setup (test/cluster/global-setup.ts) loads this file in
 * vitest's main process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const KUBE_VERSION = 'v1.37.2';
export const ROOT = join(import.meta.dirname, '..', '..');
export const TOOLS_BIN = join(ROOT, 'tools', 'bin');

export interface KubeTools {
  apiserver: string;
  kubectl: string;
  etcd: string;
  /** Folder of Gateway API's standard CRDs (config/crd/standard) in the module cache. */
  gatewayApiCrds: string;
  /** External Secrets' CRD bundle (deploy/crds/bundle.yaml) in the module cache. */
  externalSecretsCrds: string;
}

export type Located = { ok: true; tools: KubeTools } | { ok: false; reason: string };

const BUILD = 'run tools/build.sh';

function versionOf(bin: string, args: string[], pick: (out: string) => string | undefined): string {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return `unusable (${r.error.message})`;
  return pick(r.stdout) ?? `unusable (${(r.stdout + r.stderr).trim().split('\n')[0]})`;
}

/** Finds and checks the tools; the reason names what is missing and how to build it. */
export function locateKubeTools(): Located {
  const apiserver = process.env['DIFY_CHART_KUBE_APISERVER'] ?? join(TOOLS_BIN, 'kube-apiserver');
  const kubectl = process.env['DIFY_CHART_KUBECTL'] ?? join(TOOLS_BIN, 'kubectl');
  const etcd = process.env['DIFY_CHART_ETCD'] ?? join(TOOLS_BIN, 'etcd');
  const crdsFile = join(TOOLS_BIN, 'crds.json');
  for (const bin of [apiserver, kubectl, etcd, crdsFile]) {
    if (!existsSync(bin)) return { ok: false, reason: `the API-server tests' tools are not built: ${BUILD} (${bin} is missing)` };
  }
  const server = versionOf(apiserver, ['--version'], (o) => /^Kubernetes (v\S+)$/m.exec(o)?.[1]);
  if (server !== KUBE_VERSION) return { ok: false, reason: `${apiserver} is ${server}, not kube-apiserver ${KUBE_VERSION}: ${BUILD}` };
  const client = versionOf(kubectl, ['version', '--client', '-o', 'json'], (o) => {
    try {
      return (JSON.parse(o) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion;
    } catch {
      return undefined;
    }
  });
  if (client !== KUBE_VERSION) return { ok: false, reason: `${kubectl} is ${client}, not kubectl ${KUBE_VERSION}: ${BUILD}` };
  const crds = JSON.parse(readFileSync(crdsFile, 'utf8')) as { gatewayApi?: string; externalSecrets?: string };
  if (!crds.gatewayApi || !existsSync(crds.gatewayApi) || !crds.externalSecrets || !existsSync(crds.externalSecrets)) {
    return { ok: false, reason: `${crdsFile} names CRDs the module cache no longer holds: ${BUILD}` };
  }
  return { ok: true, tools: { apiserver, kubectl, etcd, gatewayApiCrds: crds.gatewayApi, externalSecretsCrds: crds.externalSecrets } };
}

/** What the global setup hands the test files (vitest's provide/inject). */
export type ClusterInfo =
  | {
      /** A kubeconfig whose current context is the test cluster's admin (system:masters). */
      kubeconfig: string;
      /** https://127.0.0.1:PORT */
      server: string;
      kubectl: string;
      /** A folder holding only `kubectl` (a link to the one above), to put first on a child's PATH. */
      binDir: string;
      /** How long etcd and kube-apiserver took to be ready, in ms. */
      startupMs: number;
    }
  | { skip: string };

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterInfo;
  }
}
