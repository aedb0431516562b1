/**
 * The agent SSRF proxy (the local sandbox's only way out), its rendered squid.conf run by the real squid on
 * loopback. `squid -k parse` accepts the rendered config of every fixture that deploys it; then one squid, on
 * the defaults with the agent backend's and the api's Service ports moved to free loopback ports, answers
 * requests. Two stub upstreams stand in for the Services: the agent backend on 127.0.0.2 and the api on
 * 127.0.0.3, every name the chart allows for each (short, namespace, .svc, FQDN) mapped to them by a test
 * hosts file. The test-only override changes only the listening port, the pid/log/coredump paths and adds the
 * hosts_file line; the ACLs are the rendered text.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findObject,
  fixtures,
  freePort,
  NAMESPACE,
  rawExchange,
  removeTempDirs,
  renderFixture,
  requireTool,
  run,
  startStub,
  stopAll,
  type HttpResult,
  type Managed,
  type RewriteRule,
  type Release,
  type Stub,
} from './support.js';
import { logRules, runSquid, squidDir, squidLogs, viaProxy, writeSquidConf } from './squid-support.js';

const SQUID = requireTool('squid');
const BACKEND_IP = '127.0.0.2';
const API_IP = '127.0.0.3';

const agentConf = (r: Release): string | undefined => findObject(r.objects, 'ConfigMap', 'agent-ssrf-proxy')?.data?.['squid.conf'];
const proxied = SQUID ? fixtures.filter((f) => agentConf(renderFixture(f)) !== undefined) : [];

/** The names a Service is called by in the namespace: short, .ns, .ns.svc, FQDN. */
function serviceNames(r: Release, component: string): string[] {
  const svc = findObject(r.objects, 'Service', component);
  if (!svc) throw new Error(`no ${component} Service`);
  const n = svc.metadata.name as string;
  return [n, `${n}.${NAMESPACE}`, `${n}.${NAMESPACE}.svc`, `${n}.${NAMESPACE}.svc.${r.values.global.clusterDomain}`];
}

