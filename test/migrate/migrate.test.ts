/**
 * `dify-chart migrate`: values files written in each peer's layout go through the real CLI; each
 * output is rendered by the real chart (which validates it against the schema) and the objects
 * are checked for the env, images and claims the old release had.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { cli, ROOT } from '../cli/run.js';
import { effectiveEnv, type K8sObject } from '../chart/render.js';
import { OBJECT_STORES } from '../../src/migrate/dify-helm.js';
import { helmFullname } from '../../src/migrate/index.js';

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

  it('a long --release: every derived name is cut as the template that makes it cuts it', async () => {
    const release = 'customer-support-assistant-prod-europe-west-01'; // 46 characters
    const m = await migrate('dify-helm', 'empty.yaml', ['--release', release]);
    const api = env(m, '-api');
    // Bitnami's primary name and dify-helm's DB_HOST: `<fullname>-primary | trunc 63 | trimSuffix "-"`.
    expect(api.get('DB_HOST')).toBe(`${release}-postgresql-prima`);
    // Secrets and the Redis Services append their suffix after the cut: nothing is cut at this length.
    expect(api.get('SECRET_KEY')).toBe(`secret:${release}-dify-api/SECRET_KEY`);
    expect(api.get('REDIS_HOST')).toBe(`${release}-redis-master`);
    // dify-helm names its claims `<name> | trunc 58`.
    expect(claims(deploy(m.objects, '-api'))).toContain(`${release}-dify`);
    expect(claims(deploy(m.objects, '-plugin-daemon'))).toContain(`${release}-dify-plugin`);
    expect(m.stderr).toContain(`data: PostgreSQL (Bitnami, Service ${release}-postgresql-prima): PVC data-${release}-postgresql-prima-0, data-${release}-postgresql-read-0 `);
    expect(m.stderr).toContain(`PVC ${release}-dify-plugin, mounted`);
    expect(m.stderr).toContain(`PVC redis-data-${release}-redis-master-0, redis-data-${release}-redis-replicas-0`);
  });

  it("helmFullname cuts at 63 and drops one trailing '-', as trunc and trimSuffix do", () => {
    expect(helmFullname(`${'a'.repeat(61)}--x`, 'dify')).toBe(`${'a'.repeat(61)}-`);
    expect(helmFullname('prod', 'dify', '', `${'b'.repeat(62)}-c`)).toBe('b'.repeat(62));
    expect(helmFullname('my-dify', 'dify')).toBe('my-dify');
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
    // Under ESO the keys come from this chart's ExternalSecret (the peer's remote references).
    expect(env.get('S3_ACCESS_KEY')).toBe('secret:next-dify-external/S3_ACCESS_KEY');
    expect(env.get('S3_SECRET_KEY')).toBe('secret:next-dify-external/S3_SECRET_KEY');
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

  it('DB_TYPE of the MySQL family maps to externalMysql with its flavor, on the port the old release used', async () => {
    const m = await migrate('douban', 'oceanbase.yaml');
    expect(m.values['externalPostgresql']).toBeUndefined();
    // No DB_PORT: the old release connected on Dify's default 5432; kept, and said.
    expect(m.values['externalMysql']).toMatchObject({ enabled: true, flavor: 'oceanbase', host: 'ob.example.com', port: 5432, username: { value: 'root@dify' } });
    expect(m.stderr).toMatch(/^check: externalMysql\.port: 5432, Dify's default DB_PORT.*2881/m);
    for (const component of ['-api', '-worker', '-plugin-daemon']) {
      const env = effectiveEnv(m.objects, deploy(m.objects, component));
      expect(env.get('DB_TYPE'), component).toBe('oceanbase');
      expect(env.get('DB_HOST'), component).toBe('ob.example.com');
    }
    expect(effectiveEnv(m.objects, deploy(m.objects, '-api')).get('DB_PASSWORD')).toBe('secret:dify-creds/DB_PASSWORD');
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

const env = (m: Migrated, suffix: string): Map<string, string> => effectiveEnv(m.objects, deploy(m.objects, suffix));
const has = (m: Migrated, kind: string, suffix: string): boolean => m.objects.some((o) => o.kind === kind && o.metadata.name.endsWith(suffix));
const unmappedLines = (m: Migrated): string[] => m.stderr.split('\n').filter((l) => l && !/^(check|data):/.test(l));

describe('migrate --from dify-helm: every store, mail and exposure it maps', () => {
  it('bundled stores tuned, existing claims, agents and websocket, SMTP, HTTPRoute', async () => {
    const m = await migrate('dify-helm', 'bundled.yaml');
    const api = env(m, '-api');
    expect(api.get('DB_HOST')).toBe('olddb-main');
    expect(api.get('DB_DATABASE')).toBe('difyprod');
    expect(api.get('REDIS_USE_SENTINEL')).toBe('true');
    expect(api.get('REDIS_SENTINELS')).toBe('dify-cache-node-0.dify-cache-headless:26380,dify-cache-node-1.dify-cache-headless:26380');
    expect(api.get('REDIS_SENTINEL_SERVICE_NAME')).toBe('primary');
    expect(api.get('REDIS_SENTINEL_PASSWORD')).toBe('secret:dify-api/REDIS_SENTINEL_PASSWORD');
    expect(api.get('WEAVIATE_ENDPOINT')).toBe('http://vectors');
    expect(api.get('WEAVIATE_GRPC_ENDPOINT')).toBe('grpc://vectors-grpc:50052');
    expect(api.get('DEPLOYMENT_EDITION')).toBe('CLOUD');
    expect(api.get('CONSOLE_WEB_URL')).toBe('https://console.example.com');
    expect(api.get('SERVICE_API_URL')).toBe('https://api.example.com');
    expect(api.get('APP_API_URL')).toBe('https://app-api.example.com');
    expect(api.get('FILES_URL')).toBe('https://files.example.com');
    expect(api.get('MARKETPLACE_ENABLED')).toBe('false');
    expect(api.get('LOG_LEVEL')).toBe('WARNING');
    expect(api.get('MAIL_TYPE')).toBe('smtp');
    // The sender is no secret in dify-helm: written as a value, kept in this chart's own Secret.
    expect(m.values['mail']).toMatchObject({ defaultSendFrom: { value: 'Dify <no-reply@example.com>' } });
    expect(api.get('MAIL_DEFAULT_SEND_FROM')).toBe('secret:next-dify-inline-credentials/MAIL_DEFAULT_SEND_FROM');
    expect(api.get('SMTP_SERVER')).toBe('smtp.example.com');
    expect(api.get('SMTP_PORT')).toBe('587');
    expect(api.get('SMTP_USERNAME')).toBe('mailer@example.com');
    expect(api.get('SMTP_PASSWORD')).toBe('secret:dify-api/SMTP_PASSWORD');
    expect(api.get('SMTP_USE_TLS')).toBe('false');
    expect(api.get('SMTP_OPPORTUNISTIC_TLS')).toBe('true');
    // Keys written in the old values stay in the old Secret: the output never copies them.
    expect(api.get('PLUGIN_DAEMON_KEY')).toBe('secret:dify-api/PLUGIN_DAEMON_KEY');
    expect(api.get('INNER_API_KEY_FOR_PLUGIN')).toBe('secret:dify-api/INNER_API_KEY_FOR_PLUGIN');
    expect(api.get('CODE_EXECUTION_API_KEY')).toBe('secret:dify-sandbox/API_KEY');
    expect(JSON.stringify(m.values)).not.toMatch(/in-values/);
    expect(claims(deploy(m.objects, '-api'))).toContain('old-files');
    expect(claims(deploy(m.objects, '-plugin-daemon'))).toContain('old-plugins');
    expect(m.stderr).toContain('data: PostgreSQL (Bitnami, Service olddb-main): PVC pg-data, data-olddb-ro-0, data-olddb-ro-1');
    expect(m.stderr).toContain('data: Weaviate (weaviate chart, Service vectors): PVC weaviate-data-weaviate-0, weaviate-data-weaviate-1');
    // The agents and the websocket run, from the old mirror; the agent gets a plain Redis URL Secret.
    expect(has(m, 'Deployment', '-api-websocket')).toBe(true);
    expect(image(deploy(m.objects, '-agent-backend'))).toBe('mirror.example.com/langgenius/dify-agent-backend:1.17.1');
    expect(image(deploy(m.objects, '-local-sandbox'))).toBe('mirror.example.com/langgenius/dify-agent-local-sandbox:1.17.1');
    expect(env(m, '-agent-backend').get('DIFY_AGENT_REDIS_URL')).toBe('secret:dify-migrated/DIFY_AGENT_REDIS_URL');
    expect(m.stderr).toContain('check: agentBackend.redisUrl: ');
    const route = workload(m.objects, 'HTTPRoute', '');
    expect(route.spec.parentRefs).toEqual([{ name: 'public-gw', namespace: 'gateways' }]);
    expect(route.spec.hostnames).toEqual(['dify.example.com']);
    expect(route.metadata.annotations).toMatchObject({ team: 'ai', owner: 'platform' });
    expect(route.metadata.labels).toMatchObject({ team: 'ai' });
    const pod = deploy(m.objects, '-web').spec.template.spec;
    expect(pod.tolerations).toEqual([{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]).toEqual({ key: 'pool', operator: 'In', values: ['dify'] });
    expect(unmappedLines(m)).toEqual([]);
  });

  it('external MySQL, Azure Blob, Milvus, a plain Redis, resend mail, NodePort and an annotated Ingress', async () => {
    const m = await migrate('dify-helm', 'azure-mysql.yaml');
    const api = env(m, '-api');
    // nameOverride: the old Secrets are dify-assist-*.
    expect(api.get('SECRET_KEY')).toBe('secret:dify-assist-api/SECRET_KEY');
    expect(api.get('DB_TYPE')).toBe('mysql');
    expect(api.get('DB_HOST')).toBe('mysql.example.com');
    expect(api.get('DB_PORT')).toBe('3307');
    expect(api.get('DB_DATABASE')).toBe('dify_app');
    expect(api.get('DB_USERNAME')).toBe('secret:dify-assist-api/DB_USERNAME');
    expect(api.get('DB_PASSWORD')).toBe('secret:dify-assist-api/DB_PASSWORD');
    expect(env(m, '-plugin-daemon').get('DB_DATABASE')).toBe('dify_plugins');
    expect(api.get('REDIS_HOST')).toBe('redis.example.com');
    expect(api.get('REDIS_PORT')).toBe('6380');
    expect(m.values['externalRedis']).toMatchObject({ username: { value: 'dify' } });
    expect(api.get('REDIS_USERNAME')).toBe('secret:next-dify-inline-credentials/REDIS_USERNAME');
    expect(api.get('REDIS_USE_SSL')).toBe('true');
    expect(api.get('REDIS_DB')).toBe('3');
    // The agent backend's database on the same Redis carries over (dify-helm's externalRedis.db.agent).
    expect((m.values['agentBackend'] as Record<string, unknown>)['redisDb']).toBe(6);
    expect(effectiveEnv(m.objects, deploy(m.objects, '-agent-backend')).get('DIFY_AGENT_REDIS_URL')).toMatch(/:6380\/6$/);
    expect(api.get('CELERY_BROKER_URL')).toBe('rediss://$(REDIS_USERNAME):$(REDIS_PASSWORD)@redis.example.com:6380/4');
    expect(api.get('STORAGE_TYPE')).toBe('azure-blob');
    expect(api.get('AZURE_BLOB_ACCOUNT_NAME')).toBe('acct');
    expect(api.get('AZURE_BLOB_ACCOUNT_URL')).toBe('https://acct.blob.core.windows.net');
    expect(api.get('AZURE_BLOB_CONTAINER_NAME')).toBe('dify-blobs');
    expect(api.get('AZURE_BLOB_ACCOUNT_KEY')).toBe('secret:dify-assist-api/AZURE_BLOB_ACCOUNT_KEY');
    expect(m.values['pluginDaemon']).toMatchObject({ storage: { type: 'objectStorage', bucket: 'dify-blobs' } });
    expect(api.get('VECTOR_STORE')).toBe('milvus');
    expect(api.get('MILVUS_URI')).toBe('http://milvus.example.com:19530');
    expect(api.get('MILVUS_DATABASE')).toBe('knowledge');
    expect(api.get('MILVUS_USER')).toBe('dify');
    expect(api.get('MILVUS_PASSWORD')).toBe('secret:dify-assist-api/MILVUS_PASSWORD');
    expect(api.get('MILVUS_TOKEN')).toBe('secret:dify-assist-api/MILVUS_TOKEN');
    expect(api.get('MAIL_TYPE')).toBe('resend');
    expect(api.get('RESEND_API_URL')).toBe('https://resend.example.com');
    expect(api.get('RESEND_API_KEY')).toBe('secret:dify-assist-api/RESEND_API_KEY');
    const svc = m.objects.find((o) => o.kind === 'Service' && o.spec.type === 'NodePort');
    expect(svc?.spec.ports[0]).toMatchObject({ port: 8081, nodePort: 30080 });
    expect(svc?.metadata.annotations).toMatchObject({ lb: 'internal' });
    const ing = workload(m.objects, 'Ingress', '');
    expect(ing.metadata.annotations).toMatchObject({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(ing.spec.rules.map((r: { host: string }) => r.host)).toEqual(['assist.example.com']);
    expect(unmappedLines(m)).toEqual([]);
  });

  it("Weaviate without API keys: no key, as the old Secret has none", async () => {
    const m = await migrate('dify-helm', 'weaviate-anonymous.yaml');
    const api = env(m, '-api');
    expect(api.get('WEAVIATE_ENDPOINT')).toBe('http://weaviate');
    expect(api.get('WEAVIATE_API_KEY') ?? '').toBe('');
    expect(m.values['vectorStore']).not.toHaveProperty('weaviate.apiKey');
    // Its authentication settings stay with the Weaviate the old release keeps running.
    expect(unmappedLines(m)).toEqual([expect.stringMatching(/^weaviate\.authentication\.anonymous_access\.enabled: setting of a store the old release keeps running/)]);
  });

  it('Weaviate under External Secrets: the key comes from its remote reference, as the old ExternalSecret made it', async () => {
    const m = await migrate('dify-helm', 'weaviate-eso.yaml');
    expect(env(m, '-api').get('WEAVIATE_API_KEY')).toBe('secret:next-dify-external/WEAVIATE_API_KEY');
    const es = workload(m.objects, 'ExternalSecret', '');
    const refs = new Map(es.spec.data.map((d: { secretKey: string; remoteRef: Record<string, string> }) => [d.secretKey, d.remoteRef]));
    expect(refs.get('WEAVIATE_API_KEY')).toMatchObject({ key: 'dify/weaviate', property: 'api_key' });
  });

  it('Aliyun OSS and PGVector; bundled stores renamed, standalone, TLS Redis; fullnameOverride', async () => {
    const m = await migrate('dify-helm', 'oss-pgvector.yaml');
    const api = env(m, '-api');
    expect(api.get('SECRET_KEY')).toBe('secret:ai-api/SECRET_KEY');
    expect(api.get('DB_HOST')).toBe('dify-pg');
    expect(api.get('REDIS_HOST')).toBe('kv-master');
    expect(api.get('REDIS_PORT')).toBe('6390');
    expect(api.get('REDIS_USE_SSL')).toBe('true');
    expect(api.get('STORAGE_TYPE')).toBe('aliyun-oss');
    expect(api.get('ALIYUN_OSS_BUCKET_NAME')).toBe('dify-oss');
    expect(api.get('ALIYUN_OSS_ENDPOINT')).toBe('https://oss-cn-hangzhou.aliyuncs.com');
    expect(api.get('ALIYUN_OSS_REGION')).toBe('cn-hangzhou');
    expect(api.get('ALIYUN_OSS_AUTH_VERSION')).toBe('v1');
    expect(api.get('ALIYUN_OSS_PATH')).toBe('dify/');
    expect(api.get('ALIYUN_OSS_ACCESS_KEY')).toBe('secret:ai-api/ALIYUN_OSS_ACCESS_KEY');
    expect(api.get('ALIYUN_OSS_SECRET_KEY')).toBe('secret:ai-api/ALIYUN_OSS_SECRET_KEY');
    expect(env(m, '-plugin-daemon').get('PLUGIN_STORAGE_OSS_BUCKET')).toBe('dify-oss-plugins');
    expect(api.get('VECTOR_STORE')).toBe('pgvector');
    expect(api.get('PGVECTOR_HOST')).toBe('pgvector.example.com');
    expect(api.get('PGVECTOR_PORT')).toBe('5434');
    expect(api.get('PGVECTOR_USER')).toBe('vec');
    expect(api.get('PGVECTOR_DATABASE')).toBe('vectors');
    expect(api.get('PGVECTOR_PASSWORD')).toBe('secret:ai-api/PGVECTOR_PASSWORD');
    expect(m.stderr).toContain('data: PostgreSQL (Bitnami, Service dify-pg): no PVC');
    expect(m.stderr).toContain('PVC redis-data-kv-master-0;');
    expect(unmappedLines(m)).toEqual([]);
  });

  it('Google Cloud Storage and Tencent VectorDB under External Secrets; sendgrid reported (dify-helm sent no mail with it)', async () => {
    const m = await migrate('dify-helm', 'gcs-tencent.yaml');
    const api = env(m, '-api');
    expect(api.get('STORAGE_TYPE')).toBe('google-storage');
    expect(api.get('GOOGLE_STORAGE_BUCKET_NAME')).toBe('dify-gcs');
    expect(api.get('VECTOR_STORE')).toBe('tencent');
    expect(api.get('TENCENT_VECTOR_DB_URL')).toBe('http://vdb.tencent.example.com');
    expect(api.get('TENCENT_VECTOR_DB_USERNAME')).toBe('dify');
    expect(api.get('TENCENT_VECTOR_DB_DATABASE')).toBe('kb');
    expect(api.get('TENCENT_VECTOR_DB_TIMEOUT')).toBe('45');
    expect(api.get('TENCENT_VECTOR_DB_SHARD')).toBe('2');
    expect(api.get('TENCENT_VECTOR_DB_REPLICAS')).toBe('3');
    expect(api.has('MAIL_TYPE') && api.get('MAIL_TYPE') !== '').toBe(false);
    const es = workload(m.objects, 'ExternalSecret', '');
    expect(es.spec.secretStoreRef).toEqual({ name: 'gcp-sm', kind: 'ClusterSecretStore' });
    expect(es.spec.refreshInterval).toBe('1h');
    const refs = new Map(es.spec.data.map((d: { secretKey: string; remoteRef: Record<string, string> }) => [d.secretKey, d.remoteRef]));
    expect(api.get('GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64')).toBe('secret:next-dify-external/GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64');
    expect(refs.get('GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64')).toMatchObject({ key: 'dify-gcs', property: 'sa', decodingStrategy: 'None' });
    expect(refs.get('SECRET_KEY')).toMatchObject({ key: 'dify/api', property: 'secret_key', decodingStrategy: 'Base64' });
    // No remoteRef for the Tencent key in the old ExternalSecret: the Secret is named, and said.
    expect(api.get('TENCENT_VECTOR_DB_API_KEY')).toBe('secret:dify-api/TENCENT_VECTOR_DB_API_KEY');
    expect(m.stderr).toContain('check: externalSecret.api.remoteRefs.TENCENT_VECTOR_DB_API_KEY: ');
    // The plugin daemon has no GCS driver: plugins on a new claim, and the bucket is reported.
    expect(m.values['pluginDaemon']).not.toHaveProperty('storage');
    expect(unmappedLines(m)).toEqual([expect.stringMatching(/^api\.mail\.type: sendgrid: dify-helm configures mail only for resend and smtp/), expect.stringMatching(/^externalGCS\.bucketName\.pluginDaemon: the plugin daemon has no google-storage driver/)]);
  });

  it('Tencent COS and MyScale: the secret id kept in the old ConfigMap is copied into a Secret', async () => {
    const m = await migrate('dify-helm', 'cos-myscale.yaml');
    const api = env(m, '-api');
    expect(api.get('STORAGE_TYPE')).toBe('tencent-cos');
    expect(api.get('TENCENT_COS_BUCKET_NAME')).toBe('dify-cos-1250000000');
    expect(api.get('TENCENT_COS_REGION')).toBe('ap-guangzhou');
    expect(api.get('TENCENT_COS_SCHEME')).toBe('https');
    expect(api.get('TENCENT_COS_SECRET_ID')).toBe('secret:dify-migrated/TENCENT_COS_SECRET_ID');
    expect(api.get('TENCENT_COS_SECRET_KEY')).toBe('secret:dify-api/TENCENT_COS_SECRET_KEY');
    expect(m.stderr).toContain("check: TENCENT_COS_SECRET_ID: dify-helm keeps TENCENT_COS_SECRET_ID in ConfigMap dify-api");
    expect(env(m, '-plugin-daemon').get('PLUGIN_STORAGE_OSS_BUCKET')).toBe('dify-cos-plugins-1250000000');
    expect(api.get('VECTOR_STORE')).toBe('myscale');
    expect(api.get('MYSCALE_HOST')).toBe('myscale.example.com');
    expect(api.get('MYSCALE_PORT')).toBe('8124');
    expect(api.get('MYSCALE_USER')).toBe('vec');
    expect(api.get('MYSCALE_DATABASE')).toBe('kb');
    expect(api.get('MYSCALE_FTS_PARAMS')).toBe('tokenizer=unicode');
    expect(api.get('MYSCALE_PASSWORD')).toBe('secret:dify-api/MYSCALE_PASSWORD');
    expect(unmappedLines(m)).toEqual([]);
  });

  it('Huawei OBS and Tablestore', async () => {
    const m = await migrate('dify-helm', 'obs-tablestore.yaml');
    const api = env(m, '-api');
    expect(api.get('STORAGE_TYPE')).toBe('huawei-obs');
    expect(api.get('HUAWEI_OBS_BUCKET_NAME')).toBe('dify-obs');
    expect(api.get('HUAWEI_OBS_SERVER')).toBe('https://obs.cn-north-4.myhuaweicloud.com');
    expect(api.get('HUAWEI_OBS_ACCESS_KEY')).toBe('secret:dify-api/HUAWEI_OBS_ACCESS_KEY');
    expect(api.get('HUAWEI_OBS_SECRET_KEY')).toBe('secret:dify-api/HUAWEI_OBS_SECRET_KEY');
    expect(api.get('VECTOR_STORE')).toBe('tablestore');
    expect(api.get('TABLESTORE_ENDPOINT')).toBe('https://inst.cn-hangzhou.ots.aliyuncs.com');
    expect(api.get('TABLESTORE_INSTANCE_NAME')).toBe('dify-inst');
    expect(api.get('TABLESTORE_ACCESS_KEY_ID')).toBe('secret:dify-api/TABLESTORE_ACCESS_KEY_ID');
    expect(api.get('TABLESTORE_ACCESS_KEY_SECRET')).toBe('secret:dify-api/TABLESTORE_ACCESS_KEY_SECRET');
    expect(unmappedLines(m)).toEqual([expect.stringMatching(/^externalOBS\.bucketName\.pluginDaemon: the plugin daemon has no huawei-obs driver/)]);
  });

  it('Volcengine TOS and Elasticsearch with a user', async () => {
    const m = await migrate('dify-helm', 'tos-elasticsearch.yaml');
    const api = env(m, '-api');
    expect(api.get('STORAGE_TYPE')).toBe('volcengine-tos');
    expect(api.get('VOLCENGINE_TOS_BUCKET_NAME')).toBe('dify-tos');
    expect(api.get('VOLCENGINE_TOS_ENDPOINT')).toBe('https://tos-cn-shanghai.volces.com');
    expect(api.get('VOLCENGINE_TOS_REGION')).toBe('cn-shanghai');
    expect(api.get('VOLCENGINE_TOS_ACCESS_KEY')).toBe('secret:dify-migrated/VOLCENGINE_TOS_ACCESS_KEY');
    expect(api.get('VOLCENGINE_TOS_SECRET_KEY')).toBe('secret:dify-api/VOLCENGINE_TOS_SECRET_KEY');
    expect(env(m, '-plugin-daemon').get('PLUGIN_STORAGE_OSS_BUCKET')).toBe('dify-tos-plugins');
    expect(api.get('VECTOR_STORE')).toBe('elasticsearch');
    expect(api.get('ELASTICSEARCH_HOST')).toBe('es.example.com');
    expect(api.get('ELASTICSEARCH_PORT')).toBe('9201');
    expect(api.get('ELASTICSEARCH_USERNAME')).toBe('secret:dify-api/ELASTICSEARCH_USERNAME');
    expect(api.get('ELASTICSEARCH_PASSWORD')).toBe('secret:dify-api/ELASTICSEARCH_PASSWORD');
    expect(unmappedLines(m)).toEqual([]);
  });

  it('S3 through IAM, an external Weaviate, other Service ports and nginx settings', async () => {
    const m = await migrate('dify-helm', 's3-iam-weaviate.yaml');
    const api = env(m, '-api');
    expect(api.get('S3_USE_AWS_MANAGED_IAM')).toBe('true');
    expect(api.has('S3_ACCESS_KEY')).toBe(false);
    expect(api.get('S3_REGION')).toBe('eu-central-1');
    expect(api.get('S3_BUCKET_NAME')).toBe('dify-iam');
    expect(api.get('WEAVIATE_ENDPOINT')).toBe('http://weaviate.example.com:8080');
    expect(api.get('WEAVIATE_GRPC_ENDPOINT')).toBe('grpc://weaviate.example.com:50051');
    expect(api.get('CODE_EXECUTION_ENDPOINT')).toBe('http://next-dify-sandbox:8195');
    expect(workload(m.objects, 'Service', '-api').spec.ports[0].port).toBe(5101);
    expect(workload(m.objects, 'Service', '-web').spec.ports[0].port).toBe(3100);
    expect(workload(m.objects, 'Service', '-plugin-daemon').spec.ports[0].port).toBe(5102);
    const nginx = m.objects.filter((o) => o.kind === 'ConfigMap').map((o) => JSON.stringify(o.data)).join('\n');
    expect(nginx).toContain('client_max_body_size 100m');
    expect(nginx).toContain('worker_processes 4');
    expect(unmappedLines(m)).toEqual([]);
  });
});

describe('migrate --from douban: every env name and store it maps', () => {
  it('embedded MinIO, PGVector, SMTP from env lists, an HTTPRoute, persistence and plugin Secrets', async () => {
    const m = await migrate('douban', 'minio.yaml');
    const api = env(m, '-api');
    // Bitnami's MinIO Deployment carries the same instance label (and app.kubernetes.io/name=minio):
    // the scale command must leave it running, as the output stores files in it.
    expect(m.stderr).toContain('kubectl scale deploy -l app.kubernetes.io/instance=dify,app.kubernetes.io/name=dify --replicas=0');
    expect(api.get('CONSOLE_API_URL')).toBe('https://dify.example.com:8443');
    expect(api.get('STORAGE_TYPE')).toBe('s3');
    expect(api.get('S3_ENDPOINT')).toBe('http://dify-minio:9100');
    expect(api.get('S3_BUCKET_NAME')).toBe('uploads');
    expect(api.get('S3_ACCESS_KEY')).toBe('secret:dify-minio/root-user');
    expect(api.get('S3_SECRET_KEY')).toBe('secret:dify-minio/root-password');
    expect(JSON.stringify(m.values)).not.toContain('admin-password-in-values');
    expect(m.stderr).toContain('data: files (Bitnami MinIO, Service dify-minio): PVC dify-minio');
    expect(m.stderr).toContain('data: PostgreSQL (Bitnami, Service dify-postgresql): PVC data-dify-postgresql-0');
    expect(m.stderr).toContain('PVC redis-data-dify-redis-master-0');
    expect(api.get('VECTOR_STORE')).toBe('pgvector');
    expect(api.get('PGVECTOR_HOST')).toBe('pgvector.example.com');
    expect(api.get('PGVECTOR_PORT')).toBe('5433');
    expect(api.get('PGVECTOR_USER')).toBe('vec');
    expect(api.get('PGVECTOR_DATABASE')).toBe('vectors');
    expect(api.get('PGVECTOR_PASSWORD')).toBe('secret:dify-creds/PGVECTOR_PASSWORD');
    expect(api.get('MAIL_TYPE')).toBe('smtp');
    expect(api.get('SMTP_SERVER')).toBe('smtp.example.com');
    expect(api.get('SMTP_PORT')).toBe('587');
    expect(api.get('SMTP_USERNAME')).toBe('mailer@example.com');
    expect(api.get('SMTP_PASSWORD')).toBe('secret:dify-creds/SMTP_PASSWORD');
    expect(api.get('SMTP_USE_TLS')).toBe('false');
    expect(api.get('SMTP_OPPORTUNISTIC_TLS')).toBe('true');
    expect(api.get('MAIL_DEFAULT_SEND_FROM')).toBe('secret:next-dify-inline-credentials/MAIL_DEFAULT_SEND_FROM');
    const a = deploy(m.objects, '-api');
    expect(a.metadata.labels).toMatchObject({ team: 'ai' });
    expect(a.spec.template.spec.volumes).toContainEqual({ name: 'certs', secret: { secretName: 'corp-ca' } });
    // douban mounted its top-level volumes on api, worker and worker-beat.
    for (const c of ['-api', '-worker', '-beat']) {
      expect(deploy(m.objects, c).spec.template.spec.volumes, c).toContainEqual({ name: 'certs', secret: { secretName: 'corp-ca' } });
      expect(deploy(m.objects, c).spec.template.spec.containers[0].volumeMounts, c).toContainEqual({ name: 'certs', mountPath: '/etc/corp-ca', readOnly: true });
    }
    const pd = deploy(m.objects, '-plugin-daemon');
    expect(claims(pd)).toContain('dify-plugin-daemon-pvc');
    expect(pd.spec.strategy.type).toBe('RollingUpdate');
    expect(env(m, '-plugin-daemon').get('SERVER_KEY')).toBe('secret:plugin-keys/plugin-daemon-key');
    expect(api.get('PLUGIN_DAEMON_KEY')).toBe('secret:plugin-keys/plugin-daemon-key');
    expect(api.get('INNER_API_KEY_FOR_PLUGIN')).toBe('secret:plugin-keys/plugin-dify-inner-api-key');
    expect(m.values['sandbox']).toMatchObject({ pythonRequirements: ['numpy==2.1.0', 'requests'] });
    const route = workload(m.objects, 'HTTPRoute', '');
    expect(route.spec.parentRefs).toEqual([{ name: 'public-gw', namespace: 'gateways' }]);
    expect(route.spec.hostnames).toEqual(['dify.example.com']);
    expect(unmappedLines(m)).toEqual([]);
  });

  it('renamed objects: the subcharts’ Secrets and Services by their fullnameOverride', async () => {
    const m = await migrate('douban', 'names.yaml');
    const api = env(m, '-api');
    expect(api.get('DB_HOST')).toBe('prod-postgresql');
    expect(api.get('DB_PASSWORD')).toBe('secret:prod-postgresql/postgres-password');
    expect(api.get('REDIS_HOST')).toBe('prod-redis-master');
    expect(api.get('REDIS_PASSWORD')).toBe('secret:prod-redis/redis-password');
    expect(api.get('S3_ENDPOINT')).toBe('http://prod-minio:9000');
    expect(api.get('S3_BUCKET_NAME')).toBe('dify');
    expect(api.get('S3_ACCESS_KEY')).toBe('secret:prod-minio/root-user');
    expect(m.stderr).toContain('kubectl create secret generic prod-migrated');
    // nameOverride is douban's name label: the scale command stops its Deployments only.
    expect(m.stderr).toContain('kubectl scale deploy -l app.kubernetes.io/instance=dify,app.kubernetes.io/name=ai --replicas=0');
    expect(unmappedLines(m)).toEqual([]);
  });

  it("the embedded stores' existing Secrets and claims: the Secrets Bitnami read, not the ones it did not make", async () => {
    const m = await migrate('douban', 'existing-secrets.yaml');
    const api = env(m, '-api');
    // douban connects as postgres: Bitnami keeps its password under the admin key.
    expect(api.get('DB_USERNAME')).toMatch(/^secret:next-dify-/);
    expect(m.values['externalPostgresql']).toMatchObject({ username: { value: 'postgres' } });
    expect(api.get('DB_PASSWORD')).toBe('secret:pg-creds/postgres-password');
    expect(api.get('REDIS_PASSWORD')).toBe('secret:redis-creds/redis-password');
    expect(api.get('S3_ACCESS_KEY')).toBe('secret:minio-creds/root-user');
    expect(api.get('S3_SECRET_KEY')).toBe('secret:minio-creds/root-password');
    expect(m.stderr).toContain('data: PostgreSQL (Bitnami, Service dify-postgresql): PVC my-pg-data\n');
    expect(m.stderr).toContain('data: Redis (Bitnami, Service dify-redis-master): PVC my-redis-data ');
    expect(m.stderr).toContain('data: files (Bitnami MinIO, Service dify-minio): PVC my-minio-data\n');
    expect(JSON.stringify(m.values)).not.toMatch(/"name":"dify-(postgresql|redis|minio)"/);
    expect(unmappedLines(m)).toEqual([]);
  });

  it('existing Secrets under other keys: the admin key for postgres, the Redis password key', async () => {
    const m = await migrate('douban', 'secret-keys.yaml');
    const api = env(m, '-api');
    expect(api.get('DB_PASSWORD')).toBe('secret:pg-creds/admin-password');
    expect(api.get('REDIS_PASSWORD')).toBe('secret:redis-creds/pw');
    expect(unmappedLines(m)).toEqual([]);
  });

  it('Redis without auth: no password', async () => {
    const m = await migrate('douban', 'redis-no-auth.yaml');
    expect(m.values['externalRedis']).not.toHaveProperty('password');
    expect(env(m, '-api').get('REDIS_PASSWORD') ?? '').toBe('');
    expect(env(m, '-api').get('CELERY_BROKER_URL')).toBe('redis://dify-redis-master:6379/1');
    expect(unmappedLines(m)).toEqual([]);
  });

  it("env lists override the embedded stores' settings, as they did in the old pods", async () => {
    const m = await migrate('douban', 'env-overrides.yaml');
    const api = env(m, '-api');
    expect(api.get('DB_HOST')).toBe('dify-postgresql');
    expect(api.get('DB_DATABASE')).toBe('difyprod');
    expect(api.get('DB_PASSWORD')).toBe('secret:dify-creds/DB_PASSWORD');
    expect(api.get('REDIS_HOST')).toBe('dify-redis-master');
    expect(api.get('REDIS_DB')).toBe('3');
    // douban's CELERY_BROKER_URL stayed on database 1.
    expect(api.get('CELERY_BROKER_URL')).toMatch(/@dify-redis-master:6379\/1$/);
    expect(env(m, '-plugin-daemon').get('DB_DATABASE')).toBe('difyprod');
    expect(unmappedLines(m)).toEqual([]);
    // A broker URL of the lists replaced douban's: its database is not known here, and said.
    const celery = join(tmp, 'douban-celery.yaml');
    writeFileSync(celery, 'global:\n  extraBackendEnvs:\n    - {name: SECRET_KEY, valueFrom: {secretKeyRef: {name: s, key: k}}}\n    - {name: CELERY_BROKER_URL, value: "redis://:p@dify-redis-master:6379/5"}\n');
    const r = await cli(['migrate', '--from', 'douban', celery]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^check: externalRedis\.celeryDb: the old values set CELERY_BROKER_URL/m);
  });

  it('the global env lists reach web and the plugin daemon as they did in douban', async () => {
    const m = await migrate('douban', 'env-reach.yaml');
    for (const c of ['-api', '-worker', '-beat', '-web', '-plugin-daemon']) {
      expect(env(m, c).get('TZ'), c).toBe('Europe/Paris');
      expect(env(m, c).get('HTTPS_PROXY'), c).toBe('secret:proxy/url');
    }
    for (const c of ['-api', '-worker', '-beat', '-plugin-daemon']) expect(env(m, c).get('HTTP_REQUEST_MAX_READ_TIMEOUT'), c).toBe('120');
    expect(env(m, '-web').has('HTTP_REQUEST_MAX_READ_TIMEOUT')).toBe(false);
    expect(env(m, '-web').get('NEXT_TELEMETRY_DISABLED')).toBe('1');
    expect(env(m, '-dify-sandbox').has('TZ')).toBe(false);
    // The global entries come before the component's own, as in douban's pods.
    expect((m.values['web'] as { extraEnv: { name: string }[] }).extraEnv.map((e) => e.name)).toEqual(['TZ', 'HTTPS_PROXY', 'NEXT_TELEMETRY_DISABLED']);
    expect(unmappedLines(m)).toEqual([]);
  });

  it('Azure Blob, OpenSearch, an external Redis and resend mail from env lists', async () => {
    const m = await migrate('douban', 'azure.yaml');
    const api = env(m, '-api');
    expect(api.get('CONSOLE_API_URL')).toBe('https://assist.example.com');
    expect(api.get('LOG_LEVEL')).toBe('WARNING');
    expect(api.get('CHECK_UPDATE_URL')).toBe('');
    expect(api.get('STORAGE_TYPE')).toBe('azure-blob');
    expect(api.get('AZURE_BLOB_ACCOUNT_NAME')).toBe('acct');
    expect(api.get('AZURE_BLOB_CONTAINER_NAME')).toBe('dify-blobs');
    expect(api.get('AZURE_BLOB_ACCOUNT_URL')).toBe('https://acct.blob.core.windows.net');
    expect(api.get('AZURE_BLOB_ACCOUNT_KEY')).toBe('secret:dify-creds/AZURE_BLOB_ACCOUNT_KEY');
    expect(api.get('VECTOR_STORE')).toBe('opensearch');
    expect(api.get('OPENSEARCH_HOST')).toBe('search.example.com');
    expect(api.get('OPENSEARCH_PORT')).toBe('9201');
    expect(api.get('OPENSEARCH_USER')).toBe('dify');
    expect(api.get('OPENSEARCH_PASSWORD')).toBe('secret:dify-creds/OPENSEARCH_PASSWORD');
    expect(api.get('REDIS_HOST')).toBe('redis.example.com');
    expect(api.get('REDIS_PORT')).toBe('6380');
    expect(api.get('REDIS_USE_SSL')).toBe('true');
    expect(api.get('REDIS_USERNAME')).toBe('secret:next-dify-inline-credentials/REDIS_USERNAME');
    expect(m.values['externalRedis']).toMatchObject({ username: { value: 'dify' } });
    expect(api.get('REDIS_PASSWORD')).toBe('secret:dify-creds/REDIS_PASSWORD');
    expect(api.get('MAIL_TYPE')).toBe('resend');
    expect(api.get('RESEND_API_URL')).toBe('https://resend.example.com');
    expect(api.get('RESEND_API_KEY')).toBe('secret:dify-creds/RESEND_API_KEY');
    expect(unmappedLines(m)).toEqual([]);
  });

  it('Google Cloud Storage, Elasticsearch and SendGrid from env lists; plugins without persistence', async () => {
    const m = await migrate('douban', 'gcs.yaml');
    const api = env(m, '-api');
    expect(api.get('STORAGE_TYPE')).toBe('google-storage');
    expect(api.get('GOOGLE_STORAGE_BUCKET_NAME')).toBe('dify-gcs');
    expect(api.get('GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64')).toBe('secret:dify-creds/GCS_SA');
    expect(api.get('VECTOR_STORE')).toBe('elasticsearch');
    expect(api.get('ELASTICSEARCH_HOST')).toBe('es.example.com');
    expect(api.get('ELASTICSEARCH_PORT')).toBe('9201');
    expect(api.get('ELASTICSEARCH_USERNAME')).toBe('secret:next-dify-inline-credentials/ELASTICSEARCH_USERNAME');
    expect(m.values['vectorStore']).toMatchObject({ elasticsearch: { username: { value: 'elastic' } } });
    expect(api.get('ELASTICSEARCH_PASSWORD')).toBe('secret:dify-creds/ELASTICSEARCH_PASSWORD');
    expect(api.get('MAIL_TYPE')).toBe('sendgrid');
    expect(api.get('MAIL_DEFAULT_SEND_FROM')).toBe('secret:dify-creds/MAIL_FROM');
    expect(api.get('SENDGRID_API_KEY')).toBe('secret:dify-creds/SENDGRID_API_KEY');
    expect(claims(deploy(m.objects, '-plugin-daemon'))).not.toContain('dify-plugin-daemon-pvc');
    expect(m.stderr).toContain('data: installed plugins: no PVC');
    expect(unmappedLines(m)).toEqual([]);
  });

  it('S3 through IAM and an external Weaviate from env lists', async () => {
    const m = await migrate('douban', 's3-weaviate.yaml');
    const api = env(m, '-api');
    expect(api.get('S3_ENDPOINT')).toBe('https://s3.eu-central-1.amazonaws.com');
    expect(api.get('S3_REGION')).toBe('eu-central-1');
    expect(api.get('S3_BUCKET_NAME')).toBe('dify-iam');
    expect(api.get('S3_USE_AWS_MANAGED_IAM')).toBe('true');
    expect(api.get('VECTOR_STORE')).toBe('weaviate');
    expect(api.get('WEAVIATE_ENDPOINT')).toBe('http://weaviate.example.com:8080');
    expect(api.get('WEAVIATE_GRPC_ENDPOINT')).toBe('grpc://weaviate.example.com:50051');
    expect(api.get('WEAVIATE_API_KEY')).toBe('secret:dify-creds/WEAVIATE_API_KEY');
    expect(has(m, 'StatefulSet', '-weaviate')).toBe(false);
    expect(unmappedLines(m)).toEqual([]);
  });

  it('component env lists, inline internal keys, the embedded database, Milvus credentials, a TLS Ingress', async () => {
    const m = await migrate('douban', 'settings.yaml');
    const api = env(m, '-api');
    expect(api.get('DEPLOYMENT_EDITION')).toBe('ENTERPRISE');
    expect(api.get('MILVUS_URI')).toBe('http://milvus.example.com:19530');
    expect(api.get('MILVUS_USER')).toBe('dify');
    expect(api.get('MILVUS_DATABASE')).toBe('knowledge');
    expect(api.get('MILVUS_PASSWORD')).toBe('secret:dify-creds/MILVUS_PASSWORD');
    expect(api.get('MILVUS_TOKEN')).toBe('secret:dify-creds/MILVUS_TOKEN');
    expect(api.get('DB_DATABASE')).toBe('difydb');
    expect(api.get('DB_PASSWORD')).toBe('secret:dify-postgresql/postgres-password');
    const web = env(m, '-web');
    expect(web.get('MARKETPLACE_URL')).toBe('https://market.example.com');
    expect(m.values['dify']).toMatchObject({ marketplace: { url: 'https://market.example.com', apiUrl: 'https://market-api.example.com' } });
    expect(web.get('NEXT_TELEMETRY_DISABLED')).toBe('1');
    const sandbox = env(m, '-dify-sandbox'); // not the agents' local sandbox
    expect(sandbox.get('WORKER_TIMEOUT')).toBe('30');
    expect(sandbox.get('SANDBOX_EXTRA')).toBe('yes');
    const pd = env(m, '-plugin-daemon');
    expect(pd.get('DB_DATABASE')).toBe('plugins2');
    expect(pd.get('MAX_PLUGIN_PACKAGE_SIZE')).toBe('104857600');
    expect(pd.get('FORCE_VERIFYING_SIGNATURE')).toBe('false');
    // The port douban's daemon listened on for remote installs is the one shown to developers here.
    expect(api.get('PLUGIN_REMOTE_INSTALL_PORT')).toBe('5013');
    expect(pd.get('PLUGIN_EXTRA')).toBe('on');
    // Inline internal keys only linked douban's own components: this chart generates new ones.
    expect(JSON.stringify(m.values)).not.toMatch(/in-values/);
    expect(m.stderr).toContain('check: sandbox.apiKey: a plain value in the old values');
    const ing = workload(m.objects, 'Ingress', '');
    expect(ing.metadata.annotations).toMatchObject({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(ing.spec.tls).toEqual([{ secretName: 'dify-cert', hosts: ['dify.example.com'] }]);
    expect(unmappedLines(m)).toEqual([]);
  });

  it('the plugin daemon off stays off', async () => {
    const m = await migrate('douban', 'no-plugins.yaml');
    expect(has(m, 'Deployment', '-plugin-daemon')).toBe(false);
    expect(m.values['pluginDaemon']).toEqual({ enabled: false });
    // The agent backend needs the plugin daemon here.
    expect(has(m, 'Deployment', '-agent-backend')).toBe(false);
    expect(m.stderr).toContain('check: agentBackend.enabled: off because the old release ran no plugin daemon');
    expect(unmappedLines(m)).toEqual([]);
  });

  it('local files and Qdrant from env lists; MAIL_TYPE without a sender leaves mail off, reported', async () => {
    const m = await migrate('douban', 'qdrant.yaml');
    const api = env(m, '-api');
    expect(api.get('STORAGE_TYPE')).toBe('opendal');
    expect(api.get('VECTOR_STORE')).toBe('qdrant');
    expect(api.get('QDRANT_URL')).toBe('https://qdrant.example.com');
    expect(api.get('QDRANT_API_KEY')).toBe('secret:dify-creds/QDRANT_API_KEY');
    const noSender = join(tmp, 'douban-no-sender.yaml');
    writeFileSync(noSender, 'global:\n  extraBackendEnvs:\n    - {name: SECRET_KEY, valueFrom: {secretKeyRef: {name: s, key: k}}}\n    - {name: MAIL_TYPE, value: resend}\n');
    const r = await cli(['migrate', '--from', 'douban', noSender]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('global.extraBackendEnvs: MAIL_TYPE resend without MAIL_DEFAULT_SEND_FROM: mail is left off');
    expect(parse(r.stdout)).not.toHaveProperty('mail');
  });
});

/**
 * A cheap, honest coverage check: every key path a peer module reads by a literal is set in at
 * least one of that peer's fixtures, and every env name it maps appears in one, so no mapping goes
 * untested. Paths read only to report them unmappable (`cannot`, `report`) are not required.
 */
