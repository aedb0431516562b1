/**
 * `dify-chart migrate`: values files written in each peer's layout go through the real CLI; each
 * output is rendered by the real chart (which validates it against the schema) and the objects
 * are checked for the env, images and claims the old release had.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { cli, ROOT } from '../cli/run.js';
import { effectiveEnv, type K8sObject } from '../chart/render.js';

const FIX = join(ROOT, 'test', 'fixtures', 'migrate');
const tmp = mkdtempSync(join(tmpdir(), 'dify-migrate-'));

interface Migrated {
  code: number | null;
  values: Record<string, unknown>;
  stderr: string;
  objects: K8sObject[];
}

async function migrate(peer: string, file: string, extra: string[] = []): Promise<Migrated> {
  const r = await cli(['migrate', '--from', peer, join(FIX, peer, file), ...extra]);
  expect(r.code, r.stderr).toBe(0);
  const out = join(tmp, `${peer}-${file}`);
  writeFileSync(out, r.stdout);
  // The real render checks the values against the chart's schema before rendering.
  const rendered = await cli(['render', 'next', '-n', 'dify', '-f', out]);
  expect(rendered.code, rendered.stderr).toBe(0);
  const objects = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as K8sObject).filter(Boolean);
  return { code: r.code, values: parse(r.stdout) as Record<string, unknown>, stderr: r.stderr, objects };
}

const workload = (objs: K8sObject[], kind: string, suffix: string): K8sObject => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name.endsWith(suffix));
  if (!o) throw new Error(`no ${kind} *${suffix}`);
  return o;
};
const deploy = (objs: K8sObject[], suffix: string): K8sObject => workload(objs, 'Deployment', suffix);
const image = (o: K8sObject): string => o.spec.template.spec.containers[0].image;
const claims = (o: K8sObject): string[] => (o.spec.template.spec.volumes ?? []).filter((v: { persistentVolumeClaim?: unknown }) => v.persistentVolumeClaim).map((v: { persistentVolumeClaim: { claimName: string } }) => v.persistentVolumeClaim.claimName);

describe('migrate --from dify-helm', () => {
  it("an empty file gives dify-helm's default deployment: its stores, Secrets and claims", async () => {
    const m = await migrate('dify-helm', 'empty.yaml');
    const api = deploy(m.objects, '-api');
    const env = effectiveEnv(m.objects, api);
    expect(env.get('SECRET_KEY')).toBe('secret:dify-api/SECRET_KEY');
    expect(env.get('DB_HOST')).toBe('dify-postgresql-primary');
    expect(env.get('DB_PASSWORD')).toBe('secret:dify-api/DB_PASSWORD');
    expect(env.get('REDIS_HOST')).toBe('dify-redis-master');
    expect(env.get('REDIS_PASSWORD')).toBe('secret:dify-api/REDIS_PASSWORD');
    expect(env.get('WEAVIATE_ENDPOINT')).toBe('http://weaviate');
    expect(env.get('WEAVIATE_API_KEY')).toBe('secret:dify-api/WEAVIATE_API_KEY');
    expect(env.get('CHECK_UPDATE_URL')).toBe('');
    expect(claims(api)).toContain('dify');
    expect(claims(deploy(m.objects, '-plugin-daemon'))).toContain('dify-plugin-daemon');
    // The old stores are used, not replaced: none of ours runs.
    expect(m.objects.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    expect(m.objects.some((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-ssrf-proxy') && !o.metadata.name.endsWith('-agent-ssrf-proxy'))).toBe(false);
    expect(image(api)).toMatch(/langgenius\/dify-api:1\.17\.1$/);
    // The agents run here too (dify-helm's default has them on), with new credentials.
    expect(m.values['agentBackend']).toEqual({ enabled: true });
    expect(m.objects.some((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-agent-backend'))).toBe(true);
    expect(m.stderr).toContain('check: agentBackend: the agent credentials');
    expect(m.stderr).toContain('data: PostgreSQL (Bitnami, Service dify-postgresql-primary): PVC data-dify-postgresql-primary-0');
    expect(m.stderr).toContain('data: Weaviate (weaviate chart, Service weaviate): PVC weaviate-data-weaviate-0');
    expect(m.stderr).toContain("check: global.appSecretKey: the old release ran with dify-helm's public default SECRET_KEY");
    // The public default itself is never written.
    expect(JSON.stringify(m.values)).not.toContain('sk-9f73');
  });

  it('--release names the old objects', async () => {
    const m = await migrate('dify-helm', 'empty.yaml', ['--release', 'prod']);
    const env = effectiveEnv(m.objects, deploy(m.objects, '-api'));
    expect(env.get('SECRET_KEY')).toBe('secret:prod-dify-api/SECRET_KEY');
    expect(env.get('DB_HOST')).toBe('prod-postgresql-primary');
    expect(m.stderr).toContain('PVC prod-dify-plugin-daemon');
  });

  it('external stores, images, scheduling, exposure and ESO carry over', async () => {
    const m = await migrate('dify-helm', 'external.yaml');
    const api = deploy(m.objects, '-api');
    const env = effectiveEnv(m.objects, api);
    expect(env.get('DB_HOST')).toBe('pg.example.com');
    expect(env.get('DB_PORT')).toBe('5433');
    expect(env.get('DB_DATABASE')).toBe('difydb');
    expect(env.get('REDIS_USE_SENTINEL')).toBe('true');
    expect(env.get('REDIS_SENTINELS')).toBe('s1.example:26379,s2.example:26379');
    expect(env.get('REDIS_SENTINEL_SERVICE_NAME')).toBe('main');
    expect(env.get('STORAGE_TYPE')).toBe('s3');
    expect(env.get('S3_BUCKET_NAME')).toBe('dify-files');
    expect(env.get('S3_ENDPOINT')).toBe('https://s3.example.com');
    expect(env.get('VECTOR_STORE')).toBe('qdrant');
    expect(env.get('QDRANT_URL')).toBe('https://qdrant.example.com');
    expect(env.get('CONSOLE_API_URL')).toBe('https://dify.example.com');
    expect(env.get('APP_WEB_URL')).toBe('https://apps.example.com');
    expect(env.get('HTTP_REQUEST_MAX_READ_TIMEOUT')).toBe('120');
    expect(effectiveEnv(m.objects, deploy(m.objects, '-worker')).get('LOG_LEVEL')).toBe('DEBUG');
    expect(effectiveEnv(m.objects, deploy(m.objects, '-plugin-daemon')).get('PLUGIN_STORAGE_OSS_BUCKET') ?? JSON.stringify(m.values)).toContain('dify-plugins');
    expect(image(api)).toBe('registry.example.com/langgenius/dify-api:1.17.1');
    expect(image(deploy(m.objects, '-worker'))).toBe('registry.example.com/langgenius/dify-api:1.17.1');
    expect(api.spec.template.spec.nodeSelector).toEqual({ pool: 'dify' });
    expect(api.spec.template.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'dify', effect: 'NoSchedule' }]);
    expect(api.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '500m', memory: '1Gi' });
    expect(deploy(m.objects, '-web').spec.template.spec.nodeSelector).toEqual({ zone: 'a' });
    expect(deploy(m.objects, '-web').spec.template.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(workload(m.objects, 'HorizontalPodAutoscaler', '-api').spec).toMatchObject({ minReplicas: 2, maxReplicas: 5 });
    expect(deploy(m.objects, '-worker').spec.replicas).toBe(2);
    expect(m.objects.some((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-sandbox'))).toBe(false);
    expect(m.objects.some((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-ssrf-proxy'))).toBe(true);
    const svc = m.objects.find((o) => o.kind === 'Service' && o.spec.type === 'LoadBalancer');
    expect(svc?.spec.ports[0].port).toBe(8080);
    const ing = workload(m.objects, 'Ingress', '');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.rules.map((r: { host: string }) => r.host)).toEqual(['dify.example.com']);
    expect(ing.spec.tls).toEqual([{ secretName: 'dify-tls', hosts: ['dify.example.com'] }]);
    // ESO: the peer's remote references (its defaults) in this chart's ExternalSecret.
    const es = workload(m.objects, 'ExternalSecret', '');
    expect(es.spec.secretStoreRef).toEqual({ name: 'vault', kind: 'ClusterSecretStore' });
    const refs = new Map(es.spec.data.map((d: { secretKey: string; remoteRef: { key: string; property: string } }) => [d.secretKey, d.remoteRef]));
    expect(refs.get('SECRET_KEY')).toMatchObject({ key: 'dify/api', property: 'secret_key' });
    expect(refs.get('DB_PASSWORD')).toMatchObject({ key: 'dify/database', property: 'password' });
    expect(m.stderr).toContain('check: externalRedis.sentinel.eventBusUrl');
    expect(m.stderr).not.toMatch(/^global\.appSecretKey:/m);
  });

  it('unknown and unmappable keys: one line each, exit 0; --strict exits 1 with empty stdout', async () => {
    const m = await migrate('dify-helm', 'unknown.yaml');
    const lines = m.stderr.split('\n').filter((l) => l && !l.startsWith('check:') && !l.startsWith('data:'));
    expect(lines).toEqual([
      expect.stringMatching(/^api\.otel: /),
      expect.stringMatching(/^api\.shareProcessNamespace: /),
      "notAKey: not a key migrate knows in dify-helm's values; left out of the output",
    ]);
    expect(JSON.stringify(m.values)).not.toContain('notAKey');
    const strict = await cli(['migrate', '--from', 'dify-helm', '--strict', join(FIX, 'dify-helm', 'unknown.yaml')]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toContain('notAKey: not a key');
    expect(strict.stderr).toMatch(/Error: migrate --strict: 3 keys of .*unknown\.yaml could not be mapped\n$/);
  });

  it('--strict passes when everything maps', async () => {
    const r = await cli(['migrate', '--from', 'dify-helm', '--strict', join(FIX, 'dify-helm', 'external.yaml')]);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('migrate --from douban', () => {
  it("an empty file gives douban's default deployment: its Bitnami stores and the plugin claim", async () => {
    const m = await migrate('douban', 'empty.yaml');
    const api = deploy(m.objects, '-api');
    const env = effectiveEnv(m.objects, api);
    expect(env.get('SECRET_KEY')).toBe('secret:dify-migrated/SECRET_KEY');
    expect(env.get('DB_HOST')).toBe('dify-postgresql');
    expect(env.get('DB_PASSWORD')).toBe('secret:dify-postgresql/postgres-password');
    expect(env.get('REDIS_HOST')).toBe('dify-redis-master');
    expect(env.get('REDIS_DB')).toBe('1');
    expect(env.get('REDIS_PASSWORD')).toBe('secret:dify-redis/redis-password');
    expect(env.get('CONSOLE_API_URL')).toBe('http://chart-example.local');
    expect(env.get('CODE_MAX_STRING_LENGTH')).toBe('80000');
    expect(effectiveEnv(m.objects, deploy(m.objects, '-plugin-daemon')).get('DB_DATABASE')).toBe('dify_plugin');
    expect(claims(deploy(m.objects, '-plugin-daemon'))).toContain('dify-plugin-daemon-pvc');
    // The SECRET_KEY douban wrote into the Deployment: the command copies it, the value is never printed.
    expect(m.stderr).toContain("kubectl create secret generic dify-migrated --from-literal=SECRET_KEY=\"$(kubectl get deploy dify-api");
    expect(m.stderr + JSON.stringify(m.values)).not.toContain('PleaseReplaceThisToYourSecretOrUse');
    expect(m.stderr).toContain("data: PostgreSQL (Bitnami, Service dify-postgresql): no PVC (douban's default)");
    expect(m.stderr.split('\n').filter((l) => l && !/^(check|data):/.test(l))).toEqual([]);
  });

  it('env lists map to typed values, Secrets and extraConfig', async () => {
    const m = await migrate('douban', 'full.yaml');
    const api = deploy(m.objects, '-api');
    const env = effectiveEnv(m.objects, api);
    expect(env.get('SECRET_KEY')).toBe('secret:dify-creds/SECRET_KEY');
    expect(env.get('DB_HOST')).toBe('pg.example.com');
    // A user name written as a value stays a value (this chart keeps it in its own Secret).
    expect(m.values['externalPostgresql']).toMatchObject({ username: { value: 'dify' } });
    expect(env.get('DB_USERNAME')).toMatch(/^secret:next-dify-/);
    expect(env.get('DB_PASSWORD')).toBe('secret:dify-creds/DB_PASSWORD');
    expect(env.get('REDIS_HOST')).toBe('redis.example.com');
    expect(env.get('REDIS_DB')).toBe('2');
    expect(env.get('S3_ACCESS_KEY')).toBe('secret:dify-creds/S3_ACCESS_KEY');
    expect(env.get('S3_BUCKET_NAME')).toBe('files');
    expect(env.get('VECTOR_STORE')).toBe('milvus');
    expect(env.get('MILVUS_URI')).toBe('http://milvus.example.com:19530');
    expect(env.get('HTTP_REQUEST_MAX_READ_TIMEOUT')).toBe('120');
    expect(env.get('CONSOLE_API_URL')).toBe('https://dify.example.com');
    expect(env.get('CODE_EXECUTION_API_KEY')).toBe('secret:sandbox-secret/sandbox-api-key');
    expect(effectiveEnv(m.objects, deploy(m.objects, '-worker')).get('EXTRA_WORKER')).toBe('1');
    expect(deploy(m.objects, '-worker').spec.replicas).toBe(3);
    expect(api.spec.template.spec.nodeSelector).toEqual({ pool: 'dify' });
    const ing = workload(m.objects, 'Ingress', '');
    expect(ing.spec.rules.map((r: { host: string }) => r.host)).toEqual(['dify.example.com']);
    expect(ing.spec.tls).toEqual([{ secretName: 'dify-tls', hosts: ['dify.example.com'] }]);
    expect(m.objects.some((o) => o.kind === 'StatefulSet')).toBe(false);
  });
});

describe('migrate errors', () => {
  it('a missing file: one line naming it, exit 1, nothing on stdout', async () => {
    const r = await cli(['migrate', '--from', 'douban', join(tmp, 'nope.yaml')]);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toBe(`Error: ${join(tmp, 'nope.yaml')}: no such file\n`);
  });

  it('bad YAML: one line with file and position, exit 1, nothing on stdout', async () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'api: [\n');
    const r = await cli(['migrate', '--from', 'dify-helm', bad]);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toMatch(new RegExp(`^Error: ${bad}:\\d+:\\d+: [^\\n]+\\n$`));
  });

  it('a wrong type: one line with file and path, exit 1, nothing on stdout', async () => {
    const bad = join(tmp, 'type.yaml');
    writeFileSync(bad, 'api:\n  replicas: many\n');
    const r = await cli(['migrate', '--from', 'dify-helm', bad]);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toBe(`Error: ${bad}: api.replicas: expected a number, got string "many"\n`);
  });

  it('an unknown --from is a usage error', async () => {
    const r = await cli(['migrate', '--from', 'bitnami', join(FIX, 'douban', 'empty.yaml')]);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toContain('--from bitnami: not a chart migrate knows (dify-helm, douban)');
  });
});
