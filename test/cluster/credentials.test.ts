/**
 * The credentials generator (chart/templates/credentials/generator-*.yaml.hbs) against the real API
 * server: its own program, as its own ServiceAccount (test/support/generator.ts stands in for the
 * kubelet). It creates every missing key in its shape, changes nothing on a second run, fills a key
 * added later, never touches an existing key, adopts the Secret an earlier chart version kept with
 * `lookup`, survives a concurrent run, and its Role allows nothing beyond its two Secrets. Then the
 * paths users take: `render | kubectl apply` twice, and `helm install` / `upgrade` with hooks
 * (Helm 3.21.4 and 4.3.2), upgrading from the chart before the generator included.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { CHART, cli, fixture, ROOT, tempDir } from '../cli/run.js';
import { generatorOf } from '../chart/render.js';
import { applyServerSide, clusterOrSkip, clusterSkipReason, freshNamespace, getObjects, helmInAsync, keyOf, kubectl, objectsOf, type Cluster } from '../support/cluster.js';
import { actForGeneratorJobs, python3OrSkip, runGenerator, serviceAccountDir } from '../support/generator.js';
import { HELM_MAJORS, helmOrSkip } from '../support/helm.js';
import type { K8sObject } from '../support/k8s.js';

const cluster = clusterOrSkip();
const python = python3OrSkip();
const haveHelm = helmOrSkip();
const c = cluster as Cluster;
const T = 240_000;
const RELEASE = 'gen';
const TARGET = `${RELEASE}-dify-generated-credentials`;
const LEGACY = `${RELEASE}-dify-credentials`;
/** The chart as it was before the generator: credentials drawn at render time and kept with `lookup`. */
const LOOKUP_CHART_COMMIT = '85c7bab';