describe('migrate fixtures exercise every path the modules read', () => {
  const READ = /\b(?:o\.(?:str|bool|num|list|map|get|changed|consume|isSet)|secretIf|pluginBucket|noPluginDriver)\('([A-Za-z0-9_.]+)'/g;
  // Read, but nothing for a fixture to show: each with the reason.
  const EXEMPT: Record<string, Record<string, string>> = {
    'dify-helm': { 'api.migration': 'read only to report a change (this chart runs migrations in a Job); unknown.yaml-style reports are tested elsewhere' },
    douban: {
      'global.extraBackendEnvs': 'read through envList (the report call names it); every fixture sets it',
    },
  };
  const fixtures = (peer: string): unknown[] =>
    readdirSync(join(FIX, peer))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => parse(readFileSync(join(FIX, peer, f), 'utf8')) as unknown);
  const setIn = (doc: unknown, path: string): boolean => {
    let cur: unknown = doc;
    for (const k of path.split('.')) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(k in cur)) return false;
      cur = (cur as Record<string, unknown>)[k];
    }
    return true;
  };
  for (const peer of ['dify-helm', 'douban']) {
    it(`${peer}: every literal read path is set in a fixture`, () => {
      const src = readFileSync(join(ROOT, 'src', 'migrate', `${peer}.ts`), 'utf8');
      const paths = new Set([...src.matchAll(READ)].map((x) => x[1]!));
      // dify-helm's object stores are read through a table: every path it names, and each section's switch.
      if (peer === 'dify-helm') {
        for (const [section, store] of Object.entries(OBJECT_STORES)) {
          paths.add(`${section}.enabled`);
          paths.add(`${section}.${store.plugin === 'noDriver' ? 'bucketName.pluginDaemon' : store.plugin}`);
          for (const f of Object.values(store.fields)) if ('path' in f || 'flag' in f) paths.add(`${section}.${'path' in f ? f.path : f.flag}`);
        }
      }
      expect(paths.size).toBeGreaterThan(40);
      const docs = fixtures(peer);
      const missing = [...paths].filter((p) => !(p in EXEMPT[peer]!) && !docs.some((d) => setIn(d, p)));
      expect(missing, missing.join(' ')).toEqual([]);
    });
  }

  it('dify-helm: every credential the module maps is asserted as a secretKeyRef in a test', () => {
    const src = readFileSync(join(ROOT, 'src', 'migrate', 'dify-helm.ts'), 'utf8');
    const test = readFileSync(join(ROOT, 'test', 'migrate', 'migrate.test.ts'), 'utf8');
    const names = new Set([...src.matchAll(/\b(?:cred|secretIf\('[^']+',\s*|configMapCopy)\(?'([A-Z0-9_]+)'/g)].map((x) => x[1]!));
    for (const store of Object.values(OBJECT_STORES)) for (const f of Object.values(store.fields)) if ('cred' in f || 'configMap' in f) names.add('cred' in f ? f.cred : f.configMap);
    expect(names.size).toBeGreaterThan(20);
    const missing = [...names].filter((n) => !new RegExp(`secret:[a-z0-9-]+/${n}'`).test(test));
    expect(missing, missing.join(' ')).toEqual([]);
  });

  it('douban: every env name with a typed value or a credential appears in a fixture', () => {
    const src = readFileSync(join(ROOT, 'src', 'migrate', 'douban.ts'), 'utf8');
    const tables = src.slice(src.indexOf('const CREDENTIALS'), src.indexOf('/** Names this chart sets itself'));
    const names = new Set([...tables.matchAll(/^\s+([A-Z0-9_]+): /gm)].map((x) => x[1]!));
    expect(names.size).toBeGreaterThan(40);
    const text = readdirSync(join(FIX, 'douban')).map((f) => readFileSync(join(FIX, 'douban', f), 'utf8')).join('\n');
    const missing = [...names].filter((n) => !new RegExp(`name: ${n}\\b`).test(text));
    expect(missing, missing.join(' ')).toEqual([]);
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
