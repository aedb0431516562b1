/**
 * The values files of examples/ (EKS, GKE, AKS, a single node, air-gapped): each renders through
 * `dify-chart render`, to the same bytes as real Helm 3.21.4 and 4.3.2 `helm template` of the
 * packaged archive (Helm 4 up to normalizeHelm4), passes `helm lint --strict` with it, and renders
 * the objects and environment its header promises. test/cluster/examples.test.ts applies them to
 * the API server.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { packageChart } from '../../src/package/chart-archive.js';
import { CHART, cli, ROOT, tempDir } from '../cli/run.js';
import { containerEnv, effectiveEnv, type K8sObject } from '../chart/render.js';
import { helm, HELM_MAJORS, helmOrSkip, helmTemplateBoth } from '../support/helm.js';

export const EXAMPLES = join(ROOT, 'examples');
const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();
const RELEASE = 'dify';
const NAMESPACE = 'dify';
const haveHelm = helmOrSkip();
const objectsOf = (text: string): K8sObject[] => parseAllDocuments(text).map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);
let tgz = '';

beforeAll(async () => {
  const archive = await packageChart({ chartDir: CHART });
  tgz = join(tempDir('dify-examples-'), archive.fileName);
  writeFileSync(tgz, archive.bytes);
}, 120_000);

const renders = new Map<string, { text: string; objects: K8sObject[] }>();
async function render(example: string): Promise<{ text: string; objects: K8sObject[] }> {
  let hit = renders.get(example);
  if (!hit) {
    const r = await cli(['render', RELEASE, '-n', NAMESPACE, '-f', join(EXAMPLES, example)]);
    expect(r.stderr, example).toBe('');
    expect(r.code, example).toBe(0);
    hit = { text: r.stdout, objects: objectsOf(r.stdout) };
    renders.set(example, hit);
  }
  return hit;
}

const get = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
/** What the api container sees: its ConfigMap overlaid by its env (secrets as `secret:<name>/<key>`). */
const apiEnv = (objects: K8sObject[]): Map<string, string> => effectiveEnv(objects, get(objects, 'Deployment', 'dify-api'));
const pluginEnv = (objects: K8sObject[]): Map<string, string> => effectiveEnv(objects, get(objects, 'Deployment', 'dify-plugin-daemon'));
const saOf = (objects: K8sObject[], deployment: string): string => get(objects, 'Deployment', deployment).spec.template.spec.serviceAccountName as string;
/** Every secret the render contains an inline value of (the examples must give none). */
const inlineCredentials = (objects: K8sObject[]): string[] =>
  objects.filter((o) => o.kind === 'Secret').flatMap((o) => Object.keys({ ...o.data, ...o.stringData }).map((k) => `${o.metadata.name}/${k}`));

