/**
 * The collaboration websocket (apiWebsocket): the api image in websocket mode with the api's env,
 * ENABLE_COLLABORATION_MODE tied to it on every api-image process, web's NEXT_PUBLIC_SOCKET_URL from the
 * public URL, and /socket.io/ in nginx, the Ingress and the HTTPRoute (sheet sections 2, 3.3, 4.1, 5.13).
 */
import { describe, expect, it, vi } from 'vitest';
import { cli, parseDocs, PINNED } from '../cli/run.js';
import { containerEnv, effectiveEnv, engineAvailable, find, render, type K8sObject } from './render.js';

vi.setConfig({ testTimeout: 120_000 });

const WS = 'release-name-dify-api-websocket';
const WORKER_CLASS = 'geventwebsocket.gunicorn.workers.GeventWebSocketWorker';

async function renderWith(...set: string[]): Promise<K8sObject[]> {
  const r = await cli(['render', '-f', PINNED, ...set.flatMap((s) => ['--set', s])]);
  expect(r.stderr, set.join(' ')).toBe('');
  expect(r.code).toBe(0);
  return parseDocs(r.stdout);
}

const byComponent = (objects: K8sObject[], component: string): K8sObject[] =>
  objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === component);
const webConfig = (objects: K8sObject[]): Record<string, string> => find(objects, 'ConfigMap', '-web')!.data ?? {};
const container = (o: K8sObject) => o.spec.template.spec.containers[0];

/** ENABLE_COLLABORATION_MODE as every process of the api image sees it (api, websocket, worker, beat, migration Job). */
function collaborationMode(objects: K8sObject[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const o of objects.filter((x) => ['Deployment', 'Job'].includes(x.kind))) {
    const c = o.metadata.labels?.['app.kubernetes.io/component'];
    if (!c || !['api', 'api-websocket', 'worker', 'beat', 'migration'].includes(c)) continue;
    out.set(c, effectiveEnv(objects, o).get('ENABLE_COLLABORATION_MODE'));
  }
  return out;
}

