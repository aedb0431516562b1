/**
 * A real Kubernetes API server (kube-apiserver v1.37.2, test/cluster/global-setup.ts) accepts
 * every render: `dify-chart render release-name -n NS -f F | kubectl apply --server-side -f -`
 * into a fresh namespace at Pod Security "restricted" (enforce, warn, audit) succeeds with no
 * error (kubectl's strict field validation: an unknown or duplicate field is an error) and no
 * warning (deprecated API, Pod Security, ...), for every fixture and a few generated values.
 *
 * Two components cannot meet "restricted" (chart/values.yaml says why; see also
 * test/hardening/pod-security.test.ts): the sandbox (root, and the capabilities it chroots and
 * drops privileges with) and the plugin daemon (root). Their workloads draw exactly the Pod
 * Security warnings listed in EXCEPTIONS and no other; below, Pods made from every pod template
 * are admitted at the level each component needs and the excepted ones refused at "restricted".
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, FIXTURES, PINNED, tempDir } from '../cli/run.js';
import { applyServerSide, clusterOrSkip, clusterSkipReason, freshNamespace, kubectl, objectsOf, podSpecOf, warnings, type Cluster, type PodSecurityLevel } from '../support/cluster.js';
import type { K8sObject } from '../support/k8s.js';

const cluster = clusterOrSkip();
const c = cluster as Cluster;
const T = 120_000;
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();
/** The cluster's version: what a user renders for it (the chart reads no Capabilities). */
const KUBE = ['--kube-version', 'v1.37.2'];

/**
 * The Pod Security levels the chart's components need, by app.kubernetes.io/component, with the
 * violations of "restricted" kube-apiserver reports for them (PodSecurity's check names, in its
 * order). Every other component meets "restricted".
 */
const EXCEPTIONS: Record<string, { level: PodSecurityLevel; restrictedViolations: string[] }> = {
  sandbox: { level: 'baseline', restrictedViolations: ['unrestricted capabilities', 'runAsNonRoot != true', 'runAsUser=0'] },
  'plugin-daemon': { level: 'baseline', restrictedViolations: ['runAsNonRoot != true'] },
};

/**
 * Warnings the server gives for a fixture's own values, not yet fixed in the chart. The test
 * requires exactly these, so it fails when one goes away: then delete it here.
 */
const KNOWN_WARNINGS: Record<string, string[]> = {
  // global.topologySpreadConstraints without a labelSelector is copied into every component as
  // is: the server warns that such a constraint matches no pod, so it spreads nothing. (The
  // chart could fill in each component's selector labels, or the schema require a selector.)
  'strings.yaml': ['spec.template.spec.topologySpreadConstraints[0].labelSelector: a null labelSelector results in matching no pod'],
};

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'Job', 'CronJob', 'DaemonSet']);

interface PodTemplate {
  workload: string;
  component: string;
  template: { metadata?: { labels?: Record<string, string> } };
  /** The pod spec its controller would create: a StatefulSet's claims added as volumes. */
  spec: Record<string, unknown>;
}

function podTemplates(objects: K8sObject[]): PodTemplate[] {
  return objects
    .filter((o) => WORKLOADS.has(o.kind))
    .map((o) => {
      const template = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template;
      return { workload: `${o.kind}/${o.metadata.name}`, component: template.metadata?.labels?.['app.kubernetes.io/component'] ?? '?', template, spec: podSpecOf(o) };
    });
}

/** `would violate PodSecurity "restricted:latest": a (...), b (...)` -> [a, b] */
function violationNames(warning: string): string[] | undefined {
  const m = /^would violate PodSecurity "restricted:latest": (.*)$/.exec(warning);
  if (!m) return undefined;
  // Each violation is `name (detail)`; details hold no parentheses of their own.
  return [...m[1]!.matchAll(/(?:^|, )([^(]+?) \([^)]*\)/g)].map((v) => v[1]!);
}

/**
 * Applies a render into a fresh restricted namespace: no error, and no warning but the Pod
 * Security warnings of EXCEPTIONS' components (and a fixture's KNOWN_WARNINGS).
 */
