/**
 * The rendered nginx proxy, run by the real nginx (Debian's package) on loopback.
 *
 * For every fixture that enables the proxy, nginx's files are taken from the rendered ConfigMap
 * and laid out as the pod mounts them, re-rooted under a temp dir. The only changes (test-only
 * override, see nginxOverride) are:
 *   - paths under the pod's volume mounts (config, /tmp, /var/cache/nginx) → under the temp dir;
 *   - `listen <port>` → `listen 127.0.0.1:<free port>`;
 *   - `proxy_pass http://<service>:<port>` → the local stub standing in for that Service;
 *   - the marketplace upstream URL → the marketplace stub; `resolver` → 127.0.0.1 (nginx resolves
 *     the resolver's own name at startup and kube-dns does not exist here);
 *   - error_log / access_log → files in the temp dir; a `user` directive (none today) removed.
 * Everything else is the rendered text. Requests then check the routing table, headers, SSE
 * streaming, client_max_body_size, that routes turned off are gone, and that a websocket upgrade
 * passes on /socket.io/ (to a websocket endpoint standing in for the api-websocket Service) and
 * nowhere else.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findObject,
  fixtures,
  freePort,
  rawExchange,
  removeTempDirs,
  renderFixture,
  request,
  requireTool,
  rewriteLines,
  run,
  servicePorts,
  startProcess,
  startStub,
  stopAll,
  tail,
  tempDir,
  volumeMounts,
  waitForPort,
  type Managed,
  type Release,
  type RewriteRule,
  type Stub,
} from './support.js';
import { acceptFor, connectWebSocket, OPCODE, serveWebSocket, type WebSocketEndpoint } from './websocket.js';

const NGINX = requireTool('nginx');
const HOST = 'dify.example.com';

type RouteComponent = 'api' | 'apiWebsocket' | 'web' | 'pluginDaemon' | 'agentBackend' | 'marketplace';
const STUBS: RouteComponent[] = ['api', 'apiWebsocket', 'web', 'pluginDaemon', 'agentBackend', 'marketplace'];
/** Service component label → the routing table's component name. */
const SERVICE_COMPONENT: Record<string, RouteComponent> = { api: 'api', 'api-websocket': 'apiWebsocket', web: 'web', 'plugin-daemon': 'pluginDaemon', 'agent-backend': 'agentBackend' };

// ---------------------------------------------------------------------------------------------
// The routing table, read from values (the documented contract), independent of the template
// ---------------------------------------------------------------------------------------------

interface Route {
  path: string;
  component: RouteComponent;
}

/** "Routes to a disabled component are not rendered"; the marketplace route needs the proxy and dify.marketplace.enabled. */
function routeActive(values: any, r: Route): boolean {
  switch (r.component) {
    case 'api':
      return Boolean(values.api.enabled);
    case 'apiWebsocket':
      return Boolean(values.apiWebsocket.enabled);
    case 'web':
      return Boolean(values.web.enabled);
    case 'pluginDaemon':
      return Boolean(values.pluginDaemon.enabled);
    case 'agentBackend':
      // Published only for remote (E2B) sandboxes, which call the agent stub from outside.
      return Boolean(values.agentBackend.enabled && values.agentBackend.runtime === 'e2b');
    case 'marketplace':
      return Boolean(values.proxy.enabled && values.dify.marketplace.enabled);
  }
}

/** nginx prefix locations: the longest matching prefix wins; none → nginx's own 404. */
function expectedRoute(values: any, path: string): Route | undefined {
  let best: Route | undefined;
  for (const r of values.routes as Route[]) {
    if (!routeActive(values, r) || !path.startsWith(r.path)) continue;
    if (!best || r.path.length > best.path.length) best = r;
  }
  return best;
}