describe.skipIf(!engineAvailable)('collaboration websocket', () => {
  it('is on by default: a Deployment of the api image, a Service on 5001, a PDB; HPA only when asked', async () => {
    const { objects } = await render('defaults.yaml');
    // Its own workload objects (its NetworkPolicy is network-policy.test.ts's business).
    const own = ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ServiceAccount'];
    const kinds = byComponent(objects, 'api-websocket').filter((o) => own.includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds).toEqual([`Deployment/${WS}`, `PodDisruptionBudget/${WS}`, `Service/${WS}`]);
    const d = find(objects, 'Deployment', '-api-websocket')!;
    const api = find(objects, 'Deployment', '-api')!;
    expect(container(d).image).toBe(container(api).image);
    expect(container(d).imagePullPolicy).toBe(container(api).imagePullPolicy);
    expect(container(d).ports).toEqual([{ name: 'http', containerPort: 5001, protocol: 'TCP' }]);
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('api-websocket');
    const svc = find(objects, 'Service', '-api-websocket')!;
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 5001, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
    // The api's Service must not send api traffic to websocket pods (and the other way round).
    expect(find(objects, 'Service', '-api')!.spec.selector['app.kubernetes.io/component']).toBe('api');
    for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'])
      expect(container(d)[kind].httpGet, kind).toEqual({ path: '/health', port: 'http' });
    expect(find(objects, 'PodDisruptionBudget', '-api-websocket')!.spec.maxUnavailable).toBe(1);
  });

  it('one image source: api.image (tag, digest, registry) is the websocket image too', async () => {
    const tagged = await renderWith('api.image.tag=9.9.9', 'api.image.registry=registry.example.com', 'api.image.pullPolicy=Always');
    const d = find(tagged, 'Deployment', '-api-websocket')!;
    expect(container(d).image).toBe('registry.example.com/langgenius/dify-api:9.9.9');
    expect(container(d).imagePullPolicy).toBe('Always');
    const digest = `sha256:${'a'.repeat(64)}`;
    const pinned = await renderWith(`api.image.digest=${digest}`);
    expect(container(find(pinned, 'Deployment', '-api-websocket')!).image).toBe(`langgenius/dify-api@${digest}`);
    const r = await cli(['render', '-f', PINNED, '--set', 'apiWebsocket.image.tag=x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apiWebsocket');
  });

  it("runs MODE=api with the websocket worker settings, never migrates, and otherwise has exactly the api's env", async () => {
    for (const fixture of ['defaults.yaml', 'external.yaml', 'storage-s3.yaml', 'strings.yaml', 'redis-sentinel.yaml', 'external-secrets.yaml']) {
      const { objects } = await render(fixture);
      const ws = effectiveEnv(objects, find(objects, 'Deployment', '-api-websocket')!);
      const api = effectiveEnv(objects, find(objects, 'Deployment', '-api')!);
      expect(ws.get('MODE'), fixture).toBe('api');
      expect(ws.get('MIGRATION_ENABLED'), fixture).toBe('false');
      expect(ws.get('SERVER_WORKER_CLASS'), fixture).toBe(WORKER_CLASS);
      expect(ws.get('SERVER_WORKER_AMOUNT'), fixture).toBe('1');
      expect(ws.get('SERVER_WORKER_CONNECTIONS'), fixture).toBe('1000');
      expect(ws.get('GUNICORN_TIMEOUT'), fixture).toBe('360');
      // The api's gunicorn settings are the ConfigMap's; the websocket overrides them in its env.
      expect(api.get('SERVER_WORKER_CLASS'), fixture).toBe('gevent');
      const differ = new Set(['SERVER_WORKER_CLASS', 'SERVER_WORKER_CONNECTIONS', 'SERVER_WORKER_AMOUNT', 'GUNICORN_TIMEOUT', 'MIGRATION_ENABLED', 'PLUGIN_REMOTE_INSTALL_HOST', 'PLUGIN_REMOTE_INSTALL_PORT']);
      const strip = (env: Map<string, string>) => new Map([...env].filter(([k]) => !differ.has(k)));
      expect(strip(ws), fixture).toEqual(strip(api));
      // Every credential by reference, from the same Secret keys as the api.
      for (const [k, v] of ws) if (v.startsWith('secret:')) expect(api.get(k), `${fixture}: ${k}`).toBe(v);
      expect(containerEnv(find(objects, 'Deployment', '-api-websocket')!).get('SECRET_KEY'), fixture).toMatch(/^secret:/);
    }
  });

  it('its own worker settings, extra env after the api extra env (which it shares), its own Service annotations', async () => {
    const { objects } = await render('websocket-ingress.yaml');
    const d = find(objects, 'Deployment', '-api-websocket')!;
    const env = containerEnv(d);
    expect(env.get('SERVER_WORKER_CONNECTIONS')).toBe('2000');
    expect(env.get('GUNICORN_TIMEOUT')).toBe('600');
    expect(env.get('API_ONLY_SETTING')).toBe('from api.extraEnv');
    expect(env.get('WEBSOCKET_ONLY_SETTING')).toBe('from apiWebsocket.extraEnv');
    const names = (container(d).env as { name: string }[]).map((e) => e.name);
    expect(names.indexOf('API_ONLY_SETTING')).toBeLessThan(names.indexOf('WEBSOCKET_ONLY_SETTING'));
    expect(containerEnv(find(objects, 'Deployment', '-api')!).has('WEBSOCKET_ONLY_SETTING')).toBe(false);
    expect(find(objects, 'Service', '-api-websocket')!.metadata.annotations).toEqual({ 'example.com/websocket': 'true' });
  });

  it('mounts the api storage volume when storage is local, nothing with object storage', async () => {
    const local = (await render('defaults.yaml')).objects;
    const pod = (objects: K8sObject[], suffix: string) => find(objects, 'Deployment', suffix)!.spec.template.spec;
    expect(pod(local, '-api-websocket').volumes).toEqual(pod(local, '-api').volumes);
    expect(container(find(local, 'Deployment', '-api-websocket')!).volumeMounts).toEqual([{ name: 'storage', mountPath: '/app/api/storage' }]);
    expect(pod(local, '-api-websocket').volumes[0].persistentVolumeClaim.claimName).toBe('release-name-dify-storage');
    const s3 = (await render('websocket-ingress.yaml')).objects;
    expect(pod(s3, '-api-websocket').volumes).toBeUndefined();
    expect(container(find(s3, 'Deployment', '-api-websocket')!).volumeMounts).toBeUndefined();
  });

  it('HPA replaces replicas (several pods: Socket.IO fans out through Redis)', async () => {
    for (const fixture of ['websocket-ingress.yaml', 'hpa.yaml']) {
      const { objects } = await render(fixture);
      expect(find(objects, 'Deployment', '-api-websocket')!.spec.replicas, fixture).toBeUndefined();
      const hpa = find(objects, 'HorizontalPodAutoscaler', '-api-websocket')!;
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: WS });
      expect(hpa.spec.minReplicas, fixture).toBe(2);
    }
    const hpa = find((await render('websocket-ingress.yaml')).objects, 'HorizontalPodAutoscaler', '-api-websocket')!;
    expect(hpa.spec.maxReplicas).toBe(8);
    expect(hpa.spec.metrics.map((m: { resource: { name: string } }) => m.resource.name)).toEqual(['memory']);
    expect(find((await render('websocket-ingress.yaml')).objects, 'PodDisruptionBudget', '-api-websocket')!.spec.minAvailable).toBe('50%');
  });

  it('ENABLE_COLLABORATION_MODE is "true" on every api-image process exactly when the websocket is enabled and web has its URL', async () => {
    const on = collaborationMode((await render('websocket-ingress.yaml')).objects);
    expect([...on.keys()].sort()).toEqual(['api', 'api-websocket', 'beat', 'migration', 'worker']);
    for (const [c, v] of on) expect(v, c).toBe('true');
    // Sheet 5.2: without NEXT_PUBLIC_SOCKET_URL (no public URL) the browser has nothing to connect to.
    const { objects: noUrl } = await render('defaults.yaml');
    expect(webConfig(noUrl)).not.toHaveProperty('NEXT_PUBLIC_SOCKET_URL');
    const unreachable = collaborationMode(noUrl);
    expect([...unreachable.keys()].sort()).toEqual(['api', 'api-websocket', 'beat', 'migration', 'worker']);
    for (const [c, v] of unreachable) expect(v, c).toBe('false');
    const off = collaborationMode((await render('websocket-off.yaml')).objects);
    expect([...off.keys()].sort()).toEqual(['api', 'beat', 'migration', 'worker']);
    for (const [c, v] of off) expect(v, c).toBe('false');
  });

  it('websocket-off.yaml: no object, no route, no socket URL, no Upgrade in nginx', async () => {
    const { objects, text } = await render('websocket-off.yaml');
    expect(byComponent(objects, 'api-websocket')).toEqual([]);
    expect(text).not.toContain('api-websocket');
    expect(text).not.toContain('/socket.io/');
    expect(Object.values(find(objects, 'ConfigMap', '-proxy')!.data ?? {}).join('\n')).not.toMatch(/upgrade/i);
    expect(webConfig(objects)).not.toHaveProperty('NEXT_PUBLIC_SOCKET_URL');
    expect(webConfig(objects).CONSOLE_API_URL).toBe('https://dify.example.com');
  });

  describe('NEXT_PUBLIC_SOCKET_URL of web: ws(s):// and the public host', () => {
    const cases: [string, string[], string | undefined][] = [
      ['https console URL', ['dify.urls.consoleApi=https://dify.example.com'], 'wss://dify.example.com'],
      ['http console URL with a port and a path', ['dify.urls.consoleApi=http://dify.local:8080/base/'], 'ws://dify.local:8080'],
      ['Ingress host without TLS', ['ingress.enabled=true', 'ingress.hosts[0]=chat.example.org'], 'ws://chat.example.org'],
      ['Ingress host with TLS', ['ingress.enabled=true', 'ingress.hosts[0]=chat.example.org', 'ingress.tls[0].secretName=t', 'ingress.tls[0].hosts[0]=chat.example.org'], 'wss://chat.example.org'],
      ['HTTPRoute hostname', ['httpRoute.enabled=true', 'httpRoute.parentRefs[0].name=gw', 'httpRoute.hostnames[0]=gw.example.com'], 'wss://gw.example.com'],
      ['an explicit socketUrl wins', ['dify.urls.consoleApi=https://dify.example.com', 'apiWebsocket.socketUrl=ws://localhost:8080'], 'ws://localhost:8080'],
      ['no public URL', [], undefined],
      ['websocket off', ['dify.urls.consoleApi=https://dify.example.com', 'apiWebsocket.enabled=false'], undefined],
    ];
    for (const [what, set, expected] of cases) {
      it(what, async () => {
        const cfg = webConfig(await renderWith(...set));
        expect(cfg.NEXT_PUBLIC_SOCKET_URL).toBe(expected);
      });
    }

    it('the fixtures: wss:// from the TLS Ingress host and from https consoleApi', async () => {
      expect(webConfig((await render('websocket-ingress.yaml')).objects).NEXT_PUBLIC_SOCKET_URL).toBe('wss://dify.example.com');
      expect(webConfig((await render('ingress.yaml')).objects).NEXT_PUBLIC_SOCKET_URL).toBe('wss://dify.example.com');
      expect(webConfig((await render('strings.yaml')).objects).NEXT_PUBLIC_SOCKET_URL).toBe('wss://dify.example.com:8443');
      expect(webConfig((await render('defaults.yaml')).objects)).not.toHaveProperty('NEXT_PUBLIC_SOCKET_URL');
    });

    it('the schema refuses a socketUrl with a path or another scheme', async () => {
      for (const bad of ['wss://dify.example.com/socket.io', 'https://dify.example.com', 'wss://']) {
        const r = await cli(['render', '-f', PINNED, '--set', `apiWebsocket.socketUrl=${bad}`]);
        expect(r.code, bad).toBe(1);
        expect(r.stderr, bad).toContain('apiWebsocket.socketUrl is ws:// or wss:// and a host');
      }
    });
  });

  describe('routing: /socket.io/ to the websocket, with the Upgrade in nginx only there', () => {
    const locations = (objects: K8sObject[]): Map<string, string> => {
      const conf = find(objects, 'ConfigMap', '-proxy')!.data!['default.conf']!;
      return new Map([...conf.matchAll(/location (\S+) \{([^}]*)\}/g)].map((m) => [m[1]!, m[2]!]));
    };

    it('nginx: the websocket location sets Upgrade and Connection from the client; no other location does; proxy.conf still blanks Connection', async () => {
      const { objects } = await render('defaults.yaml');
      const cm = find(objects, 'ConfigMap', '-proxy')!.data!;
      const locs = locations(objects);
      const ws = locs.get('/socket.io/')!;
      expect(ws).toContain(`proxy_pass http://${WS}:5001;`);
      expect(ws.indexOf('include /etc/nginx/dify/proxy.conf;')).toBeLessThan(ws.indexOf('proxy_set_header Connection $dify_connection_upgrade;'));
      expect(ws).toContain('proxy_set_header Upgrade $http_upgrade;');
      for (const [path, body] of locs) if (path !== '/socket.io/') expect(body, path).not.toMatch(/upgrade/i);
      expect(cm['proxy.conf']).toContain('proxy_set_header Connection "";');
      expect(cm['proxy.conf']).not.toMatch(/upgrade/i);
      expect(cm['nginx.conf']).toMatch(/map \$http_upgrade \$dify_connection_upgrade \{\s*default upgrade;\s*"" "";\s*\}/);
    });

    it('the Ingress without the proxy sends /socket.io/ to the websocket Service; with the proxy, to nginx', async () => {
      const direct = find((await render('websocket-ingress.yaml')).objects, 'Ingress', 'release-name-dify')!;
      const path = direct.spec.rules[0].http.paths.find((p: { path: string }) => p.path === '/socket.io/');
      expect(path.backend.service).toEqual({ name: WS, port: { number: 5001 } });
      expect(path.pathType).toBe('Prefix');
      const proxied = find((await render('ingress.yaml')).objects, 'Ingress', 'release-name-dify')!;
      const viaProxy = proxied.spec.rules[0].http.paths.find((p: { path: string }) => p.path === '/socket.io/');
      expect(viaProxy.backend.service.name).toBe('release-name-dify-proxy');
    });

    it('the HTTPRoute without the proxy sends /socket.io/ to the websocket Service', async () => {
      const route = find((await render('httproute-no-proxy.yaml')).objects, 'HTTPRoute', 'release-name-dify')!;
      const rule = route.spec.rules.find((r: { matches: { path: { value: string } }[] }) => r.matches[0]!.path.value === '/socket.io/');
      expect(rule.matches[0].path.type).toBe('PathPrefix');
      expect(rule.backendRefs).toEqual([{ name: WS, port: 5001 }]);
    });

    it('a custom Service port is what nginx, the Ingress and the HTTPRoute use', async () => {
      const objects = await renderWith('apiWebsocket.service.port=7001');
      expect(locations(objects).get('/socket.io/')).toContain(`proxy_pass http://${WS}:7001;`);
      const direct = await renderWith('apiWebsocket.service.port=7001', 'proxy.enabled=false', 'ingress.enabled=true', 'httpRoute.enabled=true', 'httpRoute.parentRefs[0].name=gw');
      const ing = find(direct, 'Ingress', 'release-name-dify')!.spec.rules[0].http.paths.find((p: { path: string }) => p.path === '/socket.io/');
      expect(ing.backend.service.port.number).toBe(7001);
      const rule = find(direct, 'HTTPRoute', 'release-name-dify')!.spec.rules.find((r: { matches: { path: { value: string } }[] }) => r.matches[0]!.path.value === '/socket.io/');
      expect(rule.backendRefs[0].port).toBe(7001);
      expect(find(direct, 'Service', '-api-websocket')!.spec.ports[0].port).toBe(7001);
    });
  });
});