describe('examples/', () => {
  it('has the five platforms, each with a header saying what it is for and what to fill in', () => {
    expect(examples).toEqual(['air-gapped.yaml', 'aks.yaml', 'eks.yaml', 'gke.yaml', 'single-node.yaml']);
    for (const f of examples) {
      const text = readFileSync(join(EXAMPLES, f), 'utf8');
      expect(text.startsWith('# '), f).toBe(true);
      expect(text, f).toMatch(/^# Fill in/m);
    }
  });

  for (const example of examples) {
    it.skipIf(!haveHelm)(`${example}: dify-chart render prints what real Helm 3 and 4 print, and helm lint --strict passes`, async () => {
      const file = join(EXAMPLES, example);
      const ours = await render(example);
      const runs = await helmTemplateBoth(tgz, [file], { release: RELEASE, namespace: NAMESPACE });
      for (const major of HELM_MAJORS) {
        expect(runs[major].stderr, `helm ${major}`).toBe('');
        expect(ours.text === runs[major].stdout, `helm ${major} template: the same bytes`).toBe(true);
        const lint = await helm(major, ['lint', '--strict', tgz, '-n', NAMESPACE, '-f', file]);
        expect(lint.code, `helm ${major} lint:\n${lint.stdout}${lint.stderr}`).toBe(0);
      }
    }, 60_000);
  }

  it('no example puts a credential in the render: external ones come from existingSecret, the rest are generated', async () => {
    for (const f of examples) {
      const { objects, text } = await render(f);
      expect(inlineCredentials(objects), f).toEqual([]);
      expect(text, f).not.toMatch(/kind: Secret\n/);
    }
  });

  it('every pod runs as a ServiceAccount the render creates, or the namespace\'s default (a missing one stops its pods)', async () => {
    for (const f of examples) {
      const { objects } = await render(f);
      const accounts = new Set(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name));
      for (const o of objects.filter((x) => ['Deployment', 'StatefulSet', 'Job'].includes(x.kind))) {
        const sa = (o.spec.template.spec.serviceAccountName as string | undefined) ?? 'default';
        expect(sa === 'default' || accounts.has(sa), `${f}: ${o.kind}/${o.metadata.name} runs as ${sa}`).toBe(true);
      }
    }
  });

  it('eks: RDS, ElastiCache over TLS, S3 by IRSA (no keys), the role on every ServiceAccount of an api-image process', async () => {
    const { objects } = await render('eks.yaml');
    const env = apiEnv(objects);
    expect(env.get('DB_HOST')).toBe('dify.abcdefghijkl.us-east-1.rds.amazonaws.com');
    expect(env.get('DB_USERNAME')).toBe('secret:dify-rds/DB_USERNAME');
    expect(env.get('DB_PASSWORD')).toBe('secret:dify-rds/DB_PASSWORD');
    expect(env.get('REDIS_HOST')).toBe('master.dify-cache.abcdef.use1.cache.amazonaws.com');
    expect(env.get('REDIS_USE_SSL')).toBe('true');
    expect(env.get('REDIS_PASSWORD')).toBe('secret:dify-elasticache/REDIS_PASSWORD');
    expect(env.get('CELERY_BROKER_URL')).toMatch(/^rediss:\/\//);
    expect(env.get('STORAGE_TYPE')).toBe('s3');
    expect(env.get('S3_USE_AWS_MANAGED_IAM')).toBe('true');
    expect(env.get('S3_BUCKET_NAME')).toBe('my-dify-files');
    expect([...env.keys()].filter((k) => /^S3_(ACCESS|SECRET)_KEY$/.test(k))).toEqual([]);
    expect(objects.some((o) => o.kind === 'StatefulSet' && /postgresql|redis/.test(o.metadata.name))).toBe(false);
    const role = 'arn:aws:iam::123456789012:role/dify-s3';
    for (const d of ['dify-api', 'dify-worker', 'dify-beat', 'dify-api-websocket', 'dify-plugin-daemon']) {
      const sa = get(objects, 'ServiceAccount', saOf(objects, d));
      expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn'], d).toBe(role);
    }
    // The migration and plugin-backfill Jobs run as the api's ServiceAccount (the header says so).
    for (const component of ['migration', 'plugin-backfill']) {
      const job = objects.find((o) => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === component)!;
      expect(job.spec.template.spec.serviceAccountName, component).toBe('dify-api');
    }
    // The plugin daemon keeps plugins in the bucket, with the pod's role.
    const daemon = pluginEnv(objects);
    expect(daemon.get('PLUGIN_STORAGE_TYPE')).toBe('aws_s3');
    expect(daemon.get('S3_USE_AWS_MANAGED_IAM')).toBe('true');
    expect(objects.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name.includes('plugin-daemon'))).toBe(false);
    const ing = get(objects, 'Ingress', 'dify');
    expect(ing.spec.ingressClassName).toBe('alb');
    expect(ing.spec.rules[0].host).toBe('dify.example.com');
  });

  it('gke: Cloud SQL, Memorystore over TLS on 6378, GCS by Workload Identity, an HTTPRoute on the Gateway', async () => {
    const { objects } = await render('gke.yaml');
    const env = apiEnv(objects);
    expect(env.get('DB_HOST')).toBe('10.20.0.3');
    expect(env.get('DB_PASSWORD')).toBe('secret:dify-cloudsql/DB_PASSWORD');
    expect(env.get('REDIS_HOST')).toBe('10.30.0.4');
    expect(env.get('REDIS_PORT')).toBe('6378');
    expect(env.get('REDIS_USE_SSL')).toBe('true');
    expect(env.get('STORAGE_TYPE')).toBe('google-storage');
    expect(env.get('GOOGLE_STORAGE_BUCKET_NAME')).toBe('my-dify-files');
    expect(env.has('GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64')).toBe(false); // Workload Identity, no key file
    for (const d of ['dify-api', 'dify-worker', 'dify-beat', 'dify-api-websocket']) {
      const sa = get(objects, 'ServiceAccount', saOf(objects, d));
      expect(sa.metadata.annotations?.['iam.gke.io/gcp-service-account'], d).toBe('dify-storage@my-project.iam.gserviceaccount.com');
    }
    const route = get(objects, 'HTTPRoute', 'dify');
    expect(route.spec.parentRefs).toEqual([{ name: 'external-http', namespace: 'gateway-infra', sectionName: 'https' }]);
    expect(route.spec.hostnames).toEqual(['dify.example.com']);
    expect(objects.some((o) => o.kind === 'Ingress')).toBe(false);
    // The metadata server for Workload Identity tokens: open by extraEgress for every process that opens Cloud
    // Storage at start (the migration Job included: without it the schema is never migrated), never for the SSRF proxy.
    const egressTo = (component: string): string[] =>
      (get(objects, 'NetworkPolicy', `dify-${component}`).spec.egress as { to?: { ipBlock?: { cidr: string } }[] }[]).flatMap((r) => (r.to ?? []).flatMap((p) => (p.ipBlock ? [p.ipBlock.cidr] : [])));
    for (const c of ['api', 'api-websocket', 'worker', 'beat', 'migration', 'plugin-backfill', 'plugin-daemon']) expect(egressTo(c), c).toContain('169.254.169.254/32');
    expect(egressTo('ssrf-proxy')).not.toContain('169.254.169.254/32');
  });

  it('aks: Azure Database for PostgreSQL, Azure Cache for Redis on 6380 with TLS, Blob storage with the key from a Secret', async () => {
    const { objects } = await render('aks.yaml');
    const env = apiEnv(objects);
    expect(env.get('DB_HOST')).toBe('my-dify.postgres.database.azure.com');
    expect(env.get('REDIS_HOST')).toBe('my-dify.redis.cache.windows.net');
    expect(env.get('REDIS_PORT')).toBe('6380');
    expect(env.get('REDIS_USE_SSL')).toBe('true');
    expect(env.get('REDIS_PASSWORD')).toBe('secret:dify-azure-redis/REDIS_PASSWORD');
    expect(env.get('STORAGE_TYPE')).toBe('azure-blob');
    expect(env.get('AZURE_BLOB_ACCOUNT_NAME')).toBe('mydifyfiles');
    expect(env.get('AZURE_BLOB_ACCOUNT_URL')).toBe('https://mydifyfiles.blob.core.windows.net');
    expect(env.get('AZURE_BLOB_ACCOUNT_KEY')).toBe('secret:dify-azure-blob/AZURE_BLOB_ACCOUNT_KEY');
    expect(pluginEnv(objects).get('PLUGIN_STORAGE_TYPE')).toBe('azure_blob');
    const daemonPlugin = containerEnv(get(objects, 'Deployment', 'dify-plugin-daemon'));
    expect(daemonPlugin.get('DB_PASSWORD')).toBe('secret:dify-azure-postgres/DB_PASSWORD');
    const ing = get(objects, 'Ingress', 'dify');
    expect(ing.spec.ingressClassName).toBe('webapprouting.kubernetes.azure.com');
    expect(ing.spec.tls).toEqual([{ secretName: 'dify-tls', hosts: ['dify.example.com'] }]);
  });

  it('single-node: in-cluster stores, the proxy on NodePort 30880, modest requests', async () => {
    const { objects } = await render('single-node.yaml');
    for (const s of ['dify-postgresql', 'dify-redis', 'dify-weaviate']) expect(get(objects, 'StatefulSet', s).spec.replicas ?? 1, s).toBe(1);
    const env = apiEnv(objects);
    expect(env.get('DB_HOST')).toBe('dify-postgresql');
    expect(env.get('STORAGE_TYPE')).toBe('opendal');
    const svc = get(objects, 'Service', 'dify-proxy');
    expect(svc.spec.type).toBe('NodePort');
    expect(svc.spec.ports[0].nodePort).toBe(30880);
    // The requests of the components this file sizes add up to what one small node offers.
    const mem = (q: string): number => Number(/^(\d+)Mi$/.exec(q)?.[1] ?? Number(/^(\d+)Gi$/.exec(q)![1]) * 1024);
    const cpu = (q: string): number => Number(/^(\d+)m$/.exec(q)![1]);
    let [cpus, mems] = [0, 0];
    for (const o of objects.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
      if (/agent|local-sandbox/.test(o.metadata.name)) continue; // the agent components keep their own defaults
      for (const c of o.spec.template.spec.containers as { resources?: { requests?: { cpu: string; memory: string } } }[]) {
        cpus += cpu(c.resources!.requests!.cpu);
        mems += mem(c.resources!.requests!.memory);
      }
    }
    expect(cpus).toBeLessThanOrEqual(1000);
    expect(mems).toBeLessThanOrEqual(4096);
  });

  it('air-gapped: every image from the mirror with the pull secret, no update check, no marketplace, PyPI from the mirror', async () => {
    const { objects } = await render('air-gapped.yaml');
    const pods = objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind)).map((o) => ({ name: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }));
    expect(pods.length).toBeGreaterThan(5);
    for (const { name, spec } of pods) {
      for (const c of [...(spec.initContainers ?? []), ...spec.containers] as { image: string }[]) expect(c.image, name).toMatch(/^registry\.internal\.example:5000\//);
      expect(spec.imagePullSecrets, name).toEqual([{ name: 'mirror-pull' }]);
    }
    const env = apiEnv(objects);
    expect(env.get('CHECK_UPDATE_URL')).toBe('');
    expect(env.get('MARKETPLACE_ENABLED')).toBe('false');
    const daemon = pluginEnv(objects);
    expect(daemon.get('PIP_MIRROR_URL')).toBe('https://pypi.internal.example/simple');
    expect(daemon.get('PIP_MIRROR_AUTO_DETECT')).toBe('false');
    // The mirror's private address is open to the plugin daemon, and to the sandbox through squid and its policy.
    const cidrs = (component: string): string[] =>
      (get(objects, 'NetworkPolicy', `dify-${component}`).spec.egress as { to?: { ipBlock?: { cidr: string } }[] }[]).flatMap((r) => (r.to ?? []).flatMap((p) => (p.ipBlock ? [p.ipBlock.cidr] : [])));
    expect(cidrs('plugin-daemon')).toContain('10.20.0.15/32');
    expect(cidrs('ssrf-proxy')).toContain('10.20.0.15/32');
    const squid = get(objects, 'ConfigMap', 'dify-ssrf-proxy').data!['squid.conf']!;
    expect(squid).toContain('acl allowed_networks dst 10.20.0.15/32');
    expect(squid.indexOf('http_access allow allowed_networks')).toBeGreaterThan(-1);
    expect(squid.indexOf('http_access allow allowed_networks')).toBeLessThan(squid.indexOf('http_access deny denied_networks'));
    expect(effectiveEnv(objects, get(objects, 'Deployment', 'dify-sandbox')).get('HTTPS_PROXY')).toBe('http://dify-ssrf-proxy:3128');
    // No /marketplace route to the internet in nginx.
    expect(get(objects, 'ConfigMap', 'dify-proxy').data!['default.conf'] ?? '').not.toMatch(/marketplace/);
  });
});
