/**
 * The chart deploys Dify 1.17.1: each thing that broke on the 1.17 images with the 1.7.1 chart,
 * asserted on the rendered objects, and every env name the chart sets checked against the names
 * Dify 1.17.1 reads (test/fixtures/dify-1.17.1-env.ts).
 */
import { parse } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { DIFY_1_17_1_ENV, QUEUES_1_17_1, REMOVED_IN_1_17, type EnvComponent } from '../fixtures/dify-1.17.1-env.js';
import { containerEnv, effectiveEnv, engineAvailable, find, fixtureValues, fixtures, render, type K8sObject } from './render.js';
import { cli, PINNED } from '../cli/run.js';

vi.setConfig({ testTimeout: 120_000 });

const COMPONENT: Record<string, EnvComponent> = {
  api: 'backend',
  'api-websocket': 'backend',
  worker: 'backend',
  beat: 'backend',
  migration: 'backend',
  web: 'web',
  sandbox: 'sandbox',
  'plugin-daemon': 'pluginDaemon',
  'agent-backend': 'agentBackend',
  'local-sandbox': 'localSandbox',
};

/** Names a container sets only for $(NAME) expansion in another of its entries (the agent backend's Redis URL
 *  embeds $(REDIS_PASSWORD)): read by Kubernetes, not by Dify. */