/** The path the upstream receives: as sent, except the marketplace route strips its prefix. */
function upstreamPath(route: Route, path: string): string {
  if (route.component !== 'marketplace') return path;
  const prefix = route.path.replace(/\/$/, '');
  const rest = path.slice(prefix.length).replace(/^\//, '');
  return `/${rest}`;
}

const EDGE_PATHS = [
  '/console/api/x',
  '/api/x',
  '/v1/chat-messages',
  '/files/x',
  '/mcp/x',
  '/socket.io/?EIO=4&transport=polling',
  '/e/abc/def',
  '/explore/apps',
  '/',
  '/apps',
  '/marketplace-api/api/v1/x',
  '/marketplace-api/api/v1/plugins?page=2&q=a%20b',
  // The console's own pages (Dify 1.17's web app routes), which no API route may take.
  '/marketplace',
  '/marketplace?category=tool',
  '/plugins?tab=plugins',
  '/datasets',
  '/tools',
];

/** Every route of the table (turned off or not): its own path and a path below it. */
function probePaths(values: any): string[] {
  const out = new Set<string>(EDGE_PATHS);
  for (const r of values.routes as Route[]) {
    out.add(r.path);
    out.add(r.path.endsWith('/') ? `${r.path}probe/x` : `${r.path}/probe/x`);
  }
  return [...out];
}

/** nginx size syntax (k, m, g; case-insensitive) in bytes. */
function nginxSize(v: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(String(v).trim());
  if (!m) throw new Error(`cannot read nginx size "${v}"`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

function urlHost(url: string): string {
  return new URL(url).host;
}

// ---------------------------------------------------------------------------------------------
// Extraction and the test-only override
// ---------------------------------------------------------------------------------------------

interface NginxSetup {
  root: string;
  conf: string;
  args: string[];
  port: number;
  applied: Map<string, number>;
}

function nginxOverride(release: Release, root: string, port: number, stubs: Record<RouteComponent, Stub>, what: string): NginxSetup {
  const { objects } = release;
  const cm = findObject(objects, 'ConfigMap', 'proxy');
  const deploy = findObject(objects, 'Deployment', 'proxy');
  if (!cm?.data || !deploy) throw new Error(`${what}: no proxy ConfigMap/Deployment rendered`);
  const pod = deploy.spec.template.spec;
  const container = pod.containers[0];
  const configVolume = (pod.volumes as any[]).find((v) => v.configMap?.name === cm.metadata.name);
  if (!configVolume) throw new Error(`${what}: the proxy Deployment does not mount ConfigMap ${cm.metadata.name}`);
  const mounts = volumeMounts(deploy);
  const configMount = mounts.find((m) => m.name === configVolume.name);
  if (!configMount) throw new Error(`${what}: no volumeMount for volume ${configVolume.name}`);
  const mountPaths = mounts.map((m) => m.mountPath.replace(/\/$/, ''));

  // The container's command, with its paths re-rooted: [nginx, -c, <conf>, -g, daemon off;].
  const command = container.command as string[];
  expect(command[0], `${what}: container command`).toBe('nginx');
  const cIdx = command.indexOf('-c');
  expect(cIdx, `${what}: nginx -c in the container command`).toBeGreaterThan(0);
  const confInPod = command[cIdx + 1]!;
  expect(mountPaths.some((m) => confInPod.startsWith(`${m}/`)), `${what}: -c ${confInPod} is on a mounted volume`).toBe(true);

  const services = servicePorts(objects);
  const reroot = (p: string) => `${root}${p}`;
  const mountAlt = mountPaths.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const mountSrc = `(^|[\\s'"])((?:${mountAlt})(?:/[^\\s;'"]*)?)(?=[\\s;'"]|$)`;
  const mountRe = new RegExp(mountSrc, 'g');

  const rules: RewriteRule[] = [
    { name: 'remove user directive', match: /^\s*user\s+[^;]*;/, replace: () => null },
    { name: 'listen on a local port', match: /^(\s*)listen\s+\d+\s*;/, replace: (m) => `${m[1]}listen 127.0.0.1:${port};`, min: 1 },
    {
      name: 'upstream Service → stub',
      match: /^(\s*)proxy_pass\s+http:\/\/([A-Za-z0-9.-]+:\d+)\s*;/,
      replace: (m) => {
        const component = services.get(m[2]!);
        const stubName = component && SERVICE_COMPONENT[component];
        if (!stubName) throw new Error(`${what}: proxy_pass http://${m[2]} is not a rendered Service port of api, api-websocket, web, plugin-daemon or agent-backend (${[...services.keys()].join(', ')})`);
        return `${m[1]}proxy_pass http://127.0.0.1:${stubs[stubName].port};`;
      },
    },
    {
      name: 'marketplace upstream → stub',
      match: /^(\s*)set\s+\$dify_marketplace\s+\S+\s*;/,
      replace: (m) => `${m[1]}set $dify_marketplace http://127.0.0.1:${stubs.marketplace.port};`,
    },
    { name: 'resolver → 127.0.0.1', match: /^(\s*)resolver\s+[^;]*;/, replace: (m) => `${m[1]}resolver 127.0.0.1 valid=60s;` },
    { name: 'error_log → temp file', match: /^(\s*)error_log\s+\S+(.*)$/, replace: (m) => `${m[1]}error_log ${root}/error.log${m[2]}` },
    { name: 'access_log → temp file', match: /^(\s*)access_log\s+\S+(.*)$/, replace: (m) => `${m[1]}access_log ${root}/access.log${m[2]}` },
    {
      name: 'mounted paths → temp dir',
      match: new RegExp(mountSrc),
      replace: (_m, line) => line.replace(mountRe, (_all, pre: string, p: string) => `${pre}${reroot(p)}`),
    },
  ];

  const applied = new Map<string, number>();
  for (const m of mounts) mkdirSync(reroot(m.mountPath), { recursive: true, mode: 0o777 });
  for (const [file, text] of Object.entries(cm.data)) {
    const out = rewriteLines(text, rules.map((r) => ({ ...r, min: 0 })), `${what}: ${file}`);
    for (const [k, n] of out.applied) applied.set(k, (applied.get(k) ?? 0) + n);
    const dest = join(reroot(configMount.mountPath), file);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, out.text);
  }
  for (const r of rules) {
    if ((applied.get(r.name) ?? 0) < (r.min ?? 0)) throw new Error(`${what}: test override "${r.name}" did not apply`);
  }
  const conf = reroot(confInPod);
  const rest = command.slice(1).map((a, i) => (i + 1 === cIdx + 1 ? conf : a));
  return { root, conf, args: ['-p', `${root}/`, '-e', 'stderr', ...rest], port, applied };
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

let stubs: Record<RouteComponent, Stub>;
/** The apiWebsocket stub's websocket side. */
let wsEndpoint: WebSocketEndpoint;

function whoGot(id: string): { stub: RouteComponent; rec: NonNullable<ReturnType<Stub['byId']>> }[] {
  const out = [];
  for (const name of STUBS) {
    const rec = stubs[name].byId(id);
    if (rec) out.push({ stub: name, rec });
  }
  return out;
}

interface Proxy {
  setup: NginxSetup;
  proc: Managed;
  release: Release;
  what: string;
}

async function startNginx(fixture: string, extra?: string): Promise<Proxy> {
  if (!NGINX) throw new Error('unreachable: nginx missing');
  const what = extra === undefined ? fixture : `${fixture} + inline values`;
  const release = renderFixture(fixture, extra);
  const root = tempDir('nginx');
  const port = await freePort();
  const setup = nginxOverride(release, root, port, stubs, what);
  const t = await run(NGINX, ['-t', ...setup.args.filter((a) => a !== '-g' && a !== 'daemon off;')]);
  if (t.status !== 0) throw new Error(`${what}: nginx -t failed (${t.status}):\n${t.all}`);
  const proc = startProcess(`nginx (${what})`, NGINX, setup.args);
  await waitForPort(port, proc);
  return { setup, proc, release, what };
}

function send(px: Proxy, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const id = randomUUID();
  return request(px.setup.port, {
    method: init.method ?? 'GET',
    path,
    headers: { Host: HOST, 'x-test-id': id, ...(init.headers ?? {}) },
    ...(init.body !== undefined ? { body: init.body } : {}),
  }).then((res) => ({ id, res, got: whoGot(id) }));
}

function diag(px: Proxy): string {
  return `\n--- nginx output ---\n${px.proc.output()}\n--- error.log ---\n${tail(join(px.setup.root, 'error.log'))}`;
}

/** The routing assertions shared by every fixture and variant. */
async function checkRouting(px: Proxy): Promise<void> {
  const { values } = px.release;
  for (const path of probePaths(values)) {
    const route = expectedRoute(values, path.split('?')[0]!);
    const { res, got } = await send(px, path, { headers: { Cookie: 'session=s', Authorization: 'Bearer t' } });
    const label = `${px.what}: GET ${path}`;
    if (!route) {
      expect(res.status, `${label}: no active route → nginx 404${diag(px)}`).toBe(404);
      expect(got, `${label}: no stub may receive it`).toEqual([]);
      continue;
    }
    expect(res.status, `${label} → ${route.component} (${route.path})${diag(px)}`).toBe(200);
    expect(got.map((g) => g.stub), `${label}: received by`).toEqual([route.component]);
    const rec = got[0]!.rec;
    expect(rec.method).toBe('GET');
    expect(rec.url, `${label}: upstream path`).toBe(upstreamPath(route, path));
    if (route.component === 'marketplace') {
      expect(rec.headers.host, `${label}: Host of the marketplace`).toBe(urlHost(values.dify.marketplace.apiUrl));
      expect(rec.headers.cookie, `${label}: cookies are not sent to the marketplace`).toBeUndefined();
      expect(rec.headers.authorization, `${label}: credentials are not sent to the marketplace`).toBeUndefined();
      continue;
    }
    expect(rec.headers.host, `${label}: Host`).toBe(HOST);
    expect(rec.headers['x-forwarded-for'], `${label}: X-Forwarded-For`).toBe('127.0.0.1');
    expect(rec.headers['x-forwarded-proto'], `${label}: X-Forwarded-Proto`).toBe('http');
    expect(rec.headers['x-forwarded-port'], `${label}: X-Forwarded-Port`).toBe(String(px.setup.port));
    expect(rec.headers.cookie, `${label}: cookies pass to Dify`).toBe('session=s');
    expect(rec.headers.authorization, `${label}: Authorization passes to Dify`).toBe('Bearer t');
    if (route.component === 'pluginDaemon') {
      expect(rec.headers['dify-hook-url'], `${label}: Dify-Hook-Url`).toBe(`http://${HOST}${path}`);
    } else {
      expect(rec.headers['dify-hook-url'], `${label}: Dify-Hook-Url only on plugin endpoints`).toBeUndefined();
    }
  }
}

/** Headers a load balancer in front sets: kept or appended, and used for Dify-Hook-Url. */
async function checkForwardedHeaders(px: Proxy): Promise<void> {
  const { values } = px.release;
  for (const path of ['/console/api/x', '/e/abc/def?x=1']) {
    const route = expectedRoute(values, path.split('?')[0]!);
    if (!route) continue;
    const { res, got } = await send(px, path, {
      headers: { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Port': '443' },
    });
    expect(res.status, `${px.what}: ${path}${diag(px)}`).toBe(200);
    const rec = got[0]!.rec;
    expect(rec.headers['x-forwarded-for'], `${px.what}: ${path}: X-Forwarded-For appended`).toBe('203.0.113.7, 127.0.0.1');
    expect(rec.headers['x-forwarded-proto'], `${px.what}: ${path}: X-Forwarded-Proto kept`).toBe('https');
    expect(rec.headers['x-forwarded-port'], `${px.what}: ${path}: X-Forwarded-Port kept`).toBe('443');
    if (route.component === 'pluginDaemon') {
      expect(rec.headers['dify-hook-url'], `${px.what}: ${path}: Dify-Hook-Url uses the client's scheme`).toBe(`https://${HOST}${path}`);
    }
  }
}

/** The first SSE event reaches the client while the stub still holds the response open. */
async function checkSse(px: Proxy, path: string): Promise<void> {
  const route = expectedRoute(px.release.values, path);
  if (!route || route.component === 'marketplace') return;
  const stub = stubs[route.component];
  const id = randomUUID();
  const result = await new Promise<{ first: string; heldOpen: boolean; all: string; contentType: string }>((resolve, reject) => {
    const timer = setTimeout(() => (req.destroy(), reject(new Error(`${px.what}: SSE ${path}: no event within 5 s (buffered?)${diag(px)}`))), 5000);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: px.setup.port,
        method: 'POST',
        path,
        agent: false,
        headers: { Host: HOST, 'x-test-id': id, 'x-test-sse': '1', Accept: 'text/event-stream', 'Content-Type': 'application/json' },
      },
      (res) => {
        let all = '';
        let first = '';
        let heldOpen = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          all += chunk;
          if (!first && all.includes('\n\n')) {
            first = all;
            heldOpen = stub.open.size > 0;
            stub.release();
          }
        });
        res.on('end', () => (clearTimeout(timer), resolve({ first, heldOpen, all, contentType: String(res.headers['content-type']) })));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end('{"query":"hi","response_mode":"streaming"}');
  });
  expect(result.contentType).toContain('text/event-stream');
  expect(result.first, `${px.what}: SSE ${path}: first event`).toContain('"n":1');
  expect(result.first, `${px.what}: SSE ${path}: only the first event before release`).not.toContain('"n":2');
  expect(result.heldOpen, `${px.what}: SSE ${path}: the first event arrived while ${route.component} still held the response`).toBe(true);
  expect(result.all).toContain('"n":2');
  expect(stub.byId(id)?.url).toBe(path);
}

/** A declared body over client_max_body_size is refused with 413 before reaching the upstream. */
async function checkBodyLimit(px: Proxy): Promise<void> {
  const path = '/console/api/files/upload';
  if (!expectedRoute(px.release.values, path)) return;
  const limit = nginxSize(px.release.values.proxy.clientMaxBodySize);
  const id = randomUUID();
  const head =
    `POST ${path} HTTP/1.1\r\nHost: ${HOST}\r\nx-test-id: ${id}\r\nContent-Type: application/octet-stream\r\n` +
    `Content-Length: ${limit + 1}\r\nConnection: close\r\n\r\n`;
  const reply = await rawExchange(px.setup.port, head + 'x'.repeat(1024), { until: /\r\n\r\n/ });
  expect(reply, `${px.what}: POST of ${limit + 1} bytes (limit ${px.release.values.proxy.clientMaxBodySize})${diag(px)}`).toMatch(/^HTTP\/1\.1 413 /);
  expect(whoGot(id), `${px.what}: the refused upload reaches no upstream`).toEqual([]);
}

/**
 * A websocket handshake to /socket.io/ gets the websocket's 101 through nginx, with the accept key for
 * the client's key, a server-first frame and an echo of a client frame, and a clean close; the
 * upstream saw the Upgrade and Connection headers and the forwarded ones. Without an active websocket
 * route, and on an ordinary location, nginx drops Upgrade: the plain stub answers 200.
 */
async function checkWebSocket(px: Proxy): Promise<void> {
  const { values } = px.release;
  const path = '/socket.io/?EIO=4&transport=websocket';
  const handshake = async (p: string) => {
    const id = randomUUID();
    const client = await connectWebSocket(px.setup.port, p, { Host: HOST, 'x-test-id': id, Origin: `http://${HOST}` });
    return { id, client };
  };
  const route = expectedRoute(values, '/socket.io/');
  const { id, client } = await handshake(path);
  const label = `${px.what}: websocket ${path}`;
  try {
    if (route?.component === 'apiWebsocket') {
      expect(client.status, `${label}${diag(px)}`).toBe(101);
      expect(client.headers.upgrade?.toLowerCase(), label).toBe('websocket');
      expect(client.headers.connection?.toLowerCase(), label).toBe('upgrade');
      expect(client.headers['sec-websocket-accept'], label).toBe(acceptFor(client.key));
      expect((await client.next()).payload.toString(), `${label}: the server's first frame`).toBe(`0{"stub":"websocket","url":${JSON.stringify(path)}}`);
      client.send(OPCODE.text, `hello ${id}`);
      expect(await client.next(), `${label}: echo`).toEqual({ fin: true, opcode: OPCODE.text, masked: false, payload: Buffer.from(`echo:hello ${id}`) });
      client.send(OPCODE.close, Buffer.from([0x03, 0xe8]));
      expect((await client.next()).opcode, `${label}: close`).toBe(OPCODE.close);
      await client.ended();
      const got = whoGot(id);
      expect(got.map((g) => g.stub), `${label}: received by`).toEqual(['apiWebsocket']);
      const rec = got[0]!.rec;
      expect(rec.url).toBe(path);
      expect(rec.headers.upgrade, `${label}: Upgrade reaches the websocket`).toBe('websocket');
      expect(rec.headers.connection, `${label}: Connection reaches the websocket`).toBe('upgrade');
      expect(rec.headers['sec-websocket-key']).toBe(client.key);
      expect(rec.headers.host).toBe(HOST);
      expect(rec.headers['x-forwarded-proto']).toBe('http');
      expect(rec.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(rec.headers.origin).toBe(`http://${HOST}`);
      expect(wsEndpoint.received.get(id)!.map((f) => [f.opcode, f.masked, f.payload.toString('latin1')])).toEqual([
        [OPCODE.text, true, `hello ${id}`],
        [OPCODE.close, true, '\x03\xe8'],
      ]);
    } else {
      expect(client.status, `${label}: no websocket route, so no upgrade${diag(px)}`).not.toBe(101);
      for (const g of whoGot(id)) expect(g.rec.headers.upgrade, `${label}: ${g.stub} got no Upgrade`).toBeUndefined();
    }
  } finally {
    client.destroy();
  }
  for (const p of ['/console/api/x', '/apps']) {
    const r = expectedRoute(values, p);
    if (!r || r.component === 'apiWebsocket' || r.component === 'marketplace') continue;
    const { id: pid, client: plain } = await handshake(p);
    try {
      expect(plain.status, `${px.what}: websocket handshake to ${p} is a plain request${diag(px)}`).toBe(200);
      const got = whoGot(pid);
      expect(got.map((g) => g.stub)).toEqual([r.component]);
      expect(got[0]!.rec.headers.upgrade, `${px.what}: ${p}: Upgrade dropped`).toBeUndefined();
      expect(String(got[0]!.rec.headers.connection ?? ''), `${px.what}: ${p}: Connection`).not.toMatch(/upgrade/i);
    } finally {
      plain.destroy();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Suites
// ---------------------------------------------------------------------------------------------

const proxyFixtures = NGINX ? fixtures.filter((f) => findObject(renderFixture(f).objects, 'ConfigMap', 'proxy')) : [];

describe.skipIf(!NGINX)('nginx: the rendered proxy on the real server', () => {
  beforeAll(async () => {
    const list = await Promise.all(STUBS.map((s) => startStub(s)));
    stubs = Object.fromEntries(STUBS.map((s, i) => [s, list[i]!])) as Record<RouteComponent, Stub>;
    wsEndpoint = serveWebSocket(stubs.apiWebsocket.server, stubs.apiWebsocket.requests);
  });
  afterAll(async () => {
    await stopAll();
    wsEndpoint?.closeAll();
    await Promise.all(Object.values(stubs ?? {}).map((s) => s.close()));
    removeTempDirs();
  });

  it('has fixtures that enable the proxy, and fixtures that turn routes off', () => {
    expect(proxyFixtures.length).toBeGreaterThan(0);
    const off = proxyFixtures.filter((f) => {
      const v = renderFixture(f).values;
      return (v.routes as Route[]).some((r) => !routeActive(v, r));
    });
    expect(off.length, 'fixtures with a route turned off (api-off, web-off, plugin-daemon-off, marketplace off)').toBeGreaterThan(0);
  });

  describe.each(proxyFixtures)('%s', (fixture) => {
    let px: Proxy;
    beforeAll(async () => {
      px = await startNginx(fixture);
    });
    afterAll(async () => {
      await px?.proc.stop();
    });

    it('nginx -t accepts the rendered config; the override touched only listen, upstreams, resolver, logs and mounted paths', () => {
      const counts = Object.fromEntries(px.setup.applied);
      expect(counts['listen on a local port']).toBe(1);
      const values = px.release.values;
      const nonMarket = (values.routes as Route[]).filter((r) => routeActive(values, r) && r.component !== 'marketplace').length;
      expect(counts['upstream Service → stub'], 'one proxy_pass per active route of the table').toBe(nonMarket);
      const market = (values.routes as Route[]).filter((r) => routeActive(values, r) && r.component === 'marketplace').length;
      expect(counts['marketplace upstream → stub']).toBe(market);
      expect(counts['resolver → 127.0.0.1']).toBe(market);
      expect(counts['remove user directive']).toBe(0);
    });

    it('routes every path of the table and the edge paths to the right component, with the right path and headers', async () => {
      await checkRouting(px);
    });

    it("sends the console's own pages to web, whatever the table's API routes are", async () => {
      if (!routeActive(px.release.values, { path: '/', component: 'web' })) return;
      for (const page of ['/marketplace', '/marketplace?category=tool', '/plugins?tab=plugins', '/apps', '/datasets', '/tools']) {
        const { res, got } = await send(px, page);
        expect(res.status, page).toBe(200);
        expect(got.map((g) => g.stub), page).toEqual(['web']);
      }
    });

    it('keeps or appends the forwarded headers of a load balancer in front', async () => {
      await checkForwardedHeaders(px);
    });

    it('streams SSE: the first event arrives while the upstream still holds the response', async () => {
      await checkSse(px, '/v1/chat-messages');
      await checkSse(px, '/e/abc/def');
    });

    it('refuses a body over client_max_body_size with 413', async () => {
      await checkBodyLimit(px);
    });

    it('passes a websocket upgrade on /socket.io/ to the websocket (101, frames both ways); no other location passes Upgrade', async () => {
      await checkWebSocket(px);
    });
  });

  describe('inline values: a smaller client_max_body_size, a routing table without /mcp and with an extra route', () => {
    const extra = [
      'proxy:',
      '  clientMaxBodySize: 64k',
      'routes:',
      '  - {path: /console/api, component: api}',
      '  - {path: /api, component: api}',
      '  - {path: /v1, component: api}',
      '  - {path: /files, component: api}',
      '  - {path: /e/, component: pluginDaemon}',
      '  - {path: /custom-hooks, component: pluginDaemon}',
      '  - {path: /explore, component: web}',
      '  - {path: /, component: web}',
      '',
    ].join('\n');
    let px: Proxy;
    beforeAll(async () => {
      px = await startNginx('defaults.yaml', extra);
    });
    afterAll(async () => {
      await px?.proc.stop();
    });

    it('routes by the table of values: /mcp and /marketplace-api fall through to /, the extra route exists', async () => {
      expect(expectedRoute(px.release.values, '/mcp/x')?.component).toBe('web');
      expect(expectedRoute(px.release.values, '/marketplace-api/api/v1/x')?.component).toBe('web');
      await checkRouting(px);
      const { res, got } = await send(px, '/custom-hooks/a');
      expect(res.status).toBe(200);
      expect(got.map((g) => g.stub)).toEqual(['pluginDaemon']);
      expect(got[0]!.rec.headers['dify-hook-url']).toBe(`http://${HOST}/custom-hooks/a`);
    });

    it('accepts a body of exactly the limit and refuses one byte more, declared or chunked', async () => {
      const ok = await send(px, '/files/upload', { method: 'POST', body: 'a'.repeat(64 * 1024), headers: { 'Content-Type': 'application/octet-stream' } });
      expect(ok.res.status, diag(px)).toBe(200);
      expect(ok.got.map((g) => [g.stub, g.rec.bodyLength])).toEqual([['api', 64 * 1024]]);
      await checkBodyLimit(px);
      const id = randomUUID();
      const body = 'b'.repeat(64 * 1024 + 1);
      const chunked =
        `POST /files/upload HTTP/1.1\r\nHost: ${HOST}\r\nx-test-id: ${id}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
      const reply = await rawExchange(px.setup.port, chunked, { until: /\r\n\r\n/ });
      expect(reply, `chunked body of 64k + 1${diag(px)}`).toMatch(/^HTTP\/1\.1 413 /);
      expect(whoGot(id)).toEqual([]);
    });
  });
});