describe.skipIf(!SQUID)('squid: the rendered agent SSRF proxy on the real server', () => {
  it('is deployed by default and not without the local sandbox', () => {
    expect(proxied).toContain('defaults.yaml');
    expect(proxied).toContain('local-sandbox-no-isolation.yaml');
    for (const f of ['agents-off.yaml', 'agents-e2b.yaml', 'all-off.yaml']) expect(proxied, f).not.toContain(f);
  });

  it.each(proxied)('squid -k parse accepts the rendered config of %s', async (fixture) => {
    const root = squidDir('agent-squid');
    const raw = join(root, 'rendered.conf');
    writeFileSync(raw, agentConf(renderFixture(fixture))!);
    const r = await run(SQUID as string, ['-k', 'parse', '-f', raw]);
    expect(r.status, `${fixture}:\n${r.all}`).toBe(0);
    expect(r.all).not.toMatch(/FATAL|ERROR|Bungled|is ignored|subnetwork of/);
  });

  it('squid -k parse accepts the internet rules with an empty ssrfProxy.deniedNetworks (no ACL to name)', async () => {
    const root = squidDir('agent-squid');
    const raw = join(root, 'rendered.conf');
    writeFileSync(raw, agentConf(renderFixture('agents-internet.yaml', 'ssrfProxy:\n  deniedNetworks: []\n'))!);
    const r = await run(SQUID as string, ['-k', 'parse', '-f', raw]);
    expect(r.status, r.all).toBe(0);
    expect(r.all).not.toMatch(/FATAL|ERROR|Bungled|is ignored|subnetwork of/);
  });

  it('allows the host names of the URLs the agent backend gives the sandbox, and only those ports', () => {
    for (const fixture of proxied) {
      const r = renderFixture(fixture);
      const conf = agentConf(r)!;
      const backend = findObject(r.objects, 'Deployment', 'agent-backend')!.spec.template.spec.containers[0].env as { name: string; value?: string }[];
      const stub = new URL(backend.find((e) => e.name === 'DIFY_AGENT_STUB_API_BASE_URL')!.value!);
      expect(conf, fixture).toContain(`acl agent_stub_host dstdomain -n ${serviceNames(r, 'agent-backend').join(' ')}\n`);
      expect(serviceNames(r, 'agent-backend')).toContain(stub.hostname);
      expect(conf).toContain(`acl agent_stub_port port ${stub.port}\n`);
      expect(stub.pathname).toBe('/agent-stub');
      const filesUrl = backend.find((e) => e.name === 'DIFY_AGENT_SANDBOX_FILES_BASE_URL')?.value;
      if (!findObject(r.objects, 'Service', 'api')) {
        // Without the api there are no files to download: no URL, no rule.
        expect(filesUrl, fixture).toBeUndefined();
        expect(conf, fixture).not.toContain('api_files');
        continue;
      }
      const files = new URL(filesUrl!);
      expect(conf, fixture).toContain(`acl api_files_host dstdomain -n ${serviceNames(r, 'api').join(' ')}\n`);
      expect(serviceNames(r, 'api')).toContain(files.hostname);
      expect(conf).toContain(`acl api_files_port port ${files.port}\n`);
    }
  });

  describe('running squid (defaults, Service ports moved to free ports)', () => {
    let backend: Stub;
    let api: Stub;
    let proc: Managed;
    let port: number;
    let root: string;
    let release: Release;
    const diag = (): string => squidLogs(root);

    beforeAll(async () => {
      [backend, api] = await Promise.all([startStub('agent-backend', BACKEND_IP), startStub('api', API_IP)]);
      release = renderFixture('defaults.yaml', `agentBackend:\n  service:\n    port: ${backend.port}\napi:\n  service:\n    port: ${api.port}\n`);
      root = squidDir('agent-squid');
      port = await freePort();
      const hosts = [
        '127.0.0.1 localhost',
        `${BACKEND_IP} ${serviceNames(release, 'agent-backend').join(' ')}`,
        `${API_IP} ${serviceNames(release, 'api').join(' ')}`,
        `${BACKEND_IP} elsewhere.example.com`,
        '203.0.113.10 public.example.net',
      ].join('\n');
      const listen: RewriteRule = { name: 'http_port', match: /^http_port\s+\d+\s*$/, replace: () => `http_port 127.0.0.1:${port}`, min: 1 };
      const { conf } = writeSquidConf(root, agentConf(release)!, [listen, ...logRules(root)], `${hosts}\n`, 'agent squid');
      proc = await runSquid(SQUID as string, conf, root, port, 'agent squid');
    });
    afterAll(async () => {
      await proc?.stop();
      await stopAll();
      await Promise.all([backend?.close(), api?.close()]);
      removeTempDirs();
    });

    it('lets the sandbox reach the agent stub by every name of the agent backend Service', async () => {
      for (const [i, host] of serviceNames(release, 'agent-backend').entries()) {
        const path = `/agent-stub/runs/r${i}/files..x/.env`; // dots that are not a dot segment pass
        const res = await viaProxy(port, `http://${host}:${backend.port}${path}`);
        expect(res.status, `${host}${diag()}`).toBe(200);
        expect(JSON.parse(res.body).stub).toBe('agent-backend');
        const rec = backend.requests.find((q) => q.url === path)!;
        expect(rec.headers.host).toBe(`${host}:${backend.port}`);
        expect(rec.headers['x-forwarded-for'], 'forwarded_for delete').toBeUndefined();
      }
      const post = await viaProxy(port, `http://${serviceNames(release, 'agent-backend')[0]}:${backend.port}/agent-stub/upload`, { method: 'POST' });
      expect(post.status, diag()).toBe(200);
    });

    it("lets the sandbox download the api's /files/ by every name of the api Service", async () => {
      for (const [i, host] of serviceNames(release, 'api').entries()) {
        const path = `/files/f${i}/file-preview?timestamp=1&nonce=n&sign=s`;
        const res = await viaProxy(port, `http://${host}:${api.port}${path}`);
        expect(res.status, `${host}${diag()}`).toBe(200);
        expect(JSON.parse(res.body).stub).toBe('api');
        expect(api.requests.some((q) => q.url === path)).toBe(true);
      }
    });

    it('denies every other path, host, port and method with 403, reaching no upstream', async () => {
      const b = serviceNames(release, 'agent-backend')[0];
      const a = serviceNames(release, 'api')[0];
      const before = backend.requests.length + api.requests.length;
      const denied = [
        `http://${b}:${backend.port}/runs`, // the control plane (bearer AGENT_BACKEND_API_TOKEN)
        `http://${b}:${backend.port}/agent-stubs/x`,
        `http://${b}:${backend.port}/`,
        `http://${b}:${backend.port}/files/x`, // files only on the api
        `http://${a}:${api.port}/agent-stub/x`, // the stub only on the agent backend
        `http://${a}:${api.port}/console/api/setup`,
        `http://${a}:${api.port}/inner/api/invoke/llm`,
        `http://${a}:${api.port}/files`,
        `http://${a}:${backend.port}/files/x`, // the api's name on another port
        `http://${b}:${api.port}/agent-stub/x`,
        `http://${BACKEND_IP}:${backend.port}/agent-stub/x`, // an address instead of the name
        `http://${API_IP}:${api.port}/files/x`,
        `http://elsewhere.example.com:${backend.port}/agent-stub/x`, // another name at the same address
        'http://public.example.net/agent-stub/x', // the internet
        `http://${b}.evil.example.com:${backend.port}/agent-stub/x`,
        `http://${b}:${backend.port}/agent-stub/../runs`, // dot segments, plain and encoded
        `http://${b}:${backend.port}/agent-stub/%2e%2e/runs`,
        `http://${a}:${api.port}/files/%2E./console/api/setup`,
        `http://${a}:${api.port}/files/x/..`,
      ];
      for (const url of denied) expect((await viaProxy(port, url)).status, `${url}${diag()}`).toBe(403);
      for (const target of [`${b}:${backend.port}`, `${a}:${api.port}`, 'public.example.net:443']) {
        const reply = await rawExchange(port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`, { until: /\r\n\r\n/, timeoutMs: 8000 });
        expect(/^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1], `CONNECT ${target}${diag()}`).toBe('403');
      }
      expect(backend.requests.length + api.requests.length).toBe(before);
    });
  });

  describe('running squid with agentSsrfProxy.allowInternet (agents-internet.yaml)', () => {
    let backend: Stub;
    let proc: Managed;
    let port: number;
    let root: string;
    let release: Release;
    const diag = (): string => squidLogs(root);
    /** Status line and squid's error tag of a request through the proxy (raw: a refused upstream answers slowly). */
    async function ask(request: string): Promise<{ status: string | undefined; error: string | undefined }> {
      const reply = await rawExchange(port, request, { until: /\r\n\r\n/, timeoutMs: 15_000 });
      return { status: /^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1], error: /^X-Squid-Error: (\S+)/im.exec(reply)?.[1] };
    }
    const get = (url: string) => ask(`GET ${url} HTTP/1.1\r\nHost: ${new URL(url).host}\r\n\r\n`);
    const connect = (target: string) => ask(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);

    beforeAll(async () => {
      backend = (await startStub('agent-backend', BACKEND_IP))!;
      release = renderFixture('agents-internet.yaml', `agentBackend:\n  service:\n    port: ${backend.port}\n`);
      root = squidDir('agent-squid-internet');
      port = await freePort();
      const hosts = [
        '127.0.0.1 localhost',
        `${BACKEND_IP} ${serviceNames(release, 'agent-backend').join(' ')}`,
        `${BACKEND_IP} elsewhere.example.com`,
        '10.0.0.9 private.example.com',
        '203.0.113.10 public.example.net',
      ].join('\n');
      const listen: RewriteRule = { name: 'http_port', match: /^http_port\s+\d+\s*$/, replace: () => `http_port 127.0.0.1:${port}`, min: 1 };
      // A public address may drop packets here: give up on it soon (the answer is then squid's connect failure).
      const soon: RewriteRule = { name: 'connect_timeout', match: /^cache deny all$/, replace: () => 'cache deny all\nconnect_timeout 3 seconds', min: 1 };
      const { conf } = writeSquidConf(root, agentConf(release)!, [listen, soon, ...logRules(root)], `${hosts}\n`, 'agent squid (internet)');
      proc = await runSquid(SQUID as string, conf, root, port, 'agent squid (internet)');
    });
    afterAll(async () => {
      await proc?.stop();
      await stopAll();
      await backend?.close();
      removeTempDirs();
    });

    it('lets plain HTTP and CONNECT to 443 through to a public address (not refused by the rules)', async () => {
      for (const r of [await get('http://public.example.net/simple/pip/'), await connect('public.example.net:443')]) {
        expect(r.status, diag()).toBeDefined();
        expect(r.status, diag()).not.toBe('403');
        expect(r.error ?? '', diag()).not.toBe('ERR_ACCESS_DENIED');
      }
    });

    it('still reaches the agent stub, and refuses private addresses, cluster names, other ports and the control plane', async () => {
      expect((await get(`http://${serviceNames(release, 'agent-backend')[0]}:${backend.port}/agent-stub/x`)).status, diag()).toBe('200');
      const b = serviceNames(release, 'agent-backend');
      const refused = [
        await get('http://private.example.com/'), // a private address behind a public-looking name
        await get('http://10.0.0.2/'),
        await get(`http://elsewhere.example.com:${backend.port}/agent-stub/x`), // loopback under another name
        await get(`http://${b[0]}:${backend.port}/runs`), // the agent backend's control plane, by each name
        await get(`http://${b[3]}:${backend.port}/runs`),
        await get('http://kubernetes.default.svc/'),
        await get('http://public.example.net:22/'),
        await connect('public.example.net:22'),
        await connect(`${b[0]}:443`),
      ];
      for (const r of refused) expect(r, diag()).toEqual({ status: '403', error: 'ERR_ACCESS_DENIED' });
    });
  });
});
