/**
 * Helpers of the API-server tests (test/cluster): the run's kube-apiserver (started by
 * test/cluster/global-setup.ts), kubectl and real Helm against it, a fresh namespace per test
 * file, and the objects the server stored, normalised for comparison.
 *
 * A test file calls `clusterOrSkip()` at load time and skips its tests when it returns null
 * (the tools are not built; with CI=true the global setup has already failed the run).
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { exec } from './exec.js';
import { helm, helmCommand, type HelmMajor, type HelmRun } from './helm.js';
import type { ClusterInfo } from './kube-tools.js';
import type { K8sObject } from './k8s.js';

export type Cluster = Extract<ClusterInfo, { kubeconfig: string }>;

/** Why the cluster tests are skipped, when they are. */
export let clusterSkipReason = '';

/** The run's cluster, or null (with clusterSkipReason set) when its tools are not built. */
export function clusterOrSkip(): Cluster | null {
  const info = inject('cluster');
  if ('skip' in info) {
    clusterSkipReason = info.skip;
    return null;
  }
  return info;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child that talks to the test cluster: its kubeconfig, its kubectl first on PATH. */
export function clusterEnv(c: Cluster): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: c.kubeconfig, PATH: `${c.binDir}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
}

/** Runs a command with the cluster's environment; a hang past `timeoutMs` is killed and fails. */
export async function run(file: string, args: string[], c: Cluster, opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const r = await exec(file, args, { env: { ...clusterEnv(c), ...opts.env }, input: opts.input ?? '', timeoutMs: opts.timeoutMs ?? 120_000, killSignal: 'SIGKILL' });
  // A child that could not start is a failure of the test's setup, not a result.
  if (r.error && r.status === null && r.signal === null) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.signal ? `${r.stderr}\n(killed by ${r.signal})` : r.stderr };
}

export function kubectl(c: Cluster, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Run> {
  return run(c.kubectl, args, c, opts);
}

/** kubectl's `Warning: ...` lines (from the server's Warning headers), without the prefix. */
export function warnings(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('Warning: '))
    .map((l) => l.slice('Warning: '.length));
}

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/**
 * A new namespace named `<prefix>-<random>` at one Pod Security level (enforce, warn and audit,
 * version latest), with the `default` ServiceAccount a controller manager would have made (Pods
 * name it; none runs here).
 */
export async function freshNamespace(c: Cluster, prefix: string, level: PodSecurityLevel = 'restricted'): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const labels = Object.fromEntries(
    ['enforce', 'warn', 'audit'].flatMap((mode) => [
      [`pod-security.kubernetes.io/${mode}`, level],
      [`pod-security.kubernetes.io/${mode}-version`, 'latest'],
    ]),
  );
  const manifest = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n');
  const r = await kubectl(c, ['apply', '--server-side', '--field-manager=dify-chart-tests', '-f', '-'], { input: manifest });
  if (r.code !== 0) throw new Error(`cannot create namespace ${name}: ${r.stderr}`);
  return name;
}

/** `kubectl apply --server-side -n NS -f -` of a manifest text (kubectl's default, strict field validation). */
export function applyServerSide(c: Cluster, namespace: string, manifest: string, opts: { dryRun?: boolean; output?: 'json'; timeoutMs?: number } = {}): Promise<Run> {
  // --validate=strict (kubectl's default, named): an unknown or duplicate field is an error.
  const args = ['apply', '--server-side', '--validate=strict', '--field-manager=dify-chart-tests', '-n', namespace, '-f', '-'];
  if (opts.dryRun) args.push('--dry-run=server');
  if (opts.output) args.push('-o', opts.output);
  return kubectl(c, args, { input: manifest, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
}

/** Real Helm (test/support/helm.ts) against the test cluster. */
export function helmIn(c: Cluster, major: HelmMajor, args: string[], timeoutMs = 180_000): Promise<HelmRun> {
  return helm(major, args, { kubeconfig: c.kubeconfig, timeoutMs });
}

/** kubectl's name for a kind's resource: `deployment.apps`, `configmap`, `httproute.gateway.networking.k8s.io`. */
export function resourceOf(o: Pick<K8sObject, 'apiVersion' | 'kind'>): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
  return group ? `${o.kind.toLowerCase()}.${group}` : o.kind.toLowerCase();
}

/** `Kind/name` */
export const keyOf = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;

/** Every object of these kinds in the namespace, as the server stores them. */
export async function getObjects(c: Cluster, namespace: string, kinds: Pick<K8sObject, 'apiVersion' | 'kind'>[]): Promise<K8sObject[]> {
  const resources = [...new Set(kinds.map(resourceOf))].sort();
  const r = await kubectl(c, ['get', resources.join(','), '-n', namespace, '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl get ${resources.join(',')}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { items: K8sObject[] }).items;
}

/** The objects of `kubectl apply -o json` (one object, or a List of them). */
export function appliedObjects(stdout: string): K8sObject[] {
  const parsed = JSON.parse(stdout) as K8sObject & { items?: K8sObject[] };
  return parsed.kind === 'List' ? (parsed.items ?? []) : [parsed];
}

/** Every document of a manifest text, parsed (empty ones dropped). */
export function objectsOf(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

const SERVER_SET = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink'];
/** What `helm install` adds to every object, which a rendered manifest piped to kubectl cannot have. */
const HELM_ANNOTATIONS = ['meta.helm.sh/release-name', 'meta.helm.sh/release-namespace'];

/**
 * An object as stored, without what the server or Helm's bookkeeping set: metadata the server
 * fills (uid, resourceVersion, timestamps, managed fields; the uid wherever it was copied),
 * Helm's release annotations, status.
 * Defaults the server applied stay: both sides get the same.
 */
export function normalized(o: K8sObject): K8sObject {
  // The uid also appears where the server copies it (a Job's controller-uid selector and labels).
  const uid = (o.metadata as { uid?: string }).uid;
  const text = JSON.stringify(o);
  const copy = JSON.parse(uid ? text.split(uid).join('<uid>') : text) as K8sObject & { status?: unknown };
  delete copy.status;
  const meta = copy.metadata as Record<string, unknown> & { annotations?: Record<string, string> };
  for (const k of SERVER_SET) delete meta[k];
  if (meta.annotations) {
    for (const k of HELM_ANNOTATIONS) delete meta.annotations[k];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  return copy;
}

/**
 * The spec of a pod a workload's controller would create: the template's, and for a StatefulSet
 * its volumeClaimTemplates as the volumes of ordinal 0 (`<claim>-<set>-0`).
 */
export function podSpecOf(o: K8sObject): Record<string, unknown> {
  const template = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template;
  const spec = structuredClone(template.spec) as Record<string, unknown> & { volumes?: unknown[] };
  if (o.kind === 'StatefulSet') {
    const claims = (o.spec.volumeClaimTemplates ?? []) as { metadata: { name: string } }[];
    const volumes = claims.map((t) => ({ name: t.metadata.name, persistentVolumeClaim: { claimName: `${t.metadata.name}-${o.metadata.name}-0` } }));
    if (volumes.length > 0) spec.volumes = [...(spec.volumes ?? []), ...volumes];
  }
  return spec;
}

/** Real Helm against the test cluster, asynchronously: the test can act for the cluster (run hook Jobs) meanwhile. */
export async function helmInAsync(c: Cluster, major: HelmMajor, args: string[], timeoutMs = 180_000): Promise<Run> {
  const { bin, env } = helmCommand(major);
  return run(bin, args, c, { env: { ...env, KUBECONFIG: c.kubeconfig }, timeoutMs });
}
