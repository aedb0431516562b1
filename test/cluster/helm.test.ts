/**
 * Real Helm (3.21.4 and 4.3.2) against the test cluster's kube-apiserver, with the packaged
 * archive (packaged in-process as test/conformance/fixtures.test.ts does):
 *
 * - `helm install` creates the same objects as `dify-chart render | kubectl apply --server-side`
 *   (kind/name sets, and each object as stored, without what the server or Helm's bookkeeping set);
 * - `helm upgrade` keeps every generated credential (made once, in the cluster, by the chart's
 *   generator hook), and changes a pod's checksum annotations only when a ConfigMap or Secret it
 *   reads changed, from the first upgrade on;
 * - `helm uninstall` leaves the generated credentials, and removes everything else of the release.
 *
 * The chart's one hook is the credentials generator, rendered only when a credential is left
 * empty: with every credential pinned there is none (asserted below), so `helm install` waits for
 * nothing a kubelet would have to run; where there is one, the test runs it as the kubelet would
 * (test/support/generator.ts; test/cluster/credentials.test.ts holds the generator itself). No pod runs.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { CHART, cli, fixture, PINNED, tempDir } from '../cli/run.js';
import {
  applyServerSide,
  appliedObjects,
  clusterOrSkip,
  clusterSkipReason,
  freshNamespace,
  getObjects,
  helmIn,
  helmInAsync,
  keyOf,
  kubectl,
  normalized,
  objectsOf,
  type Cluster,
} from '../support/cluster.js';
import { actForGeneratorJobs, helmWithHooks, isHook, markJobComplete, python3OrSkip } from '../support/generator.js';
import { HELM_MAJORS, helmOrSkip } from '../support/helm.js';
import type { K8sObject } from '../support/k8s.js';

const cluster = clusterOrSkip();
const python = python3OrSkip();
const haveHelm = helmOrSkip();
const c = cluster as Cluster;
const T = 240_000;
const RELEASE = 'dify';
let tgz = '';

beforeAll(async () => {
  if (!cluster) return;
  const archive = await packageChart({ chartDir: CHART });
  tgz = join(tempDir('dify-cluster-helm-'), archive.fileName);
  writeFileSync(tgz, archive.bytes);
}, 120_000);
afterAll(() => {
  if (tgz) rmSync(dirname(tgz), { recursive: true, force: true });
});

/** A Secret's data, as the server holds it. */
async function secretData(ns: string, name: string): Promise<Record<string, string> | undefined> {
  const r = await kubectl(c, ['get', 'secret', name, '-n', ns, '-o', 'json', '--ignore-not-found']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as K8sObject).data : undefined;
}

const POD_WORKLOADS = new Set(['Deployment', 'StatefulSet']);

/** Each Deployment's and StatefulSet's pod template annotations, by Kind/name. */
function podAnnotations(objects: K8sObject[]): Map<string, Record<string, string>> {
  return new Map(objects.filter((o) => POD_WORKLOADS.has(o.kind)).map((o) => [keyOf(o), (o.spec.template.metadata?.annotations ?? {}) as Record<string, string>]));
}

/** `Kind/name annotation` for each pod annotation that differs between two snapshots. */
function changedAnnotations(a: Map<string, Record<string, string>>, b: Map<string, Record<string, string>>): string[] {
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const [x, y] = [a.get(key) ?? {}, b.get(key) ?? {}];
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) if (x[k] !== y[k]) out.push(`${key} ${k}`);
  }
  return out.sort();
}

/** The ConfigMaps and Secrets a pod template reads (envFrom, env valueFrom, volumes, projected sources). */
function readsOf(o: K8sObject): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') {
      const rec = v as Record<string, unknown>;
      if ((key === 'configMapRef' || key === 'configMapKeyRef' || key === 'configMap') && typeof rec['name'] === 'string') configMaps.add(rec['name']);
      if ((key === 'secretRef' || key === 'secretKeyRef') && typeof rec['name'] === 'string') secrets.add(rec['name']);
      if (key === 'secret' && typeof rec['secretName'] === 'string') secrets.add(rec['secretName']);
      if (key === 'secret' && typeof rec['name'] === 'string') secrets.add(rec['name']);
      for (const [k, x] of Object.entries(rec)) walk(x, k);
    }
  };
  walk(o.spec.template.spec, '');
  return { configMaps, secrets };
}

const KINDS = (objects: K8sObject[]): Pick<K8sObject, 'apiVersion' | 'kind'>[] => objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind }));

/** Service addresses the server allocates anew for every create, dry run or not. */
function comparable(o: K8sObject): K8sObject {
  const n = normalized(o);
  if (n.kind === 'Service' && n.spec) {
    delete n.spec.clusterIP;
    delete n.spec.clusterIPs;
  }
  return n;
}