async function applyClean(args: string[], prefix: string, known?: string[]): Promise<K8sObject[]> {
  const ns = await freshNamespace(c, prefix, 'restricted');
  const r = await cli(['render', 'release-name', '-n', ns, ...KUBE, ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const objects = objectsOf(r.stdout);
  const applied = await applyServerSide(c, ns, r.stdout);
  expect(applied.stderr.split('\n').filter((l) => l && !l.startsWith('Warning: ')), 'kubectl errors').toEqual([]);
  expect(applied.code).toBe(0);
  // Every object was accepted and stored.
  expect(applied.stdout.trim().split('\n')).toHaveLength(objects.length);

  const expected = podTemplates(objects)
    .filter((p) => p.component in EXCEPTIONS)
    .map((p) => EXCEPTIONS[p.component]!.restrictedViolations)
    .map((v) => v.join(', '))
    .sort();
  const got = warnings(applied.stderr).map((w) => violationNames(w)?.join(', ') ?? w);
  // kubectl prints a warning text once however many objects drew it.
  expect([...new Set(got)].sort()).toEqual([...new Set([...expected, ...(known ?? [])])].sort());
  return objects;
}

describe.skipIf(!cluster)('the judge can fail', () => {
  const deployment = (ns: string, container: Record<string, unknown>): string =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'probe', namespace: ns },
      spec: {
        selector: { matchLabels: { app: 'probe' } },
        template: { metadata: { labels: { app: 'probe' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.37', ...container }] } },
      },
    });

  it('an unknown field is an error', async () => {
    const ns = await freshNamespace(c, 'judge', 'restricted');
    const r = await applyServerSide(c, ns, deployment(ns, { imagePullPolicyy: 'Always' }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolicyy"|field not declared in schema/);
  }, T);

  it('a pod template below restricted draws a Pod Security warning', async () => {
    const ns = await freshNamespace(c, 'judge', 'restricted');
    const r = await applyServerSide(c, ns, deployment(ns, { securityContext: { capabilities: { add: ['NET_RAW'] } } }));
    expect(r.code, r.stderr).toBe(0);
    const w = warnings(r.stderr);
    expect(w).toHaveLength(1);
    expect(violationNames(w[0]!)).toEqual(['allowPrivilegeEscalation != false', 'unrestricted capabilities', 'runAsNonRoot != true', 'seccompProfile']);
  }, T);
});

describe.skipIf(!cluster)(`kube-apiserver accepts every fixture's render${cluster ? '' : ` (skipped: ${clusterSkipReason})`}`, () => {
  it('has the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(12);
  });

  for (const fixture of fixtures) {
    it(fixture, async () => {
      await applyClean(['-f', join(FIXTURES, fixture)], 'apply', KNOWN_WARNINGS[fixture]);
    }, T);
  }
});

// A few values samples in the style of test/hardening/property.test.ts: annotations, labels,
// extra environment, resources, replica counts and routes a user may set.
const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,14}[a-z0-9])?$/);
const hostname = fc.array(dnsLabel, { minLength: 2, maxLength: 4 }).map((p) => p.join('.'));
const annotationKey = fc
  .tuple(fc.option(hostname, { nil: undefined }), fc.stringMatching(/^[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,20}[a-zA-Z0-9])?$/))
  .map(([p, n]) => (p ? `${p}/${n}` : n));
const labelValue = fc.stringMatching(/^([a-zA-Z0-9]([-a-zA-Z0-9_.]{0,30}[a-zA-Z0-9])?)?$/);
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom('yes', 'no', 'null', '~', '0123', '1e3', 'true', '', '---', 'x\ny'));
const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,15}$/);
// A request above its limit is refused by the server, and the schema does not relate the two:
// property.test.ts's samples may have one, and so may a request alone, above the limit the
// chart's defaults keep (sandbox.resources.requests.memory: 2Gi meets the default 1Gi limit).
// So each sample sets both, for cpu and memory, the limit its request times 1 to 4.
const quantity = (units: string[]) =>
  fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.constantFrom(...units), fc.integer({ min: 1, max: 4 })).map(([n, u, k]) => ({ request: `${n}${u}`, limit: `${n * k}${u}` }));
const resources = fc
  .record({ cpu: quantity(['m', '']), memory: quantity(['Mi', 'Gi']) })
  .map(({ cpu, memory }) => ({ requests: { cpu: cpu.request, memory: memory.request }, limits: { cpu: cpu.limit, memory: memory.limit } }));
const component = (maxReplicas: number) =>
  fc.record(
    {
      enabled: fc.boolean(),
      replicaCount: fc.integer({ min: 0, max: maxReplicas }),
      resources,
      extraEnv: fc.uniqueArray(fc.record({ name: envName, value: text }), { selector: (e) => e.name, maxLength: 3 }),
      podAnnotations: fc.dictionary(annotationKey, text, { maxKeys: 3 }),
      podLabels: fc.dictionary(annotationKey, labelValue, { maxKeys: 2 }),
    },
    { requiredKeys: [] },
  );
