/**
 * The rendered SSRF proxy (squid.conf), run by the real squid (Debian's package) on loopback.
 *
 * `squid -k parse` runs on the rendered squid.conf of every fixture that enables ssrfProxy; one
 * squid per distinct rendered config then answers requests that never leave this machine. The
 * test-only override (squidOverride) changes only:
 *   - `http_port <n>` → `http_port 127.0.0.1:<free port>`;
 *   - pid file, cache_log, access_log and coredump_dir → the temp dir;
 *   - one added line: `hosts_file <temp>/hosts`, so test names resolve without DNS
 *     (an allowed domain → 127.0.0.2, a non-allowed one → 127.0.0.3, a "public" one →
 *     203.0.113.10, every probed private address → a neutral name for its reverse lookup).
 * Everything else is the rendered text. squid runs as `squid -N -n <unique service name> -f conf`
 * (the pod runs `squid -N -d 1 -f conf`; -n only names its shared memory segments).
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
  type Release,
  type RewriteRule,
  type Stub,
} from './support.js';
import { logRules, runSquid, squidDir, squidLogs, viaProxy, writeSquidConf } from './squid-support.js';

const SQUID = requireTool('squid');

const ALLOWED_IP = '127.0.0.2';
const OTHER_IP = '127.0.0.3';
const PUBLIC_NAME = 'public.example.net';
const PUBLIC_IP = '203.0.113.10'; // TEST-NET-3: never actually contacted (denied before connecting)
const OTHER_NAME = 'not-allowed.example.com';

const squidConf = (r: Release): string | undefined => findObject(r.objects, 'ConfigMap', 'ssrf-proxy')?.data?.['squid.conf'];

// ---------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------

/** An address inside a CIDR (the network address + 1; the address itself for a single host), IPv4 or IPv6. */
function addressIn(cidr: string): string {
  const [net, bits] = cidr.split('/') as [string, string | undefined];
  if (bits === undefined || Number(bits) === (net.includes(':') ? 128 : 32)) return net;
  if (net.includes(':')) {
    const full = expandV6(net);
    const last = parseInt(full[7]!, 16) + 1;
    full[7] = last.toString(16);
    return compressV6(full);
  }
  const parts = net.split('.').map(Number);
  parts[3] = parts[3]! + 1;
  return parts.join('.');
}

function expandV6(a: string): string[] {
  const [head, tailPart] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tailPart !== undefined && tailPart !== '' ? tailPart.split(':') : [];
  const zeros = tailPart !== undefined ? Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...zeros, ...t].map((x) => x || '0');
}

function compressV6(parts: string[]): string {
  const s = parts.map((p) => parseInt(p, 16).toString(16)).join(':');
  return s.replace(/(^|:)0(:0)+(:|$)/, '::').replace(/^:::/, '::');
}

const urlHostPart = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);

/** A concrete host name under a dstdomain entry (`.example.com` → `api.example.com`). */
const nameUnder = (dstdomain: string) => (dstdomain.startsWith('.') ? `api${dstdomain}` : dstdomain);

// ---------------------------------------------------------------------------------------------
// The test-only override
// ---------------------------------------------------------------------------------------------

interface SquidSetup {
  root: string;
  conf: string;
  forwardPort: number;
  applied: Map<string, number>;
}

function squidOverride(release: Release, root: string, ports: { forward: number }, hosts: string, what: string): SquidSetup {
  const text = squidConf(release);
  if (!text) throw new Error(`${what}: no ssrf-proxy ConfigMap with squid.conf rendered`);
  const v = release.values.ssrfProxy;
  const forward: RewriteRule = {
    name: 'forward http_port',
    match: /^http_port\s+(\d+)\s*$/,
    replace: (m) => {
      expect(Number(m[1]), `${what}: forward port`).toBe(v.port);
      return `http_port 127.0.0.1:${ports.forward}`;
    },
    min: 1,
  };
  const { conf, applied } = writeSquidConf(root, text, [forward, ...logRules(root)], hosts, what);
  return { root, conf, forwardPort: ports.forward, applied };
}