describe.skipIf(!cluster || !haveHelm || !python)(`helm install, upgrade and uninstall on kube-apiserver${cluster ? '' : ` (skipped: ${clusterSkipReason})`}`, () => {
  it('with every credential pinned the chart has no install hooks: helm install waits for no Job a kubelet would have to run', async () => {
    const r = await cli(['render', RELEASE, '-f', PINNED]);
    expect(r.code, r.stderr).toBe(0);
    // Only the `helm test` Job, which helm install does not run.
    expect([...r.stdout.matchAll(/helm\.sh\/hook: (.*)/g)].map((m) => m[1])).toEqual(['test']);
    expect(objectsOf(r.stdout).some((o) => o.kind === 'Job')).toBe(true); // the migration Job, a plain one
  });

  for (const major of HELM_MAJORS) {
    it(`helm ${major} test creates the rendered test Job only then, waits for it, and deletes it once it succeeded`, async () => {
      const ns = await freshNamespace(c, `test-h${major}`, 'restricted');
      const install = await helmIn(c, major, ['install', RELEASE, tgz, '-n', ns, '-f', PINNED]);
      expect(install.code, install.stderr).toBe(0);
      const r = await cli(['render', RELEASE, '-n', ns, '-f', PINNED]);
      expect(r.code, r.stderr).toBe(0);
      const job = objectsOf(r.stdout).find((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test')!;
      const getJob = async (): Promise<K8sObject | undefined> => {
        const g = await kubectl(c, ['get', 'job', job.metadata.name, '-n', ns, '-o', 'json', '--ignore-not-found']);
        expect(g.code, g.stderr).toBe(0);
        return g.stdout.trim() ? (JSON.parse(g.stdout) as K8sObject) : undefined;
      };
      expect(await getJob(), 'helm install does not run it').toBeUndefined();
      // The Job controller's part (no pod runs here; test/chart/helm-test.test.ts runs its program): complete it once Helm created it.
      let created: K8sObject | undefined;
      const controller = (async () => {
        for (let i = 0; i < 400 && !created; i++) {
          created = await getJob();
          if (created) {
            const m = await markJobComplete(c, ns, job.metadata.name);
            expect(m.code, m.stderr).toBe(0);
          } else await new Promise((res) => setTimeout(res, 250));
        }
      })();
      const t = await helmInAsync(c, major, ['test', RELEASE, '-n', ns]);
      await controller;
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout).toMatch(/Phase:\s+Succeeded/);
      expect(created!.spec.template.spec.containers[0].env).toEqual(job.spec.template.spec.containers[0].env);
      expect(await getJob(), 'hook-succeeded deletes it').toBeUndefined();
    }, T);

    // The defaults, and the fixtures with custom resources (ExternalSecret, HTTPRoute) and long names.
    for (const values of ['defaults.yaml', 'external-secrets.yaml', 'httproute.yaml', 'long-names.yaml']) {
      it(`helm ${major} install creates the objects dify-chart render | kubectl apply creates: ${values}`, async () => {
        const ns = await freshNamespace(c, `install-h${major}`, 'restricted');
        const file = fixture(values);
        const r = await cli(['render', RELEASE, '-n', ns, '--kube-version', 'v1.37.2', '-f', file]);
        expect(r.code, r.stderr).toBe(0);
        const all = objectsOf(r.stdout);
        // Hooks are not release objects (kubectl applies them as ordinary ones): Helm runs the
        // credentials generator (where a credential is left empty) before install and deletes it
        // once it succeeded, and creates the `helm test` Job only for `helm test`.
        const rendered = all.filter((o) => !isHook(o));
        expect(all.filter((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test')).toHaveLength(1);
        // What kubectl would store, before Helm stores its own: a server-side dry run.
        const dry = await applyServerSide(c, ns, r.stdout, { dryRun: true, output: 'json' });
        expect(dry.code, dry.stderr).toBe(0);
        const ours = appliedObjects(dry.stdout).filter((o) => !isHook(o));

        const { run: install } = await helmWithHooks(c, major, ['install', RELEASE, tgz, '-n', ns, '-f', file]);
        expect(install.code, install.stderr).toBe(0);
        const theirs = await getObjects(c, ns, KINDS(rendered));
        const released = theirs.filter((o) => o.metadata.annotations?.['meta.helm.sh/release-name'] === RELEASE);
        expect(released.map(keyOf).sort()).toEqual(rendered.map(keyOf).sort());
        expect(ours.map(keyOf).sort()).toEqual(rendered.map(keyOf).sort());
        const byKey = new Map(ours.map((o) => [keyOf(o), comparable(o)]));
        for (const o of released) expect(comparable(o), keyOf(o)).toEqual(byKey.get(keyOf(o)));
      }, T);
    }

    it(`helm ${major} upgrade keeps every generated credential; checksums change only with what a pod reads`, async () => {
      const ns = await freshNamespace(c, `upgrade-h${major}`, 'restricted');
      const secretName = `${RELEASE}-generated-credentials`;
      // No credential pinned: the chart's generator hook makes them, once.
      const withHooks = async (args: string[]) => {
        const kubelet = actForGeneratorJobs(c, ns);
        const r = await helmInAsync(c, major, args);
        const runs = await kubelet.stop();
        expect(runs.map((x) => x.run.code), JSON.stringify(runs)).toEqual([0]);
        return r;
      };
      const install = await withHooks(['install', RELEASE, tgz, '-n', ns]);
      expect(install.code, install.stderr).toBe(0);
      const render = await cli(['render', RELEASE, '-n', ns]);
      expect(render.code, render.stderr).toBe(0);
      const kinds = KINDS(objectsOf(render.stdout));
      const credentials = await secretData(ns, secretName);
      expect(Object.keys(credentials ?? {}).length, 'generated credentials').toBeGreaterThan(0);
      const before = await getObjects(c, ns, kinds);

      // The same values: no credential and no pod checksum changes (the render holds no random value).
      const first = await withHooks(['upgrade', RELEASE, tgz, '-n', ns]);
      expect(first.code, first.stderr).toBe(0);
      expect(await secretData(ns, secretName)).toEqual(credentials);
      const settled = await getObjects(c, ns, kinds);
      expect(changedAnnotations(podAnnotations(before), podAnnotations(settled))).toEqual([]);

      // The same values again: nothing a pod reads changes, nor any checksum.
      const same = await withHooks(['upgrade', RELEASE, tgz, '-n', ns]);
      expect(same.code, same.stderr).toBe(0);
      expect(await secretData(ns, secretName)).toEqual(credentials);
      const unchanged = await getObjects(c, ns, kinds);
      expect(podAnnotations(unchanged)).toEqual(podAnnotations(settled));

      // A configuration change: the pods that read a changed ConfigMap get a new checksum, the others keep theirs.
      const changed = await withHooks(['upgrade', RELEASE, tgz, '-n', ns, '--set', 'dify.logLevel=DEBUG']);
      expect(changed.code, changed.stderr).toBe(0);
      expect(await secretData(ns, secretName)).toEqual(credentials);
      const after = await getObjects(c, ns, kinds);
      const dataOf = (objs: K8sObject[]): Map<string, string> =>
        new Map(
          objs
            // The chart's, not Helm's release records (Secrets sh.helm.release.v1.*).
            .filter((o) => (o.kind === 'ConfigMap' || o.kind === 'Secret') && o.metadata.labels?.['app.kubernetes.io/instance'] === RELEASE)
            .map((o) => [keyOf(o), JSON.stringify(o.data ?? {})]),
        );
      const [oldData, newData] = [dataOf(unchanged), dataOf(after)];
      const changedData = new Set([...newData].filter(([k, v]) => oldData.get(k) !== v).map(([k]) => k));
      expect(changedData.size, 'dify.logLevel changes a ConfigMap').toBeGreaterThan(0);
      expect([...changedData].filter((k) => !k.startsWith('ConfigMap/')), 'no Secret changes').toEqual([]);
      const [oldPods, newPods] = [podAnnotations(unchanged), podAnnotations(after)];
      let restarted = 0;
      for (const o of after.filter((x) => POD_WORKLOADS.has(x.kind))) {
        const { configMaps, secrets } = readsOf(o);
        const readsChanged = [...configMaps].some((n) => changedData.has(`ConfigMap/${n}`)) || [...secrets].some((n) => changedData.has(`Secret/${n}`));
        const checksums = (m: Record<string, string> | undefined): Record<string, string> =>
          Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => k.startsWith('checksum/')));
        const [was, is] = [checksums(oldPods.get(keyOf(o))), checksums(newPods.get(keyOf(o)))];
        if (readsChanged) {
          restarted++;
          expect(is, `${keyOf(o)} reads a changed ConfigMap: a checksum must change`).not.toEqual(was);
          // Only the config checksum: the credentials did not change.
          expect(is['checksum/secret'], keyOf(o)).toBe(was['checksum/secret']);
        } else {
          expect(is, `${keyOf(o)} reads nothing that changed`).toEqual(was);
        }
      }
      expect(restarted).toBeGreaterThan(0);

      // Uninstall: the generated credentials stay (Helm never owned them), everything else of the release goes.
      const un = await helmIn(c, major, ['uninstall', RELEASE, '-n', ns]);
      expect(un.code, un.stderr).toBe(0);
      expect(await secretData(ns, secretName)).toEqual(credentials);
      const left = (await getObjects(c, ns, kinds)).filter((o) => o.metadata.labels?.['app.kubernetes.io/instance'] === RELEASE);
      const deleting = (o: K8sObject): boolean => (o.metadata as { deletionTimestamp?: string }).deletionTimestamp !== undefined;
      // The chart's own PVCs (uploaded files, plugins) carry no resource-policy keep: Helm deletes
      // them. They wait here for the pvc-protection finalizer no controller manager removes. (A
      // StatefulSet's claims are not release objects: Helm never deletes those.)
      const pvcs = left.filter((o) => o.kind === 'PersistentVolumeClaim');
      expect(pvcs.length).toBeGreaterThan(0);
      for (const pvc of pvcs) expect(deleting(pvc), `${keyOf(pvc)} is being deleted`).toBe(true);
      // (The generated Secret, checked above, is not of a kind this release renders: nothing pinned, no Secret.)
      expect(left.filter((o) => !deleting(o)).map(keyOf)).toEqual([]);
    }, T);
  }
});
