/** One routing table drives nginx, the Ingress and the HTTPRoute; a disabled component leaves no trace. */
import { describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 120_000 });
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, engineAvailable, fixtureValues, render, type K8sObject } from './render.js';

// The table's routes active with the defaults: /agent-stub/ is published only with agentBackend.runtime=e2b
// (test/chart/agents.test.ts, agents-e2b.yaml).
const ALL_ROUTES = (parse(readFileSync(join(ROOT, 'chart', 'values.yaml'), 'utf8')) as any).routes as { path: string; component: string }[];
const DEFAULT_ROUTES = ALL_ROUTES.filter((r) => r.component !== 'agentBackend');

function nginxLocations(objects: K8sObject[]): Map<string, string> {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.['app.kubernetes.io/component'] === 'proxy');
  const out = new Map<string, string>();
  if (!cm) return out;
  const conf = cm.data!['default.conf']!;
  for (const m of conf.matchAll(/location (\S+) \{([^}]*)\}/g)) {
    const body = m[2]!;
    const up = /proxy_pass http:\/\/([^:;]+)/.exec(body)?.[1] ?? (body.includes('$dify_marketplace') ? 'marketplace' : '?');
    out.set(m[1]!, up);
  }
  return out;
}
const ingressPaths = (objects: K8sObject[]): string[] =>
  (objects.find((o) => o.kind === 'Ingress')?.spec.rules[0].http.paths ?? []).map((p: any) => p.path);
const httpRoutePaths = (objects: K8sObject[]): string[] =>
  (objects.find((o) => o.kind === 'HTTPRoute')?.spec.rules ?? []).map((r: any) => r.matches[0].path.value);

function tableOf(fixture: string) {
  const v = (parse(fixtureValues(fixture)) as any) ?? {};
  return (v.routes ?? DEFAULT_ROUTES) as { path: string; component: string }[];
}

describe.skipIf(!engineAvailable)('routing table', () => {
  it('defaults: nginx serves exactly the table, each path to its component', async () => {
    const locs = nginxLocations((await render('defaults.yaml')).objects);
    expect([...locs.keys()]).toEqual(DEFAULT_ROUTES.map((r) => r.path));
    const svc = { api: 'release-name-dify-api', apiWebsocket: 'release-name-dify-api-websocket', web: 'release-name-dify-web', pluginDaemon: 'release-name-dify-plugin-daemon', marketplace: 'marketplace' } as Record<string, string>;
    for (const r of DEFAULT_ROUTES) expect(locs.get(r.path), r.path).toBe(svc[r.component]);
    expect(ALL_ROUTES.map((r) => r.path)).toContain('/agent-stub/');
    const conf = (await render('defaults.yaml')).objects.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.['app.kubernetes.io/component'] === 'proxy')!.data!;
    expect(conf['default.conf']).toMatch(/location \/e\/ \{[^}]*Dify-Hook-Url/);
    expect(conf['nginx.conf']).toContain('client_max_body_size 100M;');
    expect(conf['proxy.conf']).toContain('proxy_buffering off;');
    expect(conf['proxy.conf']).toContain('proxy_read_timeout 3600s;');
    expect(conf['default.conf']).toContain('listen 8080;');
  });

  for (const fixture of ['ingress.yaml', 'strings.yaml']) {
    it(`${fixture}: nginx locations == Ingress paths == table`, async () => {
      const { objects } = await render(fixture);
      const table = tableOf(fixture).map((r) => r.path);
      expect([...nginxLocations(objects).keys()]).toEqual(table);
      if (fixture === 'ingress.yaml') {
        expect(ingressPaths(objects)).toEqual(table);
        for (const rule of objects.find((o) => o.kind === 'Ingress')!.spec.rules)
          for (const p of rule.http.paths) expect(p.backend.service.name).toBe('release-name-dify-proxy');
      }
    });
  }

  it('httproute.yaml: HTTPRoute paths == table, to the proxy', async () => {
    const { objects } = await render('httproute.yaml');
    expect(httpRoutePaths(objects)).toEqual(DEFAULT_ROUTES.map((r) => r.path));
  });

  for (const fixture of ['no-proxy-ingress.yaml', 'httproute-no-proxy.yaml']) {
    it(`${fixture}: without nginx, routes go straight to the components (no marketplace route)`, async () => {
      const { objects } = await render(fixture);
      expect(objects.some((o) => o.metadata.name === 'release-name-dify-proxy')).toBe(false);
      const expected = DEFAULT_ROUTES.filter((r) => r.component !== 'marketplace').map((r) => r.path);
      const paths = fixture.startsWith('no-proxy-ingress') ? ingressPaths(objects) : httpRoutePaths(objects);
      expect(paths).toEqual(expected);
      const web = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-web'))!;
      expect(web.data!.MARKETPLACE_API_URL).toBe('https://marketplace.dify.ai');
    });
  }

  const OFF: [string, string, string[]][] = [
    ['api-off.yaml', 'api', ['/console/api', '/api', '/v1', '/files', '/mcp']],
    ['web-off.yaml', 'web', ['/explore', '/']],
    ['plugin-daemon-off.yaml', 'plugin-daemon', ['/e/']],
    ['websocket-off.yaml', 'api-websocket', ['/socket.io/']],
    ['worker-off.yaml', 'worker', []],
    ['beat-off.yaml', 'beat', []],
    ['sandbox-off.yaml', 'sandbox', []],
    ['ssrf-proxy-off.yaml', 'ssrf-proxy', []],
  ];
  for (const [fixture, component, routes] of OFF) {
    it(`${fixture}: no object and no route of ${component} remains`, async () => {
      const { objects, text } = await render(fixture);
      const left = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === component || o.metadata.name === `release-name-dify-${component}`);
      expect(left.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
      const locs = nginxLocations(objects);
      for (const r of routes) expect(locs.has(r), r).toBe(false);
      expect(text).not.toContain(`release-name-dify-${component}:`);
      expect(text).not.toContain(`release-name-dify-${component}.`);
    });
  }

  it('all-off.yaml: nothing of the application tier remains', async () => {
    const { objects } = await render('all-off.yaml');
    const kinds = objects.filter((o) => ['Deployment', 'Service', 'Job', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(o.kind)).map((o) => o.metadata.name);
    expect(kinds.filter((n) => /-(api|api-websocket|worker|beat|web|sandbox|plugin-daemon|ssrf-proxy|proxy|migrate-[0-9a-f]+)$/.test(n))).toEqual([]);
  });
});