// ---------------------------------------------------------------------------------------------
// Requests through the proxy
// ---------------------------------------------------------------------------------------------

async function connectStatus(port: number, target: string): Promise<number> {
  const reply = await rawExchange(port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`, { until: /\r\n\r\n/, timeoutMs: 8000 });
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply);
  return m ? Number(m[1]) : 0;
}

// ---------------------------------------------------------------------------------------------
// Suites
// ---------------------------------------------------------------------------------------------

const ssrfFixtures = SQUID ? fixtures.filter((f) => squidConf(renderFixture(f)) !== undefined) : [];

/** Fixtures grouped by identical rendered squid.conf: one running squid per distinct config. */
const groups = new Map<string, string[]>();
for (const f of ssrfFixtures) {
  const text = squidConf(renderFixture(f))!;
  groups.set(text, [...(groups.get(text) ?? []), f]);
}

let stubs: { sandbox: Stub; loopback: Stub; allowed: Stub; other: Stub };
const allStubs = () => Object.values(stubs);
const hitBy = (path: string) => allStubs().filter((s) => s.requests.some((r) => r.url === path || r.url.endsWith(path)));

interface Running {
  setup: SquidSetup;
  proc: Managed;
  release: Release;
  what: string;
  /** Private addresses probed, one per deniedNetworks entry. */
  probes: { cidr: string; ip: string; name: string }[];
}

function hostsFor(release: Release): { text: string; probes: Running['probes'] } {
  const v = release.values.ssrfProxy;
  const lines = ['127.0.0.1 localhost', '::1 ip6-localhost'];
  for (const d of v.allowedDomains as string[]) lines.push(`${ALLOWED_IP} ${nameUnder(d)}`);
  lines.push(`${OTHER_IP} ${OTHER_NAME}`, `${PUBLIC_IP} ${PUBLIC_NAME}`);
  // Cluster names resolve to a cluster-like address, so no check waits for DNS.
  const api = findObject(release.objects, 'Service', 'api');
  if (api) lines.push(`10.96.0.20 ${api.metadata.name}.${NAMESPACE}.svc.${release.values.global.clusterDomain}`);
  const probes = (v.deniedNetworks as string[])
    .map((cidr, i) => ({ cidr, ip: addressIn(cidr), name: `denied-probe-${i}.example.test` }))
    .filter((p) => p.ip !== '127.0.0.1' && p.ip !== '::1' && p.ip !== ALLOWED_IP && p.ip !== OTHER_IP);
  for (const p of probes) lines.push(`${p.ip} ${p.name}`);
  return { text: `${lines.join('\n')}\n`, probes };
}

async function startSquid(release: Release, what: string): Promise<Running> {
  if (!SQUID) throw new Error('unreachable: squid missing');
  const root = squidDir('squid');
  const ports = { forward: await freePort() };
  const { text, probes } = hostsFor(release);
  const setup = squidOverride(release, root, ports, text, what);
  const proc = await runSquid(SQUID, setup.conf, root, ports.forward, what);
  return { setup, proc, release, what, probes };
}

function diag(sq: Running): string {
  return squidLogs(sq.setup.root);
}

function forwardChecks(get: () => Running) {
  it('denies every deniedNetworks address (private, loopback, link-local, ULA) with 403, reaching nothing', async () => {
    const sq = get();
    const v = sq.release.values.ssrfProxy;
    const targets = [`http://127.0.0.1:${stubs.loopback.port}/loopback-literal`, ...sq.probes.map((p) => `http://${urlHostPart(p.ip)}:8080/probe-${p.name}`)];
    if ((v.deniedNetworks as string[]).some((c) => c.startsWith('::1'))) targets.push(`http://[::1]:${stubs.loopback.port}/v6-loopback`);
    for (const url of targets) {
      const res = await viaProxy(sq.setup.forwardPort, url);
      expect(res.status, `${sq.what}: ${url} via the forward proxy${diag(sq)}`).toBe(403);
    }
    expect(hitBy('/loopback-literal')).toEqual([]);
    expect(hitBy('/v6-loopback')).toEqual([]);
  });

  it('denies a loopback literal whose reverse DNS name falls under allowedDomains (values allow the name, not the address)', async () => {
    const sq = get();
    if ((sq.release.values.ssrfProxy.allowedDomains as string[]).length === 0) return;
    const url = `http://${ALLOWED_IP}:${stubs.allowed.port}/allowed-by-reverse-dns`;
    const res = await viaProxy(sq.setup.forwardPort, url);
    expect(
      res.status,
      `${sq.what}: ${url}: ${ALLOWED_IP} is loopback and not in allowedNetworks, yet its PTR (hosts_file) is under allowedDomains. ` +
        `squid's dstdomain ACL reverse-resolves IP literals unless declared with -n${diag(sq)}`,
    ).toBe(403);
  });

  it('honours the allowed domain list: an allowed domain passes (even to a private address), another name is denied', async () => {
    const sq = get();
    const v = sq.release.values.ssrfProxy;
    for (const d of v.allowedDomains as string[]) {
      const url = `http://${nameUnder(d)}:${stubs.allowed.port}/allowed-${d}`;
      const res = await viaProxy(sq.setup.forwardPort, url);
      expect(res.status, `${sq.what}: ${url}${diag(sq)}`).toBe(200);
      const rec = stubs.allowed.requests.find((r) => r.url === `/allowed-${d}`);
      expect(rec?.headers.host).toBe(`${nameUnder(d)}:${stubs.allowed.port}`);
      expect(rec?.headers['x-forwarded-for'], 'forwarded_for delete').toBeUndefined();
      expect(rec?.headers.via, 'via off').toBeUndefined();
    }
    const url = `http://${OTHER_NAME}:${stubs.other.port}/not-allowed`;
    const res = await viaProxy(sq.setup.forwardPort, url);
    expect(res.status, `${sq.what}: ${url} (resolves to ${OTHER_IP})${diag(sq)}`).toBe(403);
    expect(stubs.other.requests).toEqual([]);
  });

  it('denies cluster-internal names and bare service names when denyClusterDomains', async () => {
    const sq = get();
    if (!sq.release.values.ssrfProxy.denyClusterDomains) return;
    const api = findObject(sq.release.objects, 'Service', 'api');
    const names = api ? [`${api.metadata.name}.${NAMESPACE}.svc.${sq.release.values.global.clusterDomain}`, api.metadata.name] : ['kubernetes'];
    for (const n of names) {
      const res = await viaProxy(sq.setup.forwardPort, `http://${n}:5001/console/api/setup`);
      expect(res.status, `${sq.what}: http://${n}:5001 via the forward proxy${diag(sq)}`).toBe(403);
    }
  });

  it('denies CONNECT to ports other than sslPorts and plain HTTP to ports outside safePorts', async () => {
    const sq = get();
    const v = sq.release.values.ssrfProxy;
    const target = (v.allowedDomains as string[]).length ? nameUnder(v.allowedDomains[0]) : PUBLIC_NAME;
    for (const port of [22, 8443, stubs.allowed.port]) {
      if ((v.sslPorts as string[]).includes(String(port))) continue;
      expect(await connectStatus(sq.setup.forwardPort, `${target}:${port}`), `${sq.what}: CONNECT ${target}:${port}${diag(sq)}`).toBe(403);
    }
    if ((v.sslPorts as string[]).includes('443')) {
      // Not refused by the rules: squid tries the tunnel (nothing listens on 443 here: 503, or 200 if something does).
      const status = await connectStatus(sq.setup.forwardPort, `${target}:443`);
      expect(status, `${sq.what}: CONNECT ${target}:443 passes the rules${diag(sq)}`).not.toBe(403);
      expect(status).toBeGreaterThan(0);
    }
    const res = await viaProxy(sq.setup.forwardPort, `http://${target}:25/smtp`);
    expect(res.status, `${sq.what}: plain HTTP to port 25${diag(sq)}`).toBe(403);
  });
}

