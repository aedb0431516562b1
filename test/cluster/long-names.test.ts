/**
 * Long names on a real API server: a 58-character fullnameOverride (test/fixtures/values/
 * long-names.yaml) and a 53-character release name (Helm's longest; helm install of it too)
 * render StatefulSets, Deployments, Jobs and Services the server accepts, StatefulSet names
 * within 52 characters.
 * No controller runs here, so the pods a StatefulSet would make are created as its controller
 * would name and label them (`<name>-0`, controller-revision-hash `<name>-<10 characters>`),
 * with a server dry run: a 63-character StatefulSet is accepted itself but its pods are not.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { CHART, cli, fixture, tempDir } from '../cli/run.js';
import { applyServerSide, clusterOrSkip, clusterSkipReason, freshNamespace, getObjects, helmIn, keyOf, kubectl, objectsOf, podSpecOf, type Cluster } from '../support/cluster.js';
import { helmWithHooks, isHook } from '../support/generator.js';
import { HELM_MAJORS, helmOrSkip } from '../support/helm.js';
import type { K8sObject } from '../support/k8s.js';

const cluster = clusterOrSkip();
const haveHelm = helmOrSkip();
const c = cluster as Cluster;
const T = 120_000;
const LONG_RELEASE = 'r'.repeat(20) + '-tenant-acme-corporation-eu-west'; // 52 characters: with "dify" added, past 53

/** A pod as the StatefulSet controller would create it: name `<set>-0`, its hash and pod-name labels. */
function ordinalPod(set: K8sObject, ns: string): object {
  const labels = { ...(set.spec.template.metadata?.labels ?? {}), 'controller-revision-hash': `${set.metadata.name}-5d8f7c9b6a`, 'statefulset.kubernetes.io/pod-name': `${set.metadata.name}-0` };
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${set.metadata.name}-0`, namespace: ns, labels }, spec: { ...podSpecOf(set), hostname: `${set.metadata.name}-0`, subdomain: set.spec.serviceName } };
}

describe.skipIf(!cluster)(`long names on kube-apiserver${cluster ? '' : ` (skipped: ${clusterSkipReason})`}`, () => {
  const cases: [string, string[]][] = [
    ['a 58-character fullnameOverride (long-names.yaml)', ['release-name', '-f', fixture('long-names.yaml')]],
    [`a ${LONG_RELEASE.length + 1}-character release name`, [`${LONG_RELEASE}x`, '-f', fixture('long-names.yaml'), '--set', 'fullnameOverride=']],
  ];
  for (const [what, args] of cases) {
    it(what, async () => {
      // baseline: the sandbox's and plugin daemon's pods are created below too (apply.test.ts holds them to their level).
      const ns = await freshNamespace(c, 'long', 'baseline');
      const r = await cli(['render', ...args, '-n', ns]);
      expect(r.code, r.stderr).toBe(0);
      const rendered = objectsOf(r.stdout);
      const kinds = new Set(rendered.map((o) => o.kind));
      for (const k of ['StatefulSet', 'Deployment', 'Job', 'Service']) expect(kinds, k).toContain(k);
      expect(Math.max(...rendered.map((o) => o.metadata.name.length)), 'some name is long').toBeGreaterThan(52);

      const applied = await applyServerSide(c, ns, r.stdout);
      expect(applied.stderr).toBe('');
      expect(applied.code).toBe(0);
      const stored = await getObjects(c, ns, rendered);
      expect(stored.map(keyOf).sort()).toEqual(rendered.map(keyOf).sort());

      const sets = stored.filter((o) => o.kind === 'StatefulSet');
      expect(sets.length).toBeGreaterThan(0);
      for (const set of sets) {
        expect(set.metadata.name.length, set.metadata.name).toBeLessThanOrEqual(52);
        const pod = await kubectl(c, ['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(ordinalPod(set, ns)) });
        expect(pod.stderr, `the pods of ${set.metadata.name}`).toBe('');
        expect(pod.code).toBe(0);
      }
    }, T);
  }

  it.skipIf(!haveHelm)(`helm install accepts a ${LONG_RELEASE.length + 1}-character release name (Helm's longest) and creates what the render does`, async () => {
    const archive = await packageChart({ chartDir: CHART });
    const dir = tempDir('dify-cluster-long-');
    const tgz = join(dir, archive.fileName);
    writeFileSync(tgz, archive.bytes);
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const release = `${LONG_RELEASE}x`;
    for (const major of HELM_MAJORS) {
      const ns = await freshNamespace(c, `long-h${major}`, 'baseline');
      const args = ['-f', fixture('long-names.yaml'), '--set', 'fullnameOverride='];
      const r = await cli(['render', release, '-n', ns, ...args]);
      expect(r.code, r.stderr).toBe(0);
      // Hooks are not release objects (the helm test Job; the credentials generator, run and deleted).
      const rendered = objectsOf(r.stdout).filter((o) => !isHook(o));
      const { run: install } = await helmWithHooks(c, major, ['install', release, tgz, '-n', ns, ...args]);
      expect(install.code, `helm ${major}: ${install.stderr}`).toBe(0);
      const stored = (await getObjects(c, ns, rendered)).filter((o) => o.metadata.annotations?.['meta.helm.sh/release-name'] === release);
      expect(stored.map(keyOf).sort(), `helm ${major}`).toEqual(rendered.map(keyOf).sort());
      for (const set of stored.filter((o) => o.kind === 'StatefulSet')) expect(set.metadata.name.length, set.metadata.name).toBeLessThanOrEqual(52);
      // One character more is past Helm's limit.
      const over = await helmIn(c, major, ['install', `${release}y`, tgz, '-n', ns, ...args]);
      expect(over.code, `helm ${major}`).not.toBe(0);
      expect(over.stderr, `helm ${major}`).toMatch(/release name .*(exceeds max length of 53|invalid)/i);
    }
  }, 240_000);

  it('the pod check can fail: a 63-character StatefulSet is stored, its pods refused', async () => {
    const ns = await freshNamespace(c, 'long-neg', 'baseline');
    const name = 's'.repeat(63);
    const set = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, namespace: ns },
      spec: {
        serviceName: 'x',
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    };
    const applied = await applyServerSide(c, ns, JSON.stringify(set));
    expect(applied.code, applied.stderr).toBe(0);
    const pod = await kubectl(c, ['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(ordinalPod(set as unknown as K8sObject, ns)) });
    expect(pod.code).not.toBe(0);
    expect(pod.stderr).toMatch(/must be no more than 63 (characters|bytes)/);
  }, T);
});