function expansionOnly(o: K8sObject): Set<string> {
  const env = (o.spec.template.spec.containers[0].env ?? []) as { name: string; value?: string }[];
  const used = new Set<string>();
  for (const e of env) for (const m of (e.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) used.add(m[1]!);
  return used;
}

/** Names a fixture gives itself (extraEnv, extraConfig): the user's business, not the chart's. */
function ownNames(fixture: string): Set<string> {
  const v = (parse(fixtureValues(fixture)) ?? {}) as Record<string, { extraEnv?: { name: string }[]; extraConfig?: Record<string, unknown> }>;
  const own = new Set(Object.keys(v['dify']?.extraConfig ?? {}));
  for (const c of Object.values(v)) for (const e of (c && typeof c === 'object' && Array.isArray(c.extraEnv) ? c.extraEnv : [])) own.add(e.name);
  return own;
}

const workload = (objects: K8sObject[], component: string): K8sObject[] =>
  objects.filter((o) => ['Deployment', 'Job', 'StatefulSet'].includes(o.kind) && o.metadata.labels?.['app.kubernetes.io/component'] === component);

describe.skipIf(!engineAvailable)('Dify 1.17.1', () => {
  it('every env name the chart sets is one Dify 1.17.1 reads, in every fixture; none 1.17 dropped', async () => {
    const stray: string[] = [];
    let checked = 0;
    for (const fixture of fixtures) {
      const own = ownNames(fixture);
      const { objects } = await render(fixture);
      for (const [component, group] of Object.entries(COMPONENT)) {
        for (const o of workload(objects, component)) {
          const expansion = group === 'agentBackend' ? expansionOnly(o) : new Set<string>();
          for (const name of effectiveEnv(objects, o).keys()) {
            if (own.has(name) || expansion.has(name)) continue;
            checked++;
            if (!DIFY_1_17_1_ENV[group].has(name) || REMOVED_IN_1_17.has(name)) stray.push(`${fixture}: ${component} ${name}`);
          }
        }
      }
    }
    expect(stray).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });

  it('runs the 1.17.1 images', async () => {
    const { objects } = await render('defaults.yaml');
    const image = (kind: string, suffix: string) => find(objects, kind, suffix)!.spec.template.spec.containers[0].image as string;
    for (const c of ['-api', '-worker', '-beat']) expect(image('Deployment', c)).toBe('langgenius/dify-api:1.17.1');
    expect(objects.find((o) => o.kind === 'Job')!.spec.template.spec.containers[0].image).toBe('langgenius/dify-api:1.17.1');
    expect(image('Deployment', '-web')).toBe('langgenius/dify-web:1.17.1');
    expect(image('Deployment', '-sandbox')).toBe('langgenius/dify-sandbox:0.2.15');
    expect(image('Deployment', '-plugin-daemon')).toBe('langgenius/dify-plugin-daemon:0.6.10-local');
  });

  it('worker: consumes every 1.17 queue (no CELERY_QUEUES: the entrypoint list of DEPLOYMENT_EDITION); a list can be given', async () => {
    const { objects } = await render('defaults.yaml');
    const worker = effectiveEnv(objects, find(objects, 'Deployment', '-worker')!);
    expect(worker.has('CELERY_QUEUES')).toBe(false);
    expect(worker.get('DEPLOYMENT_EDITION')).toBe('COMMUNITY');
    const queues = [...QUEUES_1_17_1.community].join(',');
    const r = await cli(['render', '-f', PINNED, '--set-string', `worker.queues=${queues.replaceAll(',', '\\,')}`, '-s', 'templates/worker/deployment.yaml']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`- name: CELERY_QUEUES\n              value: "${queues}"\n`);
    const bad = await cli(['render', '-f', PINNED, '--set-string', 'worker.queues=dataset\\,workflows']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/values\.worker\.queues/);
  });

  it('worker probe uses celery_healthcheck, which does not import the app; plugin daemon mirror probing can be off', async () => {
    const r = await cli(['render', '-f', PINNED, '--set', 'worker.livenessProbe.enabled=true,pluginDaemon.pipMirrorAutoDetect=false']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('celery -A celery_healthcheck.celery inspect ping -d celery@$HOSTNAME');
    expect(r.stdout).not.toContain('app.celery inspect');
    expect(r.stdout).toContain('  PIP_MIRROR_AUTO_DETECT: "false"\n');
  });

  it('login cookies: the api names them as the console looks for them, in every fixture', async () => {
    // api/libs/token.py: `__Host-` names when CONSOLE_WEB_URL and CONSOLE_API_URL are both https and COOKIE_DOMAIN
    // is empty; web/config CSRF_COOKIE_NAME: `__Host-` when NEXT_PUBLIC_COOKIE_DOMAIN is empty and
    // NEXT_PUBLIC_API_PREFIX (web's CONSOLE_API_URL + /console/api) is https.
    let secure = 0;
    let domains = 0;
    for (const fixture of fixtures) {
      const { objects } = await render(fixture);
      const api = find(objects, 'Deployment', '-api');
      const web = find(objects, 'Deployment', '-web');
      if (!api || !web) continue;
      const a = effectiveEnv(objects, api);
      const w = effectiveEnv(objects, web);
      // token.py strips the domain and a leading dot; web/config only trims it.
      const apiSecure = !a.get('COOKIE_DOMAIN')!.trim().replace(/^\./, '') && a.get('CONSOLE_WEB_URL')!.startsWith('https') && a.get('CONSOLE_API_URL')!.startsWith('https');
      const webSecure = !w.get('NEXT_PUBLIC_COOKIE_DOMAIN')!.trim() && `${w.get('CONSOLE_API_URL')}/console/api`.startsWith('https://');
      if (a.get('COOKIE_DOMAIN')) domains++;
      expect(apiSecure, fixture).toBe(webSecure);
      if (apiSecure) secure++;
    }
    expect(secure, 'fixtures served over https').toBeGreaterThan(2);
    expect(domains, 'fixtures with a cookie domain').toBeGreaterThan(0);
  });

  it("web: its probes never wait on the api (1.17's home page asks the api while it renders)", async () => {
    const { objects } = await render('defaults.yaml');
    const c = find(objects, 'Deployment', '-web')!.spec.template.spec.containers[0];
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      expect(c[p].tcpSocket, p).toEqual({ port: 'http' });
      expect(c[p].httpGet, p).toBeUndefined();
    }
  });

  it('web: SERVER_CONSOLE_API_URL reaches the api Service; PM2_INSTANCES is gone', async () => {
    const { objects } = await render('defaults.yaml');
    const web = effectiveEnv(objects, find(objects, 'Deployment', '-web')!);
    expect(web.get('SERVER_CONSOLE_API_URL')).toBe('http://release-name-dify-api:5001');
    expect(web.has('PM2_INSTANCES')).toBe(false);
    expect(find((await render('api-off.yaml')).objects, 'Deployment', '-web') && effectiveEnv((await render('api-off.yaml')).objects, find((await render('api-off.yaml')).objects, 'Deployment', '-web')!).has('SERVER_CONSOLE_API_URL')).toBe(false);
  });

  it("sandbox: Python where 0.2.13+ keeps it", async () => {
    const cm = find((await render('defaults.yaml')).objects, 'ConfigMap', '-sandbox')!;
    expect(cm.data['config.yaml']).toContain('python_path: /opt/python/bin/python3\n');
  });

  it('Weaviate >= 1.27 with gRPC on the pod and the Service, and WEAVIATE_GRPC_ENDPOINT on api and worker', async () => {
    const { objects } = await render('defaults.yaml');
    const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name.endsWith('-weaviate'))!;
    const c = sts.spec.template.spec.containers[0];
    const [major, minor] = (c.image as string).split(':')[1]!.split('.').map(Number);
    expect(major! > 1 || minor! >= 27, c.image).toBe(true);
    expect(c.ports).toContainEqual({ name: 'grpc', containerPort: 50051, protocol: 'TCP' });
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'release-name-dify-weaviate')!;
    expect(svc.spec.ports).toContainEqual({ name: 'grpc', port: 50051, targetPort: 'grpc', protocol: 'TCP' });
    for (const w of ['-api', '-worker']) {
      expect(effectiveEnv(objects, find(objects, 'Deployment', w)!).get('WEAVIATE_GRPC_ENDPOINT')).toBe('grpc://release-name-dify-weaviate:50051');
    }
  });

  it('Redis Sentinel: every api-image process gets EVENT_BUS_REDIS_URL from its credential', async () => {
    const { objects } = await render('redis-sentinel.yaml');
    const backend = ['api', 'worker', 'beat', 'migration'].flatMap((c) => workload(objects, c));
    expect(backend.length).toBe(4);
    for (const o of backend) expect(containerEnv(o).get('EVENT_BUS_REDIS_URL'), o.metadata.name).toBe('secret:redis-sentinel/event-bus-url');
    expect(effectiveEnv((await render('defaults.yaml')).objects, find((await render('defaults.yaml')).objects, 'Deployment', '-api')!).has('EVENT_BUS_REDIS_URL')).toBe(false);
  });

  it('/triggers and /openapi reach the api through nginx, the Ingress and the HTTPRoute', async () => {
    const nginx = find((await render('defaults.yaml')).objects, 'ConfigMap', '-proxy')!;
    const conf = Object.values(nginx.data as Record<string, string>).join('\n');
    for (const p of ['/triggers', '/openapi']) expect(conf).toMatch(new RegExp(`location ${p}\\b`));
    const ing = (await render('no-proxy-ingress.yaml')).objects.find((o) => o.kind === 'Ingress')!;
    const paths = ing.spec.rules[0].http.paths.map((p: { path: string; backend: { service: { name: string } } }) => `${p.path} ${p.backend.service.name}`);
    expect(paths).toContain('/triggers release-name-dify-api');
    expect(paths).toContain('/openapi release-name-dify-api');
    const route = (await render('httproute-no-proxy.yaml')).objects.find((o) => o.kind === 'HTTPRoute')!;
    const rules = route.spec.rules.map((r: { matches: { path: { value: string } }[]; backendRefs: { name: string }[] }) => `${r.matches[0]!.path.value} ${r.backendRefs[0]!.name}`);
    expect(rules).toContain('/triggers release-name-dify-api');
    expect(rules).toContain('/openapi release-name-dify-api');
  });

  it('TRIGGER_URL and ENDPOINT_URL_TEMPLATE are public: consoleApi, else the Ingress host, else the HTTPRoute hostname', async () => {
    const envOf = (fixture: string, extra: string[] = []) => cli(['render', '-f', fixture, ...extra, '-s', 'templates/backend/configmap.yaml']);
    const ingress = await envOf(`test/fixtures/values/ingress.yaml`);
    expect(ingress.stdout).toContain('  TRIGGER_URL: "https://dify.example.com"\n');
    expect(ingress.stdout).toContain('  ENDPOINT_URL_TEMPLATE: "https://dify.example.com/e/{hook_id}"\n');
    const host = await envOf(PINNED, ['--set', 'ingress.enabled=true,ingress.hosts[0]=ai.example.org']);
    expect(host.stdout).toContain('  TRIGGER_URL: "http://ai.example.org"\n');
    const route = await envOf(PINNED, ['--set', 'httpRoute.enabled=true,httpRoute.hostnames[0]=gw.example.org,httpRoute.parentRefs[0].name=gw']);
    expect(route.stdout).toContain('  TRIGGER_URL: "https://gw.example.org"\n');
    const explicit = await envOf(PINNED, ['--set', 'dify.urls.triggers=https://hooks.example.org/']);
    expect(explicit.stdout).toContain('  TRIGGER_URL: "https://hooks.example.org"\n');
    const none = await envOf(PINNED);
    expect(none.stdout).not.toMatch(/TRIGGER_URL|ENDPOINT_URL_TEMPLATE|localhost/);
  });

  it.each(['external-mysql.yaml', 'external-mysql-eso.yaml'])('MySQL as Dify\'s database (%s): DB_TYPE=mysql for every process, its credentials, no PostgreSQL', async (fixture) => {
    const { objects } = await render(fixture);
    for (const component of ['api', 'worker', 'beat', 'migration', 'plugin-daemon']) {
      for (const o of workload(objects, component)) {
        const env = effectiveEnv(objects, o);
        expect(env.get('DB_TYPE'), `${component}`).toBe('mysql');
        expect(env.get('DB_PORT'), `${component}`).toBe('3306');
        expect(env.get('DB_USERNAME'), `${component}`).toMatch(/^secret:/);
        expect(env.get('DB_PASSWORD'), `${component}`).toMatch(/^secret:/);
        // Only the plugin daemon reads DB_SSL_MODE: plain text without externalMysql.tls.
        expect(env.get('DB_SSL_MODE'), component).toBe(component === 'plugin-daemon' ? 'disable' : undefined);
      }
    }
    expect(objects.some((o) => o.metadata.name.endsWith('-postgresql'))).toBe(false);
    const es = objects.find((o) => o.kind === 'ExternalSecret');
    if (fixture === 'external-mysql-eso.yaml') {
      const keys = es!.spec.data.map((d: { secretKey: string; remoteRef: { key: string; property: string } }) => `${d.secretKey}=${d.remoteRef.key}#${d.remoteRef.property}`);
      expect(keys).toEqual(expect.arrayContaining(['DB_USERNAME=dify/mysql#username', 'DB_PASSWORD=dify/mysql#password']));
    } else expect(es).toBeUndefined();
  });

  it('the migration and backfill Jobs get new names whenever their pod templates change (a Job template is immutable)', async () => {
    const names = async (extra: string[]) => {
      const r = await cli(['render', '-f', PINNED, ...extra, '-s', 'templates/migration/job.yaml', '-s', 'templates/plugin-backfill/job.yaml']);
      expect(r.stderr).toBe('');
      return [...r.stdout.matchAll(/^  name: (\S+-(?:migrate|backfill)-\S+)$/gm)].map((m) => m[1]);
    };
    const base = await names([]);
    expect(base).toHaveLength(2);
    for (const change of [
      ['--set', 'dify.secretKey.value=,dify.secretKey.existingSecret.name=my-secret-key'],
      ['--set', 'api.extraEnv[0].name=FOO,api.extraEnv[0].value=bar'],
      ['--set', 'commonLabels.team=x'],
    ]) {
      const changed = await names(change);
      expect(changed[0], change.join(' ')).not.toBe(base[0]);
      expect(changed[1], change.join(' ')).not.toBe(base[1]);
    }
    expect(await names([])).toEqual(base);
  });

  it('settings 1.17 added or changed; what it dropped is gone', async () => {
    const { objects, text } = await render('defaults.yaml');
    const api = effectiveEnv(objects, find(objects, 'Deployment', '-api')!);
    expect(api.get('DB_TYPE')).toBe('postgresql');
    // On by default, but said only where web can reach it (sheet 5.2): defaults have no public URL.
    expect(api.get('ENABLE_COLLABORATION_MODE')).toBe('false');
    const ws = (await render('websocket-ingress.yaml')).objects;
    expect(effectiveEnv(ws, find(ws, 'Deployment', '-api')!).get('ENABLE_COLLABORATION_MODE')).toBe('true');
    expect(effectiveEnv((await render('websocket-off.yaml')).objects, find((await render('websocket-off.yaml')).objects, 'Deployment', '-api')!).get('ENABLE_COLLABORATION_MODE')).toBe('false');
    expect(api.get('APP_MAX_EXECUTION_TIME')).toBe('3600');
    expect(api.get('WORKFLOW_MAX_EXECUTION_TIME')).toBe('3600');
    expect(api.get('CELERY_WORKER_AMOUNT')).toBe('4'); // sheet 3.3: .env has 4 since 1.14.0
    const pd = find(objects, 'Deployment', '-plugin-daemon')!;
    expect(effectiveEnv(objects, pd).get('PIP_MIRROR_AUTO_DETECT')).toBe('true');
    expect(effectiveEnv(objects, pd).get('DB_TYPE')).toBe('postgresql');
    expect(pd.spec.template.spec.shareProcessNamespace).toBeUndefined();
    expect(text).toContain('max_connections=200');
    const squid = objects.find((o) => o.kind === 'Service' && o.metadata.name.endsWith('-ssrf-proxy'))!;
    expect(squid.spec.ports.map((p: { name: string }) => p.name)).toEqual(['proxy']);
  });
});