describe.skipIf(!SQUID)('squid: the rendered SSRF proxy on the real server', () => {
  beforeAll(async () => {
    const [sandbox, loopback, allowed, other] = await Promise.all([
      startStub('sandbox', '127.0.0.1'),
      startStub('loopback', '127.0.0.1'),
      startStub('allowed', ALLOWED_IP),
      startStub('other', OTHER_IP),
    ]);
    stubs = { sandbox: sandbox!, loopback: loopback!, allowed: allowed!, other: other! };
  });
  afterAll(async () => {
    await stopAll();
    await Promise.all(allStubs().map((s) => s.close()));
    removeTempDirs();
  });

  it('has fixtures that enable the SSRF proxy, with and without the sandbox', () => {
    expect(ssrfFixtures.length).toBeGreaterThan(0);
    expect(ssrfFixtures.some((f) => !renderFixture(f).values.sandbox.enabled), 'a fixture without the sandbox').toBe(true);
  });

  it.each(ssrfFixtures)('squid -k parse accepts the rendered squid.conf of %s, as rendered and with the test override', async (fixture) => {
    const release = renderFixture(fixture);
    const root = squidDir('squid');
    const raw = join(root, 'rendered.conf');
    writeFileSync(raw, squidConf(release)!);
    const r = await run(SQUID as string, ['-k', 'parse', '-f', raw]);
    expect(r.status, `${fixture}: squid -k parse (as rendered):\n${r.all}`).toBe(0);
    expect(r.all, `${fixture}: squid -k parse (as rendered)`).not.toMatch(/FATAL|ERROR|Bungled/);
    const setup = squidOverride(release, root, { forward: 1 }, hostsFor(release).text, fixture);
    const o = await run(SQUID as string, ['-k', 'parse', '-f', setup.conf]);
    expect(o.status, `${fixture}: squid -k parse (overridden):\n${o.all}`).toBe(0);
    expect(o.all).not.toMatch(/FATAL|ERROR|Bungled/);
    // Dify 1.15+ calls the sandbox directly: squid is a forward proxy only, with one port.
    expect(squidConf(release)!.match(/^http_port\b.*$/gm), `${fixture}: one forward port`).toEqual([`http_port ${release.values.ssrfProxy.port}`]);
    expect(squidConf(release), `${fixture}: no reverse proxy`).not.toMatch(/\baccel\b|^cache_peer\b/m);
  });

  describe.each([...groups.values()].map((fs) => [fs.join(', '), fs[0]!] as const))('running squid with the config of %s', (_label, fixture) => {
    let sq: Running;
    beforeAll(async () => {
      sq = await startSquid(renderFixture(fixture), fixture);
    });
    afterAll(async () => {
      await sq?.proc.stop();
    });

    forwardChecks(() => sq);
  });

  describe('inline values: allowedNetworks 127.0.0.1/32 and allowInternet false', () => {
    let sq: Running;
    const extra = ['ssrfProxy:', '  allowedNetworks: ["127.0.0.1/32"]', '  allowInternet: false', ''].join('\n');
    beforeAll(async () => {
      sq = await startSquid(renderFixture('defaults.yaml', extra), 'defaults.yaml + allow-list');
    });
    afterAll(async () => {
      await sq?.proc.stop();
    });

    it('lets the allowed network through to the loopback stub', async () => {
      const res = await viaProxy(sq.setup.forwardPort, `http://127.0.0.1:${stubs.loopback.port}/allowed-network`);
      expect(res.status, diag(sq)).toBe(200);
      expect(hitBy('/allowed-network').map((s) => s.name)).toEqual(['loopback']);
    });

    it('still denies other private addresses, and denies a non-allowed public name without internet access', async () => {
      for (const url of ['http://10.0.0.2:8080/still-denied', `http://${PUBLIC_NAME}/public`, 'http://203.0.113.11/public-literal']) {
        const res = await viaProxy(sq.setup.forwardPort, url);
        expect(res.status, `${sq.what}: ${url}${diag(sq)}`).toBe(403);
      }
      const d = nameUnder(sq.release.values.ssrfProxy.allowedDomains[0]);
      const ok = await viaProxy(sq.setup.forwardPort, `http://${d}:${stubs.allowed.port}/allowed-without-internet`);
      expect(ok.status, `${sq.what}: the allowed domain still passes${diag(sq)}`).toBe(200);
    });
  });
});