const sampleValues = fc.record(
  {
    commonAnnotations: fc.dictionary(annotationKey, text, { maxKeys: 3 }),
    commonLabels: fc.dictionary(annotationKey, labelValue, { maxKeys: 2 }),
    api: component(1),
    worker: component(1),
    web: component(5),
    sandbox: component(3),
    ssrfProxy: component(3),
    proxy: component(3),
    dify: fc.record({ extraConfig: fc.dictionary(envName, text, { maxKeys: 3 }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const SAMPLES = fc.sample(sampleValues, { seed: 20261203, numRuns: 5 });

describe.skipIf(!cluster)('kube-apiserver accepts generated values', () => {
  const dir = cluster ? tempDir('dify-cluster-values-') : '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  SAMPLES.forEach((values, i) => {
    it(`sample ${i + 1} of ${SAMPLES.length}`, async () => {
      const file = join(dir, `sample-${i + 1}.json`);
      writeFileSync(file, JSON.stringify(values));
      await applyClean(['-f', PINNED, '-f', file], 'sample');
    }, T);
  });
});

describe.skipIf(!cluster)('Pod Security: each component at the level it needs', () => {
  /** A Pod of each pod template, created with --dry-run=server: enforce admits or refuses it. */
  async function createPods(ns: string, pods: PodTemplate[]): Promise<Map<string, { code: number | null; stderr: string }>> {
    const out = new Map<string, { code: number | null; stderr: string }>();
    for (const p of pods) {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${p.component}`, namespace: ns, labels: p.template.metadata?.labels ?? {} }, spec: p.spec };
      const r = await kubectl(c, ['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(pod) });
      out.set(p.workload, { code: r.code, stderr: r.stderr });
    }
    return out;
  }

  it('restricted admits every pod but the sandbox and plugin daemon, which it refuses for exactly their violations', async () => {
    const ns = await freshNamespace(c, 'pods-restricted', 'restricted');
    const r = await cli(['render', 'release-name', '-n', ns, ...KUBE, '-f', PINNED]);
    expect(r.code, r.stderr).toBe(0);
    const pods = podTemplates(objectsOf(r.stdout));
    const components = new Set(pods.map((p) => p.component));
    // The local sandbox meets restricted too: non-root uid 1000, no capabilities, RuntimeDefault seccomp (Landlock needs none of them).
    for (const k of ['api', 'api-websocket', 'worker', 'beat', 'web', 'sandbox', 'plugin-daemon', 'ssrf-proxy', 'proxy', 'migration', 'postgresql', 'redis', 'weaviate', 'agent-backend', 'local-sandbox', 'agent-ssrf-proxy']) expect(components).toContain(k);
    const results = await createPods(ns, pods);
    for (const p of pods) {
      const res = results.get(p.workload)!;
      if (p.component in EXCEPTIONS) {
        expect(res.code, p.workload).not.toBe(0);
        const m = /violates PodSecurity "restricted:latest": (.*)$/m.exec(res.stderr);
        expect(m, `${p.workload}: ${res.stderr}`).not.toBeNull();
        expect(violationNames(`would violate PodSecurity "restricted:latest": ${m![1]}`), p.workload).toEqual(EXCEPTIONS[p.component]!.restrictedViolations);
      } else {
        expect(res.stderr, p.workload).toBe('');
        expect(res.code, p.workload).toBe(0);
      }
    }
  }, T);

  it('the level each excepted component needs (baseline for the sandbox and plugin daemon) admits its pod with no warning', async () => {
    const seen = new Set<string>();
    for (const level of new Set(Object.values(EXCEPTIONS).map((e) => e.level))) {
      const ns = await freshNamespace(c, `pods-${level}`, level);
      const r = await cli(['render', 'release-name', '-n', ns, ...KUBE, '-f', PINNED]);
      expect(r.code, r.stderr).toBe(0);
      const pods = podTemplates(objectsOf(r.stdout)).filter((p) => EXCEPTIONS[p.component]?.level === level);
      for (const p of pods) seen.add(p.component);
      for (const [workload, res] of await createPods(ns, pods)) {
        expect(res.stderr, workload).toBe('');
        expect(res.code, workload).toBe(0);
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(EXCEPTIONS).sort());
  }, T);
});