/** What each shape's value looks like once decoded. */
const SHAPES: Record<string, (size: number) => RegExp> = {
  alnum: (n) => new RegExp(`^[A-Za-z0-9]{${n}}$`),
  base64url: (n) => new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((n * 4) / 3)}}$`),
};

async function secret(ns: string, name: string): Promise<K8sObject | undefined> {
  const r = await kubectl(c, ['get', 'secret', name, '-n', ns, '-o', 'json', '--ignore-not-found']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as K8sObject) : undefined;
}
const decoded = (s: K8sObject | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries((s?.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

/** The render of the no-pins fixture into `ns`, its generator Job, and its RBAC objects applied. */
async function prepared(ns: string, extra: string[] = []): Promise<{ text: string; objects: K8sObject[]; job: K8sObject; keys: Map<string, string> }> {
  const r = await cli(['render', RELEASE, '-n', ns, '-f', fixture('generated-credentials.yaml'), ...extra]);
  expect(r.code, r.stderr).toBe(0);
  const objects = objectsOf(r.stdout);
  const generator = generatorOf(objects)!;
  expect(generator.target).toBe(TARGET);
  expect(generator.legacy).toBe(LEGACY);
  const rbac = objects.filter((o) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind) && o.metadata.labels?.['app.kubernetes.io/component'] === 'credentials-generator');
  expect(rbac.map((o) => o.kind).sort()).toEqual(['Role', 'RoleBinding', 'ServiceAccount']);
  const applied = await applyServerSide(c, ns, rbac.map((o) => JSON.stringify(o)).join('\n---\n'));
  expect(applied.code, applied.stderr).toBe(0);
  return { text: r.stdout, objects, job: generator.job, keys: generator.keys };
}

function expectShapes(data: Record<string, string>, keys: Map<string, string>): void {
  expect(Object.keys(data).sort()).toEqual([...keys.keys()].sort());
  for (const [key, shape] of keys) {
    const [kind, size] = shape.split(':') as [string, string];
    expect(data[key], `${key} ${shape}`).toMatch(SHAPES[kind]!(Number(size)));
  }
  expect(new Set(Object.values(data)).size, 'no two credentials alike').toBe(Object.keys(data).length);
}

describe.skipIf(!cluster || !python)(`the credentials generator on kube-apiserver${cluster ? '' : ` (skipped: ${clusterSkipReason})`}`, () => {
  it('first run: every missing key in its shape; second run: nothing changes', async () => {
    const ns = await freshNamespace(c, 'gen-first', 'restricted');
    const { job, keys } = await prepared(ns);
    expect(keys.size).toBeGreaterThanOrEqual(9);
    const first = await runGenerator(c, ns, job);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/\(generated\)/);
    const made = (await secret(ns, TARGET))!;
    expectShapes(decoded(made), keys);
    // The agent backend accepts only unpadded base64url of exactly 32 bytes (sheet 3.3).
    expect(keys.get('DIFY_AGENT_SERVER_SECRET_KEY')).toBe('base64url:32');
    const serverKey = decoded(made)['DIFY_AGENT_SERVER_SECRET_KEY']!;
    expect(serverKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(serverKey, 'base64url')).toHaveLength(32);
    // No instance label (Argo CD would take the Secret for an app object missing from git and prune it).
    expect(made.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'dify',
      'app.kubernetes.io/component': 'generated-credentials',
      'app.kubernetes.io/part-of': 'dify',
    });
    expect(made.metadata.annotations).toEqual({
      'dify.ai/release': RELEASE,
      'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
      'argocd.argoproj.io/sync-options': 'Prune=false',
    });
    // Key names in the log, never a value.
    for (const v of Object.values(decoded(made))) expect(first.stdout + first.stderr).not.toContain(v);

    const second = await runGenerator(c, ns, job);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('nothing to do');
    const again = (await secret(ns, TARGET))!;
    expect(again.metadata.resourceVersion).toBe(made.metadata.resourceVersion);
  }, T);

  it('a key added later is filled in its shape; an existing key is never touched', async () => {
    const ns = await freshNamespace(c, 'gen-later', 'restricted');
    const { job, keys } = await prepared(ns);
    expect((await runGenerator(c, ns, job)).code).toBe(0);
    // An operator sets one key by hand; another key is wanted later (e.g. a component turned on).
    const patch = await kubectl(c, ['patch', 'secret', TARGET, '-n', ns, '--type=merge', '-p', JSON.stringify({ stringData: { SECRET_KEY: 'set-by-hand' } })]);
    expect(patch.code, patch.stderr).toBe(0);
    const before = decoded(await secret(ns, TARGET));
    const words = [...keys].map(([k, s]) => `${k}=${s}`).join('\n');
    const later = await runGenerator(c, ns, job, { GENERATE: `${words}\nAGENT_KEY=base64url:32` });
    expect(later.code, later.stderr).toBe(0);
    const after = decoded(await secret(ns, TARGET));
    expect(after['SECRET_KEY']).toBe('set-by-hand');
    const { AGENT_KEY: added, ...rest } = after;
    expect(rest).toEqual(before);
    expect(added).toMatch(/^[A-Za-z0-9_-]{43}$/);
  }, T);

  it("adopts the keys of the Secret an earlier chart version kept with lookup, and leaves that Secret alone", async () => {
    const ns = await freshNamespace(c, 'gen-adopt', 'restricted');
    const { job, keys } = await prepared(ns);
    const old = { SECRET_KEY: 'the-old-secret-key-that-encrypts-everything', DB_PASSWORD: 'old-db-password', UNRELATED: 'x' };
    const made = await kubectl(c, ['create', 'secret', 'generic', LEGACY, '-n', ns, ...Object.entries(old).map(([k, v]) => `--from-literal=${k}=${v}`)]);
    expect(made.code, made.stderr).toBe(0);
    const legacyBefore = (await secret(ns, LEGACY))!;
    const r = await runGenerator(c, ns, job);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`SECRET_KEY (kept from ${LEGACY})`);
    const data = decoded(await secret(ns, TARGET));
    expect(data['SECRET_KEY']).toBe(old.SECRET_KEY);
    expect(data['DB_PASSWORD']).toBe(old.DB_PASSWORD);
    expect(data['UNRELATED']).toBeUndefined();
    expect(Object.keys(data).sort()).toEqual([...keys.keys()].sort());
    expect((await secret(ns, LEGACY))!.metadata.resourceVersion).toBe(legacyBefore.metadata.resourceVersion);
  }, T);

  it('two runs at once leave one consistent Secret (a write carries the version it read)', async () => {
    const ns = await freshNamespace(c, 'gen-race', 'restricted');
    const { job, keys } = await prepared(ns);
    const runs = await Promise.all([runGenerator(c, ns, job), runGenerator(c, ns, job), runGenerator(c, ns, job)]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const data = decoded(await secret(ns, TARGET));
    expectShapes(data, keys);
    const last = await runGenerator(c, ns, job);
    expect(last.stdout).toContain('nothing to do');
    expect(decoded(await secret(ns, TARGET))).toEqual(data);
  }, T);

  it("its Role allows its two Secrets by name, and the real server's RBAC refuses anything else", async () => {
    const ns = await freshNamespace(c, 'gen-rbac', 'restricted');
    const { job } = await prepared(ns);
    expect((await runGenerator(c, ns, job)).code).toBe(0);
    expect((await kubectl(c, ['create', 'secret', 'generic', 'someone-elses', '-n', ns, '--from-literal=K=v'])).code).toBe(0);
    const sa = await serviceAccountDir(c, ns, job.spec.template.spec.serviceAccountName as string);
    const as = (args: string[]) =>
      kubectl(c, ['--kubeconfig=/dev/null', `--server=${c.server}`, `--certificate-authority=${join(sa, 'ca.crt')}`, `--token=${spawnSync('cat', [join(sa, 'token')], { encoding: 'utf8' }).stdout}`, '-n', ns, ...args]);
    const allowed = await as(['get', 'secret', TARGET, '-o', 'name']);
    expect(allowed.code, allowed.stderr).toBe(0);
    for (const args of [
      ['get', 'secret', 'someone-elses'],
      ['patch', 'secret', 'someone-elses', '--type=merge', '-p', '{"data":{"K":"eA=="}}'],
      ['get', 'secrets'],
      ['delete', 'secret', TARGET],
      ['get', 'configmaps'],
      ['get', 'secret', 'anything', '-n', 'default'],
    ]) {
      const r = await as(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/forbidden/i);
    }
  }, T);

  it('render | kubectl apply, twice (and with a changed value): the same bytes, every credential kept', async () => {
    const ns = await freshNamespace(c, 'gen-apply', 'restricted');
    const render = async (extra: string[] = []) => {
      const r = await cli(['render', RELEASE, '-n', ns, '-f', fixture('generated-credentials.yaml'), ...extra]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      return r.stdout;
    };
    const first = await render();
    const kubelet = actForGeneratorJobs(c, ns);
    const a1 = await applyServerSide(c, ns, first);
    expect(a1.code, a1.stderr).toBe(0);
    let data: Record<string, string> = {};
    for (let i = 0; i < 240 && Object.keys(data).length === 0; i++) {
      data = decoded(await secret(ns, TARGET));
      if (Object.keys(data).length === 0) await new Promise((res) => setTimeout(res, 250));
    }
    const runs = await kubelet.stop();
    expect(runs.map((r) => r.run.code)).toEqual([0]);
    expectShapes(data, generatorOf(objectsOf(first))!.keys);

    const second = await render();
    expect(second === first, 'a second render is the same bytes').toBe(true);
    const a2 = await applyServerSide(c, ns, second);
    expect(a2.code, a2.stderr).toBe(0);
    const changed = await render(['--set', 'dify.logLevel=DEBUG']);
    const a3 = await applyServerSide(c, ns, changed);
    expect(a3.code, a3.stderr).toBe(0);
    expect(decoded(await secret(ns, TARGET))).toEqual(data);
    // Nothing rendered is the generated Secret, so no apply ever wrote it.
    expect(objectsOf(changed).map(keyOf)).not.toContain(`Secret/${TARGET}`);
  }, T);
});

describe.skipIf(!cluster || !python || !haveHelm)('helm install and upgrade run the generator as a hook', () => {
  let tgz = '';
  let oldTgz = '';
  beforeAll(async () => {
    const dir = tempDir('dify-cluster-gen-');
    const archive = await packageChart({ chartDir: CHART });
    tgz = join(dir, archive.fileName);
    writeFileSync(tgz, archive.bytes);
    // The chart before the generator, packaged by today's packager (the template dialect is the same).
    const src = tempDir('dify-lookup-chart-');
    const tar = spawnSync('git', ['-C', ROOT, 'archive', '--format=tar', LOOKUP_CHART_COMMIT, 'chart'], { maxBuffer: 1 << 28 });
    if (tar.status !== 0) throw new Error(`git archive ${LOOKUP_CHART_COMMIT}: ${tar.stderr.toString()}`);
    expect(spawnSync('tar', ['-x', '-C', src], { input: tar.stdout }).status).toBe(0);
    const old = await packageChart({ chartDir: join(src, 'chart') });
    oldTgz = join(dir, `old-${old.fileName}`);
    writeFileSync(oldTgz, old.bytes);
  }, 120_000);
  afterAll(() => {
    if (tgz) rmSync(dirname(tgz), { recursive: true, force: true });
  });

  for (const major of HELM_MAJORS) {
    it(`helm ${major}: an upgrade from the lookup chart adopts its credentials; install and upgrades never change them, nor any pod checksum`, async () => {
      const ns = await freshNamespace(c, `gen-helm${major}`, 'restricted');
      const install = await helmInAsync(c, major, ['install', RELEASE, oldTgz, '-n', ns]);
      expect(install.code, install.stderr).toBe(0);
      const old = decoded(await secret(ns, LEGACY));
      expect(old['SECRET_KEY']).toMatch(/^[A-Za-z0-9]{42}$/);

      const podAnnotations = async () => {
        const objs = await getObjects(c, ns, [{ apiVersion: 'apps/v1', kind: 'Deployment' }, { apiVersion: 'apps/v1', kind: 'StatefulSet' }]);
        return Object.fromEntries(objs.map((o) => [keyOf(o), o.spec.template.metadata?.annotations ?? {}]));
      };
      const upgrade = async () => {
        const kubelet = actForGeneratorJobs(c, ns);
        const r = await helmInAsync(c, major, ['upgrade', RELEASE, tgz, '-n', ns]);
        const runs = await kubelet.stop();
        expect(r.code, r.stderr).toBe(0);
        expect(runs.map((x) => x.run.code), JSON.stringify(runs)).toEqual([0]);
        return runs[0]!.run;
      };
      // The first upgrade: the pre-upgrade hook adopts every key the old Secret holds.
      const first = await upgrade();
      expect(first.stdout).toContain(`(kept from ${LEGACY})`);
      const adopted = decoded(await secret(ns, TARGET));
      for (const [k, v] of Object.entries(adopted)) if (k in old) expect(v, k).toBe(old[k]);
      expect(adopted['SECRET_KEY']).toBe(old['SECRET_KEY']);
      // Helm keeps the old Secret (resource-policy keep), untouched.
      expect(decoded(await secret(ns, LEGACY))).toEqual(old);
      const settled = await podAnnotations();

      // The same values again: the hook runs and finds nothing to do; no pod template changes.
      const second = await upgrade();
      expect(second.stdout).toContain('nothing to do');
      expect(decoded(await secret(ns, TARGET))).toEqual(adopted);
      expect(await podAnnotations()).toEqual(settled);
      // Hooks that succeeded are deleted (hook-delete-policy), so nothing of the generator stays behind.
      const left = await kubectl(c, ['get', 'jobs,roles,rolebindings,serviceaccounts', '-n', ns, '-l', 'app.kubernetes.io/component=credentials-generator', '-o', 'name']);
      expect(left.stdout.trim()).toBe('');
    }, T);

    it(`helm ${major}: a fresh install generates once; uninstall leaves the generated Secret`, async () => {
      const ns = await freshNamespace(c, `gen-fresh${major}`, 'restricted');
      const kubelet = actForGeneratorJobs(c, ns);
      const install = await helmInAsync(c, major, ['install', RELEASE, tgz, '-n', ns]);
      const runs = await kubelet.stop();
      expect(install.code, install.stderr).toBe(0);
      expect(runs.map((x) => x.run.code)).toEqual([0]);
      const data = decoded(await secret(ns, TARGET));
      expect(Object.keys(data)).toContain('SECRET_KEY');
      const un = await helmInAsync(c, major, ['uninstall', RELEASE, '-n', ns]);
      expect(un.code, un.stderr).toBe(0);
      expect(decoded(await secret(ns, TARGET))).toEqual(data);
    }, T);
  }
});
