/** The env of each component is what the Dify reference lists for it, in each configuration. */
import { describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 120_000 });
import { containerEnv, effectiveEnv, engineAvailable, find, render } from './render.js';

const SECRET = 'secret:release-name-dify-inline-credentials';

describe.skipIf(!engineAvailable)('component env', () => {
  it('api: urls, database, redis, celery, storage, vector store, sandbox, SSRF proxy, plugin daemon, marketplace', async () => {
    const { objects } = await render('defaults.yaml');
    const env = effectiveEnv(objects, find(objects, 'Deployment', '-api')!);
    expect(env.get('MODE')).toBe('api');
    expect(env.get('MIGRATION_ENABLED')).toBe('false'); // the migration Job runs them
    for (const k of ['CONSOLE_API_URL', 'CONSOLE_WEB_URL', 'SERVICE_API_URL', 'APP_API_URL', 'APP_WEB_URL', 'FILES_URL'])
      expect(env.has(k), k).toBe(true);
    expect(env.get('INTERNAL_FILES_URL')).toBe('http://release-name-dify-api:5001');
    expect(env.get('DB_HOST')).toBe('release-name-dify-postgresql');
    expect(env.get('DB_PORT')).toBe('5432');
    expect(env.get('DB_DATABASE')).toBe('dify');
    expect(env.get('DB_PASSWORD')).toBe(`${SECRET}/DB_PASSWORD`);
    expect(env.get('REDIS_HOST')).toBe('release-name-dify-redis');
    expect(env.get('REDIS_PASSWORD')).toBe(`${SECRET}/REDIS_PASSWORD`);
    expect(env.get('CELERY_BROKER_URL')).toBe('redis://:$(REDIS_PASSWORD)@release-name-dify-redis:6379/1');
    expect(env.get('SECRET_KEY')).toBe(`${SECRET}/SECRET_KEY`);
    expect(env.get('STORAGE_TYPE')).toBe('opendal');
    expect(env.get('OPENDAL_FS_ROOT')).toBe('/app/api/storage');
    expect(env.get('VECTOR_STORE')).toBe('weaviate');
    expect(env.get('WEAVIATE_API_KEY')).toBe(`${SECRET}/WEAVIATE_API_KEY`);
    expect(env.get('CODE_EXECUTION_ENDPOINT')).toBe('http://release-name-dify-sandbox:8194');
    expect(env.get('CODE_EXECUTION_API_KEY')).toBe(`${SECRET}/CODE_EXECUTION_API_KEY`);
    expect(env.get('SSRF_PROXY_HTTP_URL')).toBe('http://release-name-dify-ssrf-proxy:3128');
    expect(env.get('SSRF_PROXY_HTTPS_URL')).toBe('http://release-name-dify-ssrf-proxy:3128');
    expect(env.get('PLUGIN_DAEMON_URL')).toBe('http://release-name-dify-plugin-daemon:5002');
    expect(env.get('PLUGIN_DAEMON_KEY')).toBe(`${SECRET}/PLUGIN_DAEMON_KEY`);
    expect(env.get('INNER_API_KEY_FOR_PLUGIN')).toBe(`${SECRET}/PLUGIN_DIFY_INNER_API_KEY`);
    expect(env.get('PLUGIN_REMOTE_INSTALL_PORT')).toBe('5003');
    expect(env.get('PLUGIN_MAX_PACKAGE_SIZE')).toBe('52428800');
    expect(env.get('MARKETPLACE_ENABLED')).toBe('true');
    expect(env.get('MARKETPLACE_API_URL')).toBe('https://marketplace.dify.ai');
    expect(env.get('LOG_LEVEL')).toBe('INFO');
  });

  it('worker gets the SSRF proxy too and never migrates; beat is MODE=beat without plugin keys', async () => {
    const { objects } = await render('defaults.yaml');
    const worker = effectiveEnv(objects, find(objects, 'Deployment', '-worker')!);
    expect(worker.get('MODE')).toBe('worker');
    expect(worker.get('MIGRATION_ENABLED')).toBe('false');
    expect(worker.get('SSRF_PROXY_HTTP_URL')).toBe('http://release-name-dify-ssrf-proxy:3128');
    // No CELERY_QUEUES: the 1.17 entrypoint consumes every queue of DEPLOYMENT_EDITION (21 for COMMUNITY).
    expect(worker.has('CELERY_QUEUES')).toBe(false);
    expect(worker.get('DEPLOYMENT_EDITION')).toBe('COMMUNITY');
    expect(worker.get('PLUGIN_DAEMON_KEY')).toBe(`${SECRET}/PLUGIN_DAEMON_KEY`);
    expect(worker.has('PLUGIN_REMOTE_INSTALL_HOST')).toBe(false);
    const beat = effectiveEnv(objects, find(objects, 'Deployment', '-beat')!);
    expect(beat.get('MODE')).toBe('beat');
    expect(beat.get('MIGRATION_ENABLED')).toBe('false');
    expect(beat.has('INNER_API_KEY_FOR_PLUGIN')).toBe(false);
    expect(beat.get('SECRET_KEY')).toBe(`${SECRET}/SECRET_KEY`);
    // The migration Job: flask upgrade-db in an init container, then the one-off data migration of
    // legacy model types (MODE=job) in the same pod, so it never meets an old schema.
    const job = objects.find((o) => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === 'migration')!;
    const migrate = job.spec.template.spec.initContainers[0];
    expect(migrate.name).toBe('migrate');
    const menv = new Map<string, string>(migrate.env.map((e: { name: string; value?: string }) => [e.name, e.value ?? '']));
    expect(menv.get('MODE')).toBe('migration');
    expect(menv.get('MIGRATION_ENABLED')).toBe('true');
    const jenv = containerEnv(job);
    expect(jenv.get('MODE')).toBe('job');
    expect(jenv.get('MIGRATION_ENABLED')).toBe('false');
    expect(job.spec.template.spec.containers[0].args).toEqual(['data-migrate', 'legacy-model-types', '--apply']);
    // backfill-plugin-auto-upgrade waits for the plugin daemon's health check, then runs as MODE=job.
    const backfill = objects.find((o) => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === 'plugin-backfill')!;
    expect(backfill.spec.template.spec.initContainers[0].command[2]).toContain('http://release-name-dify-plugin-daemon:5002/health/check');
    expect(backfill.spec.template.spec.containers[0].args).toEqual(['backfill-plugin-auto-upgrade']);
    expect(containerEnv(backfill).get('MODE')).toBe('job');
    // It asks the daemon for each tenant's plugins, so it carries the daemon's key: the api's secret reference.
    type Env = { name: string; valueFrom?: unknown };
    const keyOf = (c: { env: Env[] }) => c.env.find((e) => e.name === 'PLUGIN_DAEMON_KEY')?.valueFrom;
    const apiKey = keyOf(find(objects, 'Deployment', '-api')!.spec.template.spec.containers[0]);
    expect(apiKey).toMatchObject({ secretKeyRef: { key: 'PLUGIN_DAEMON_KEY' } });
    expect(keyOf(backfill.spec.template.spec.containers[0])).toEqual(apiKey);
  });

  it("the migration Job takes the api's extraEnv and extraEnvFrom (it runs the api's code against its database)", async () => {
    const { objects } = await render('strings.yaml');
    const api = find(objects, 'Deployment', '-api')!.spec.template.spec.containers[0];
    const job = objects.find((o) => o.kind === 'Job')!.spec.template.spec.containers[0];
    const names = (c: { env: { name: string }[] }): string[] => c.env.map((e) => e.name);
    const extra = ['CUSTOM_FROM_SECRET', 'CUSTOM_PLAIN'];
    // After the chart's own entries, as in the api container, so they win there too.
    expect(names(job).slice(-extra.length)).toEqual(extra);
    expect(job.env.slice(-extra.length)).toEqual(api.env.filter((e: { name: string }) => extra.includes(e.name)));
    expect(job.envFrom).toEqual(api.envFrom);
    expect(job.envFrom).toContainEqual({ secretRef: { name: 'extra-env' } });
  });

  it('shared secrets agree across services (reference section 6)', async () => {
    const { objects } = await render('defaults.yaml');
    const api = effectiveEnv(objects, find(objects, 'Deployment', '-api')!);
    const sandbox = effectiveEnv(objects, find(objects, 'Deployment', '-sandbox')!);
    const plugin = effectiveEnv(objects, find(objects, 'Deployment', '-plugin-daemon')!);
    expect(sandbox.get('API_KEY')).toBe(api.get('CODE_EXECUTION_API_KEY'));
    expect(plugin.get('SERVER_KEY')).toBe(api.get('PLUGIN_DAEMON_KEY'));
    expect(plugin.get('DIFY_INNER_API_KEY')).toBe(api.get('INNER_API_KEY_FOR_PLUGIN'));
    expect(plugin.get('DB_PASSWORD')).toBe(api.get('DB_PASSWORD'));
    expect(plugin.get('REDIS_PASSWORD')).toBe(api.get('REDIS_PASSWORD'));
    expect(plugin.get('DB_DATABASE')).toBe('dify_plugin');
    expect(plugin.get('DIFY_INNER_API_URL')).toBe('http://release-name-dify-api:5001');
    expect(plugin.get('SERVER_PORT')).toBe('5002');
    const secret = objects.find((o) => o.kind === 'Secret')!;
    for (const key of ['SECRET_KEY', 'DB_PASSWORD', 'REDIS_PASSWORD', 'CODE_EXECUTION_API_KEY', 'PLUGIN_DAEMON_KEY', 'PLUGIN_DIFY_INNER_API_KEY'])
      expect(secret.data?.[key], key).toBeTruthy();
  });

  it('sandbox egress goes through the SSRF proxy; web is configured for same-origin and the proxied marketplace', async () => {
    const { objects } = await render('defaults.yaml');
    const sandbox = effectiveEnv(objects, find(objects, 'Deployment', '-sandbox')!);
    expect(sandbox.get('HTTP_PROXY')).toBe('http://release-name-dify-ssrf-proxy:3128');
    expect(sandbox.get('HTTPS_PROXY')).toBe('http://release-name-dify-ssrf-proxy:3128');
    expect(sandbox.get('ENABLE_NETWORK')).toBe('true');
    expect(sandbox.get('WORKER_TIMEOUT')).toBe('15');
    const web = effectiveEnv(objects, find(objects, 'Deployment', '-web')!);
    expect(web.get('CONSOLE_API_URL')).toBe('');
    expect(web.get('APP_API_URL')).toBe('');
    // Not /marketplace: that is the console's Marketplace page (web/app/(commonLayout)/marketplace in Dify 1.17).
    expect(web.get('MARKETPLACE_API_URL')).toBe('/marketplace-api');
    expect([...web.keys()].some((k) => /KEY|PASSWORD/.test(k))).toBe(false);
  });

  it('every Dify pod: enableServiceLinks false, checksums, strict security context or a documented exception', async () => {
    const { objects } = await render('defaults.yaml');
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      const pod = d.spec.template;
      expect(pod.spec.enableServiceLinks, d.metadata.name).toBe(false);
      // A pod that reads a ConfigMap rolls when it changes (the agent backend and local sandbox have their settings inline).
      const readsConfigMap = (pod.spec.volumes ?? []).some((v: { configMap?: unknown }) => v.configMap) || pod.spec.containers.some((c: { envFrom?: { configMapRef?: unknown }[] }) => (c.envFrom ?? []).some((e) => e.configMapRef));
      if (readsConfigMap) expect(pod.metadata.annotations?.['checksum/config'], d.metadata.name).toMatch(/^[0-9a-f]{64}$/);
      else expect(pod.metadata.annotations?.['checksum/secret'], d.metadata.name).toMatch(/^[0-9a-f]{64}$/);
      const c = pod.spec.containers[0];
      expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(c.securityContext.capabilities.drop).toContain('ALL');
      expect(pod.spec.securityContext.seccompProfile.type).toBe('RuntimeDefault');
      expect(c.image).not.toMatch(/:latest$/);
      if (!/-(sandbox|plugin-daemon)$/.test(d.metadata.name)) expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    }
  });

  it('without the SSRF proxy nothing points at it', async () => {
    const { objects, text } = await render('ssrf-proxy-off.yaml');
    expect(text).not.toMatch(/(?<!agent-)ssrf-proxy:3128/); // the agent SSRF proxy is another component
    const api = effectiveEnv(objects, find(objects, 'Deployment', '-api')!);
    expect(api.has('SSRF_PROXY_HTTP_URL')).toBe(false);
    const sandbox = effectiveEnv(objects, find(objects, 'Deployment', '-sandbox')!);
    expect(sandbox.has('HTTP_PROXY')).toBe(false);
  });

  it('external services: hosts, ports, databases, existing Secrets, TLS broker URL, IAM storage, api-run migrations', async () => {
    const { objects } = await render('external.yaml');
    const api = effectiveEnv(objects, find(objects, 'Deployment', '-api')!);
    expect(api.get('DB_HOST')).toBe('pg.example.internal');
    expect(api.get('DB_PORT')).toBe('6432');
    expect(api.get('DB_USERNAME')).toBe('secret:pg-credentials/username');
    expect(api.get('REDIS_USERNAME')).toBe('secret:dify-prod-inline-credentials/REDIS_USERNAME');
    expect(api.get('DB_DATABASE')).toBe('dify_prod');
    // externalPostgresql.sslMode require: libpq's sslmode of the api image too, as the plugin daemon's DB_SSL_MODE.
    expect(api.get('DB_EXTRAS')).toBe('sslmode=require');
    expect(effectiveEnv(objects, find(objects, 'Deployment', '-plugin-daemon')!).get('DB_SSL_MODE')).toBe('require');
    expect(api.get('DB_PASSWORD')).toBe('secret:pg-credentials/password');
    expect(api.get('REDIS_PASSWORD')).toBe('secret:redis-credentials/REDIS_PASSWORD');
    expect(api.get('REDIS_USE_SSL')).toBe('true');
    expect(api.get('REDIS_DB')).toBe('2');
    expect(api.get('CELERY_BROKER_URL')).toBe('rediss://$(REDIS_USERNAME):$(REDIS_PASSWORD)@redis.example.internal:6380/3');
    // Both are defined before the URL that expands them.
    const order = find(objects, 'Deployment', '-api')!.spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(order.indexOf('REDIS_USERNAME')).toBeLessThan(order.indexOf('CELERY_BROKER_URL'));
    expect(api.get('STORAGE_TYPE')).toBe('s3');
    expect(api.get('S3_USE_AWS_MANAGED_IAM')).toBe('true');
    expect(api.has('S3_ACCESS_KEY')).toBe(false);
    expect(api.get('VECTOR_STORE')).toBe('qdrant');
    expect(api.get('QDRANT_API_KEY')).toBe('secret:qdrant/api-key');
    expect(api.get('MAIL_TYPE')).toBe('smtp');
    expect(api.get('SMTP_PORT')).toBe('587');
    expect(api.get('MAIL_DEFAULT_SEND_FROM')).toBe('secret:dify-prod-inline-credentials/MAIL_DEFAULT_SEND_FROM');
    expect(api.get('SMTP_PASSWORD')).toBe('secret:dify-prod-inline-credentials/SMTP_PASSWORD');
    expect(api.get('INIT_PASSWORD')).toBe('secret:dify-prod-inline-credentials/INIT_PASSWORD');
    expect(api.get('MIGRATION_ENABLED')).toBe('true');
    // The api pods migrate: no migration Job (the helm test Job is the only one).
    expect(objects.some((o) => o.kind === 'Job' && /-(migrate|backfill)-/.test(o.metadata.name))).toBe(false);
    const worker = effectiveEnv(objects, find(objects, 'Deployment', '-worker')!);
    expect(worker.get('MIGRATION_ENABLED')).toBe('false');
    const plugin = effectiveEnv(objects, find(objects, 'Deployment', '-plugin-daemon')!);
    expect(plugin.get('DB_DATABASE')).toBe('dify_plugins');
    expect(plugin.get('DB_SSL_MODE')).toBe('require');
    expect(plugin.get('DB_PASSWORD')).toBe('secret:pg-credentials/password');
    expect(plugin.get('DB_USERNAME')).toBe('secret:pg-credentials/username');
    expect(plugin.get('REDIS_USERNAME')).toBe('secret:dify-prod-inline-credentials/REDIS_USERNAME');
  });

  it('credentials from existing Secrets are not copied into the chart Secret', async () => {
    const { objects } = await render('existing-secrets.yaml');
    const api = effectiveEnv(objects, find(objects, 'Deployment', '-api')!);
    expect(api.get('SECRET_KEY')).toBe('secret:dify-app/secret-key');
    expect(api.get('CODE_EXECUTION_API_KEY')).toBe('secret:dify-app/sandbox-key');
    expect(api.get('PLUGIN_DAEMON_KEY')).toBe('secret:dify-app/PLUGIN_DAEMON_KEY');
    expect(api.get('RESEND_API_KEY')).toBe('secret:mail/resend');
    const secret = objects.find((o) => o.kind === 'Secret')!;
    for (const k of ['SECRET_KEY', 'CODE_EXECUTION_API_KEY', 'PLUGIN_DAEMON_KEY', 'PLUGIN_DIFY_INNER_API_KEY', 'RESEND_API_KEY'])
      expect(secret.data?.[k], k).toBeUndefined();
  });

  it('HPA replaces replicas', async () => {
    const { objects } = await render('hpa.yaml');
    for (const name of ['-api', '-api-websocket', '-worker', '-web', '-sandbox', '-ssrf-proxy', '-proxy', '-plugin-daemon']) {
      expect(find(objects, 'Deployment', name)!.spec.replicas, name).toBeUndefined();
      expect(find(objects, 'HorizontalPodAutoscaler', name), name).toBeTruthy();
    }
    expect(find(objects, 'Deployment', '-beat')!.spec.replicas).toBe(1);
  });
});
