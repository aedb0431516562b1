/**
 * The NetworkPolicies, held to the paths Dify needs. For every fixture, the rendered policies are
 * evaluated with NetworkPolicy's semantics over a model cluster (the fixture's workloads, kube-dns,
 * an Ingress controller, strangers in and outside the namespace, and public, private and specific
 * addresses), on every port any side mentions plus one nobody does: a path is allowed only when the
 * source's egress and the destination's ingress both allow it (a pod no policy selects allows all).
 * The same evaluation of the table of needs below, written from the fact sheet
 * (../../shared/reference/dify-1.17.1.md, sections 2 and 4), must give exactly the same paths: none
 * missing, none extra.
 */
import { BlockList, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRenderer, type Renderer } from '../../src/index.js';
import { buildValues } from '../../src/values/index.js';
import type { K8sObject } from '../support/k8s.js';
import { FIXTURES, fixtures, ROOT, renderNotes } from './render.js';

// In-process (the library API, byte for byte the CLI's output): dozens of renders stay quick.
let renderer: Renderer;
const renders = new Map<string, { objects: K8sObject[] }>();
function render(fixture: string): { objects: K8sObject[] } {
  let hit = renders.get(fixture);
  if (!hit) {
    const { text } = renderer.render({ release: 'release-name', valueFiles: [join(FIXTURES, fixture)] });
    hit = { objects: parseAllDocuments(text).map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null) };
    renders.set(fixture, hit);
  }
  return hit;
}

type Labels = Record<string, string>;
interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: Requirement[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  port?: number | string;
  protocol?: string;
  endPort?: number;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}
interface Policy {
  namespace: string;
  podSelector: Selector;
  types: string[];
  ingress: Rule[];
  egress: Rule[];
}

interface Pod {
  name: string;
  namespace: string;
  labels: Labels;
  /** The Dify component (app.kubernetes.io/component) of a rendered workload's pods; none for the model's others. */
  component?: string;
}
interface Address {
  name: string;
  ip: string;
}
type Endpoint = Pod | Address;
const isAddress = (e: Endpoint): e is Address => 'ip' in e;

const NS = 'default'; // test/chart/render.ts renders without -n
const nsLabels = (ns: string): Labels => ({ 'kubernetes.io/metadata.name': ns });

/** The rest of the model cluster and the world. */
const OTHERS: Endpoint[] = [
  { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
  { name: 'ingress-controller', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
  { name: 'stranger-same-namespace', namespace: NS, labels: { app: 'stranger' } },
  { name: 'stranger-other-namespace', namespace: 'other', labels: { app: 'stranger' } },
  ...[
    '93.184.216.34', // public IPv4
    '2606:4700::6810:84e5', // public IPv6
    '10.1.2.3',
    '172.16.0.5',
    '192.168.0.5',
    '192.168.10.7',
    '100.64.0.5',
    '169.254.169.254', // cloud metadata
    '169.254.20.10', // node-local DNS
    'fd00::5',
    'fe80::5',
    // the networks of network-policy-custom.yaml
    '10.20.0.5',
    '10.30.0.11',
    '10.40.0.7',
    '10.50.0.25',
    '10.60.1.1',
    '10.70.0.9',
    '10.80.0.1',
    '10.90.0.1',
  ].map((ip) => ({ name: ip, ip })),
];

// ---- NetworkPolicy semantics ----

function matches(sel: Selector | undefined, labels: Labels): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const r of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, r.key);
    const inValues = has && (r.values ?? []).includes(labels[r.key]!);
    const ok = r.operator === 'In' ? inValues : r.operator === 'NotIn' ? !inValues : r.operator === 'Exists' ? has : !has;
    if (!ok) return false;
  }
  return true;
}

const cidrCache = new Map<string, boolean>();
function inCidr(ip: string, cidr: string): boolean {
  const key = `${ip} ${cidr}`;
  let hit = cidrCache.get(key);
  if (hit === undefined) cidrCache.set(key, (hit = inCidrUncached(ip, cidr)));
  return hit;
}

function inCidrUncached(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/') as [string, string];
  const family = isIPv6(net) ? 'ipv6' : 'ipv4';
  if ((isIPv6(ip) ? 'ipv6' : 'ipv4') !== family) return false;
  const list = new BlockList();
  list.addSubnet(net, Number(bits), family);
  return list.check(ip, family);
}

/** Does a peer (of a policy in namespace `ns`) match the endpoint? ipBlocks match addresses, selectors pods. */
function peerMatches(peer: Peer, ns: string, e: Endpoint): boolean {
  if (peer.ipBlock) return isAddress(e) && inCidr(e.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((x) => inCidr(e.ip, x));
  if (isAddress(e)) return false;
  const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, nsLabels(e.namespace)) : e.namespace === ns;
  return nsOk && matches(peer.podSelector, e.labels);
}

/** An absent or empty peer list is every source or destination. */
const peersMatch = (peers: Peer[] | undefined, ns: string, e: Endpoint): boolean =>
  !peers || peers.length === 0 || peers.some((p) => peerMatches(p, ns, e));

/** An absent or empty port list is every port. `port` is `TCP/5432`. */
function portMatches(ports: PolicyPort[] | undefined, port: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if (typeof p.port === 'string') throw new Error(`named port ${p.port}: the chart renders numbers`);
    return `${p.protocol ?? 'TCP'}/${p.port}` === port;
  });
}

function policiesOf(objs: K8sObject[]): Policy[] {
  return objs
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => ({
      namespace: o.metadata.namespace ?? NS,
      podSelector: o.spec.podSelector as Selector,
      types: (o.spec.policyTypes as string[] | undefined) ?? ['Ingress'],
      ingress: (o.spec.ingress as Rule[] | undefined) ?? [],
      egress: (o.spec.egress as Rule[] | undefined) ?? [],
    }));
}

const selectCache = new WeakMap<Policy[], Map<string, Policy[]>>();
function selecting(policies: Policy[], e: Endpoint, type: string): Policy[] {
  if (isAddress(e)) return [];
  let byEndpoint = selectCache.get(policies);
  if (!byEndpoint) selectCache.set(policies, (byEndpoint = new Map()));
  const key = `${type} ${e.namespace} ${e.name}`;
  let hit = byEndpoint.get(key);
  if (!hit) byEndpoint.set(key, (hit = policies.filter((p) => p.types.includes(type) && p.namespace === e.namespace && matches(p.podSelector, e.labels))));
  return hit;
}

function policyAllows(policies: Policy[], src: Endpoint, dst: Endpoint, port: string): boolean {
  const out = selecting(policies, src, 'Egress');
  const egress = out.length === 0 || out.some((p) => p.egress.some((r) => peersMatch(r.to, p.namespace, dst) && portMatches(r.ports, port)));
  if (!egress) return false;
  const into = selecting(policies, dst, 'Ingress');
  return into.length === 0 || into.some((p) => p.ingress.some((r) => peersMatch(r.from, p.namespace, src) && portMatches(r.ports, port)));
}

// ---- The paths Dify needs ----

/** One end of a need: a component, peers (`any`: every endpoint), or the internet (every address outside the private ranges, plus `extra`). */
type End = { comp: string } | { peers: Peer[] | 'any' } | { internet: string[] };
interface Need {
  from: End;
  to: End;
  /** `TCP/5001`, or `all` ports. */
  ports: string[] | 'all';
}

interface Cred {
  value: string;
}
interface V {
  routes: { path: string; component: string }[];
  api: { enabled: boolean };
  web: { enabled: boolean };
  proxy: { enabled: boolean; containerPort: number };
  dify: { marketplace: { enabled: boolean } };
  sandbox: { enableNetwork: boolean };
  ssrfProxy: { enabled: boolean; port: number; allowedNetworks: string[] };
  agentBackend: { enabled: boolean; runtime: string };
  agentSsrfProxy: { port: number; allowInternet: boolean };
  pluginDaemon: { useSsrfProxy: boolean; storage: { type: string } };
  postgresql: { enabled: boolean };
  externalPostgresql: { port: number };
  externalMysql: { enabled: boolean; port: number };
  redis: { enabled: boolean };
  externalRedis: { port: number; sentinel: { enabled: boolean; nodes: string[] } };
  minio: { enabled: boolean };
  storage: {
    type: string;
    s3: { endpoint: string };
    azureBlob: { accountUrl: string };
    aliyunOss: { endpoint: string };
    tencentCos: { scheme: string };
    huaweiObs: { server: string };
    volcengineTos: { endpoint: string };
  };
  vectorStore: {
    type: string;
    weaviate: { endpoint: string; grpcEndpoint: string };
    qdrant: { url: string };
    milvus: { uri: string };
    pgvector: { port: number };
    tencent: { url: string };
    myscale: { port: number };
    tablestore: { endpoint: string };
    elasticsearch: { port: number };
    opensearch: { port: number };
  };
  mail: { type: string; smtp: { port: number }; resend: { apiUrl: string }; defaultSendFrom: Cred };
  networkPolicy: {
    enabled: boolean;
    ingressFrom: Peer[];
    pluginDebuggingFrom: Peer[];
    dns: { to: Peer[]; port: number };
    privateCidrs: string[];
    allowedPrivateCidrs: string[];
    externalStores: Record<'database' | 'redis' | 'vectorStore' | 'objectStorage' | 'mail', Peer[]>;
    extraEgress: Rule[];
    kubeApiServer: Peer[];
    kubeApiServerPorts: number[];
  };
}

function valuesOf(fixture: string): V {
  const { values } = buildValues({ chartDir: join(ROOT, 'chart'), valueFiles: [join(FIXTURES, fixture)], set: [], setString: [], setFile: [], setJson: [] });
  return values as unknown as V;
}

const tcp = (...ports: number[]): string[] => ports.map((p) => `TCP/${p}`);

/** The port a URL connects to: its own, else its scheme's, else `fallback`. */
function urlPort(url: string, fallback: number): number {
  if (!url.includes('://')) {
    const m = /:(\d+)$/.exec(url.split('/')[0]!);
    return m ? Number(m[1]) : fallback;
  }
  const u = new URL(url);
  if (u.port) return Number(u.port);
  return ({ 'https:': 443, 'grpcs:': 443, 'http:': 80, 'grpc:': 50051 } as Record<string, number>)[u.protocol] ?? fallback;
}

/** The table: every path Dify 1.17.1 needs, for these values (fact sheet §2 "Who calls whom", §4, and the chart's wiring). */
function needsOf(v: V, rendered: string[]): Need[] {
  const needs: Need[] = [];
  const c = (comp: string): End => ({ comp });
  const add = (from: End, to: End, ports: string[] | 'all'): void => void needs.push({ from, to, ports });
  const np = v.networkPolicy;
  const peersOr = (p: Peer[]): End => ({ peers: p.length > 0 ? p : 'any' });
  const internet = (extra: string[] = []): End => ({ internet: [...np.allowedPrivateCidrs, ...extra] });
  const routed = (component: string): boolean => v.routes.some((r) => r.component === component);
  const store = (key: keyof V['networkPolicy']['externalStores']): End => peersOr(np.externalStores[key]);

  // Entry points: nginx serves the routing table, or without it the Ingress/Gateway reaches each routed component (§4.1).
  const entries: [string, string, number][] = [
    ['api', 'api', 5001],
    ['apiWebsocket', 'api-websocket', 5001], // §4.1 /socket.io/
    ['web', 'web', 3000],
    ['pluginDaemon', 'plugin-daemon', 5002],
  ];
  if (v.proxy.enabled) {
    add(peersOr(np.ingressFrom), c('proxy'), tcp(v.proxy.containerPort));
    for (const [route, comp, port] of entries) if (routed(route)) add(c('proxy'), c(comp), tcp(port));
    if (v.dify.marketplace.enabled && routed('marketplace')) add(c('proxy'), internet(), 'all'); // the marketplace API
  } else {
    for (const [route, comp, port] of entries) if (routed(route)) add(peersOr(np.ingressFrom), c(comp), tcp(port));
  }
  add(peersOr(np.pluginDebuggingFrom), c('plugin-daemon'), tcp(5003)); // remote plugin debugging (published in compose)
  // §4.1: /agent-stub is public only for remote E2B sandboxes (compose's e2b overlay publishes the agent backend).
  if (v.agentBackend.runtime === 'e2b' && routed('agentBackend')) add(v.proxy.enabled ? c('proxy') : peersOr(np.ingressFrom), c('agent-backend'), tcp(5050));

  // §2: api:5001 is called by web (SERVER_CONSOLE_API_URL) and the plugin daemon (inner API, files).
  add(c('web'), c('api'), tcp(5001));
  add(c('plugin-daemon'), c('api'), tcp(5001));
  // §2: sandbox:8194 and plugin_daemon:5002 are called by api and worker; ssrf_proxy:3128 used by api, worker and sandbox.
  for (const s of ['api', 'worker']) {
    add(c(s), c('sandbox'), tcp(8194));
    add(c(s), c('plugin-daemon'), tcp(5002));
    add(c(s), c('ssrf-proxy'), tcp(v.ssrfProxy.port));
  }
  add(c('plugin-backfill'), c('plugin-daemon'), tcp(5002)); // §5.5: backfill-plugin-auto-upgrade needs the daemon
  // dify-plugin-daemon 0.6.10 internal/cluster: a replica forwards a call to the one running the plugin (redirect.go)
  // and checks the others' /health/check (vote.go), pod to pod on its server port.
  add(c('plugin-daemon'), c('plugin-daemon'), tcp(5002));
  // values.yaml: sandboxed code with network goes through the SSRF proxy, or, with none deployed, straight out.
  if (v.sandbox.enableNetwork) {
    if (v.ssrfProxy.enabled) add(c('sandbox'), c('ssrf-proxy'), tcp(v.ssrfProxy.port));
    else add(c('sandbox'), internet(), 'all');
  }
  if (v.pluginDaemon.useSsrfProxy) add(c('plugin-daemon'), c('ssrf-proxy'), tcp(v.ssrfProxy.port));

  // §2 and §5.13, agents: api and worker call the agent backend; it calls the plugin daemon, the api's inner API,
  // the local sandbox and Redis (DB 2); the local sandbox reaches only its proxy, and the proxy only the agent stub
  // and the api's files (no internet: §4.3's rules allow nothing else the sandbox needs); E2B is a public API.
  for (const s of ['api', 'worker']) add(c(s), c('agent-backend'), tcp(5050));
  add(c('agent-backend'), c('plugin-daemon'), tcp(5002));
  add(c('agent-backend'), c('api'), tcp(5001));
  add(c('agent-backend'), c('local-sandbox'), tcp(5004));
  add(c('local-sandbox'), c('agent-ssrf-proxy'), tcp(v.agentSsrfProxy.port));
  add(c('agent-ssrf-proxy'), c('agent-backend'), tcp(5050));
  add(c('agent-ssrf-proxy'), c('api'), tcp(5001));
  // §4.3: Dify's agent proxy also allows the public internet; the chart only when asked.
  if (v.agentSsrfProxy.allowInternet) add(c('agent-ssrf-proxy'), internet(), 'all');
  if (v.agentBackend.runtime === 'e2b') add(c('agent-backend'), internet(), 'all');

  // The internet: the SSRF proxy (§4.2, its allowed private networks too); api and worker are on compose's
  // default network and call public services directly; the plugin daemon runs model providers and installs
  // packages, unless its egress is sent through the SSRF proxy.
  add(c('ssrf-proxy'), internet(v.ssrfProxy.allowedNetworks.map((n) => (n.includes('/') ? n : `${n}/${n.includes(':') ? 128 : 32}`))), 'all');
  add(c('api'), internet(), 'all');
  add(c('worker'), internet(), 'all');
  if (!(v.pluginDaemon.useSsrfProxy && v.ssrfProxy.enabled)) add(c('plugin-daemon'), internet(), 'all');

  // Database and Redis: every process of the api image and the plugin daemon (§2 depends_on, §5.5); the
  // collaboration websocket keeps its state in both (Socket.IO fans out through Redis, §3.3).
  const dbPort = v.externalMysql.enabled ? v.externalMysql.port : v.externalPostgresql.port;
  const redisPorts = v.externalRedis.sentinel.enabled
    ? [...v.externalRedis.sentinel.nodes.map((n) => Number(n.split(':').pop())), v.externalRedis.port]
    : [v.externalRedis.port];
  for (const s of ['api', 'api-websocket', 'worker', 'beat', 'migration', 'plugin-backfill', 'plugin-daemon']) {
    add(c(s), v.postgresql.enabled ? c('postgresql') : store('database'), tcp(v.postgresql.enabled ? 5432 : dbPort));
    add(c(s), v.redis.enabled ? c('redis') : store('redis'), v.redis.enabled ? tcp(6379) : tcp(...redisPorts));
  }
  add(c('agent-backend'), v.redis.enabled ? c('redis') : store('redis'), v.redis.enabled ? tcp(6379) : tcp(...redisPorts)); // §3.3 DIFY_AGENT_REDIS_URL

  // Vector store: api and worker (weaviate needs gRPC 50051 besides HTTP, §5.11).
  const vs = v.vectorStore;
  const vector: [End, string[]] =
    vs.type === 'weaviate'
      ? vs.weaviate.endpoint
        ? [store('vectorStore'), tcp(urlPort(vs.weaviate.endpoint, 80), vs.weaviate.grpcEndpoint ? urlPort(vs.weaviate.grpcEndpoint, 50051) : 50051)]
        : [c('weaviate'), tcp(8080, 50051)]
      : vs.type === 'qdrant'
        ? vs.qdrant.url
          ? [store('vectorStore'), tcp(urlPort(vs.qdrant.url, 6333))]
          : [c('qdrant'), tcp(6333)]
        : [
            store('vectorStore'),
            tcp(
              ({
                milvus: () => urlPort(vs.milvus.uri, 19530),
                pgvector: () => vs.pgvector.port,
                tencent: () => urlPort(vs.tencent.url, 80),
                myscale: () => vs.myscale.port,
                tablestore: () => urlPort(vs.tablestore.endpoint, 443),
                elasticsearch: () => vs.elasticsearch.port,
                opensearch: () => vs.opensearch.port,
              } as Record<string, () => number>)[vs.type]!(),
            ),
          ];
  for (const s of ['api', 'worker']) add(c(s), vector[0], vector[1]);

  // Object storage: every api-image process initialises it at start; the plugin daemon when it stores plugins there.
  const st = v.storage;
  if (st.type !== 'local') {
    const port = ({
      s3: () => urlPort(st.s3.endpoint, 443),
      'azure-blob': () => urlPort(st.azureBlob.accountUrl, 443),
      'aliyun-oss': () => urlPort(st.aliyunOss.endpoint, 443),
      'google-storage': () => 443,
      'tencent-cos': () => (st.tencentCos.scheme === 'http' ? 80 : 443),
      'huawei-obs': () => urlPort(st.huaweiObs.server, 443),
      'volcengine-tos': () => urlPort(st.volcengineTos.endpoint, 443),
    } as Record<string, () => number>)[st.type]!();
    const users = ['api', 'api-websocket', 'worker', 'beat', 'migration', 'plugin-backfill'];
    const daemonDrivers = ['s3', 'azure-blob', 'aliyun-oss', 'tencent-cos', 'volcengine-tos'];
    if (v.pluginDaemon.storage.type === 'objectStorage' && daemonDrivers.includes(st.type)) users.push('plugin-daemon');
    for (const s of users) add(c(s), v.minio.enabled ? c('minio') : store('objectStorage'), tcp(v.minio.enabled ? 9000 : port));
  }
  add(c('minio-bucket'), c('minio'), tcp(9000)); // the bucket Job

  // The `helm test` Job: the api's /health through its Service; the proxy's /console/api (to api) and / (to web)
  // routes, or without the proxy web's Service.
  const route = (path: string, component: string): boolean => v.routes.some((r) => r.path === path && r.component === component);
  add(c('test'), c('api'), tcp(5001));
  if (v.proxy.enabled) {
    if ((v.api.enabled && route('/console/api', 'api')) || (v.web.enabled && route('/', 'web'))) add(c('test'), c('proxy'), tcp(v.proxy.containerPort));
  } else add(c('test'), c('web'), tcp(3000));

  // The credentials generator writes its Secret through the Kubernetes API server.
  add(c('credentials-generator'), peersOr(np.kubeApiServer), tcp(...np.kubeApiServerPorts));

  // Mail (api and worker send it), and the user's extra egress rules.
  if (v.mail.type) {
    const port = v.mail.type === 'smtp' ? v.mail.smtp.port : v.mail.type === 'resend' ? urlPort(v.mail.resend.apiUrl, 443) : 443;
    for (const s of ['api', 'worker']) add(c(s), store('mail'), tcp(port));
  }
  // Every api-image process initialises the app (storage included) at start, so each gets them, and the plugin daemon.
  for (const rule of np.extraEgress)
    for (const s of ['api', 'api-websocket', 'worker', 'beat', 'migration', 'plugin-backfill', 'plugin-daemon'])
      add(c(s), { peers: rule.to && rule.to.length > 0 ? rule.to : 'any' }, rule.ports && rule.ports.length > 0 ? rule.ports.map((p) => `${p.protocol ?? 'TCP'}/${p.port}`) : 'all');

  // DNS for every component.
  for (const s of rendered) add(c(s), peersOr(np.dns.to), [`UDP/${np.dns.port}`, `TCP/${np.dns.port}`]);
  return needs;
}

function endMatches(end: End, e: Endpoint, privateCidrs: string[]): boolean {
  if ('comp' in end) return !isAddress(e) && e.component === end.comp;
  if ('peers' in end) return end.peers === 'any' || end.peers.some((p) => peerMatches(p, NS, e));
  return isAddress(e) && (!privateCidrs.some((n) => inCidr(e.ip, n)) || end.internet.some((n) => inCidr(e.ip, n)));
}

function needAllows(needs: Need[], privateCidrs: string[], src: Endpoint, dst: Endpoint, port: string): boolean {
  const fits = (n: Need): boolean => (n.ports === 'all' || n.ports.includes(port)) && endMatches(n.from, src, privateCidrs) && endMatches(n.to, dst, privateCidrs);
  // A component's side is open only by a need naming it: egress by one from it, ingress by one to it.
  const srcComp = isAddress(src) ? undefined : src.component;
  const dstComp = isAddress(dst) ? undefined : dst.component;
  const egress = !srcComp || needs.some((n) => 'comp' in n.from && n.from.comp === srcComp && fits(n));
  const ingress = !dstComp || needs.some((n) => 'comp' in n.to && n.to.comp === dstComp && fits(n));
  return egress && ingress;
}

// ---- The graph ----

function workloadPods(objs: K8sObject[]): Pod[] {
  return objs
    .filter((o) => ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind))
    .map((o) => {
      const labels = (o.spec.template.metadata?.labels ?? {}) as Labels;
      return { name: labels['app.kubernetes.io/component'] ?? o.metadata.name, namespace: o.metadata.namespace ?? NS, labels, component: labels['app.kubernetes.io/component'] };
    });
}

/** Every `src -> dst PROTO/port` allowed by `allows`, over the endpoints and ports, a Dify pod at one end at least. */
function graph(pods: Pod[], ports: string[], allows: (s: Endpoint, d: Endpoint, p: string) => boolean): Set<string> {
  const all: Endpoint[] = [...pods, ...OTHERS];
  const out = new Set<string>();
  for (const s of all)
    for (const d of all) {
      if (s === d || (!pods.includes(s as Pod) && !pods.includes(d as Pod))) continue;
      for (const p of ports) if (allows(s, d, p)) out.add(`${s.name} -> ${d.name} ${p}`);
    }
  return out;
}

function portsOf(policies: Policy[], needs: Need[]): string[] {
  const ports = new Set(['TCP/9999', 'UDP/9999']); // one nobody names: rules without ports show here
  for (const p of policies) for (const r of [...p.ingress, ...p.egress]) for (const q of r.ports ?? []) ports.add(`${q.protocol ?? 'TCP'}/${q.port}`);
  for (const n of needs) if (n.ports !== 'all') for (const q of n.ports) ports.add(q);
  return [...ports].sort();
}

interface Verdict {
  missing: string[];
  extra: string[];
  actual: Set<string>;
}

function compare(objs: K8sObject[], v: V): Verdict {
  const pods = workloadPods(objs);
  const policies = policiesOf(objs);
  const rendered = [...new Set(pods.map((p) => p.component!))];
  const needs = needsOf(v, rendered);
  const ports = portsOf(policies, needs);
  const actual = graph(pods, ports, (s, d, p) => policyAllows(policies, s, d, p));
  const expected = graph(pods, ports, (s, d, p) => needAllows(needs, v.networkPolicy.privateCidrs, s, d, p));
  return { missing: [...expected].filter((e) => !actual.has(e)).sort(), extra: [...actual].filter((e) => !expected.has(e)).sort(), actual };
}

const withPolicies = fixtures.filter((f) => valuesOf(f).networkPolicy.enabled);

describe('NetworkPolicies: the allowed paths are exactly the ones Dify needs', () => {
  beforeAll(async () => {
    renderer = await createRenderer();
  }, 60_000);

  it('most fixtures render policies, and network-policy-off.yaml renders none', () => {
    expect(withPolicies.length).toBeGreaterThan(fixtures.length - 3);
    expect(fixtures).toContain('network-policy-off.yaml');
    expect(withPolicies).not.toContain('network-policy-off.yaml');
    expect(render('network-policy-off.yaml').objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    expect(render('network-policy-off.yaml').objects.some((o) => o.kind === 'Deployment')).toBe(true);
  });

  for (const fixture of withPolicies) {
    it(fixture, () => {
      const { objects } = render(fixture);
      const pods = workloadPods(objects);
      const policies = policiesOf(objects);
      // One policy per component, each selecting its pods only, both directions governed.
      for (const pod of pods) {
        const sel = policies.filter((p) => p.namespace === pod.namespace && matches(p.podSelector, pod.labels));
        expect(sel.length, `${fixture}: policies selecting ${pod.name}`).toBe(1);
        expect(sel[0]!.types.sort(), pod.name).toEqual(['Egress', 'Ingress']);
      }
      for (const p of policies) expect(pods.some((pod) => matches(p.podSelector, pod.labels)), JSON.stringify(p.podSelector)).toBe(true);
      expect(policies.length).toBe(new Set(pods.map((p) => p.component)).size);

      const { missing, extra } = compare(objects, valuesOf(fixture));
      expect(missing, `${fixture}: paths Dify needs that the policies block`).toEqual([]);
      expect(extra, `${fixture}: paths the policies allow that Dify does not need`).toEqual([]);
    });
  }

  it('default deny: a component nothing calls accepts nothing, and the data stores call nothing but DNS', () => {
    const { objects } = render('defaults.yaml');
    const { actual } = compare(objects, valuesOf('defaults.yaml'));
    const edges = [...actual];
    for (const comp of ['worker', 'beat', 'migration', 'plugin-backfill']) {
      expect(edges.filter((e) => e.includes(`-> ${comp} `)), comp).toEqual([]);
      const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.spec.podSelector.matchLabels['app.kubernetes.io/component'] === comp)!;
      expect(policy.spec.ingress, comp).toBeUndefined();
    }
    for (const comp of ['postgresql', 'redis', 'weaviate']) expect(edges.filter((e) => e.startsWith(`${comp} -> `)).map((e) => e.split(' ').slice(2).join(' ')), comp).toEqual(['kube-dns TCP/53', 'kube-dns UDP/53']);
    // The sandbox reaches its proxy and DNS, nothing else; no one but api and worker reaches it.
    expect(edges.filter((e) => e.startsWith('sandbox -> ')).sort()).toEqual(['sandbox -> kube-dns TCP/53', 'sandbox -> kube-dns UDP/53', 'sandbox -> ssrf-proxy TCP/3128']);
    expect(edges.filter((e) => e.includes('-> sandbox ')).sort()).toEqual(['api -> sandbox TCP/8194', 'worker -> sandbox TCP/8194']);
    // The local sandbox reaches only its proxy (and DNS), and only the agent backend reaches it; its proxy reaches
    // only the agent stub and the api, nothing on the internet.
    const dns = (c: string): string[] => [`${c} -> kube-dns TCP/53`, `${c} -> kube-dns UDP/53`];
    expect(edges.filter((e) => e.startsWith('local-sandbox -> ')).sort()).toEqual([...dns('local-sandbox'), 'local-sandbox -> agent-ssrf-proxy TCP/3128'].sort());
    expect(edges.filter((e) => e.includes('-> local-sandbox '))).toEqual(['agent-backend -> local-sandbox TCP/5004']);
    expect(edges.filter((e) => e.startsWith('agent-ssrf-proxy -> ')).sort()).toEqual(['agent-ssrf-proxy -> agent-backend TCP/5050', 'agent-ssrf-proxy -> api TCP/5001', ...dns('agent-ssrf-proxy')].sort());
    expect(edges.filter((e) => e.includes('-> agent-ssrf-proxy '))).toEqual(['local-sandbox -> agent-ssrf-proxy TCP/3128']);
    expect(edges.filter((e) => e.includes('-> agent-backend ')).sort()).toEqual(['agent-ssrf-proxy -> agent-backend TCP/5050', 'api -> agent-backend TCP/5050', 'worker -> agent-backend TCP/5050'].sort());
    expect(edges.filter((e) => e.startsWith('agent-backend -> ')).sort()).toEqual(['agent-backend -> api TCP/5001', ...dns('agent-backend'), 'agent-backend -> local-sandbox TCP/5004', 'agent-backend -> plugin-daemon TCP/5002', 'agent-backend -> redis TCP/6379'].sort());
    // The SSRF proxy reaches public addresses on every port, never a private one or another pod but DNS.
    const ssrf = edges.filter((e) => e.startsWith('ssrf-proxy -> '));
    expect(ssrf).toContain('ssrf-proxy -> 93.184.216.34 TCP/9999');
    expect(ssrf).toContain('ssrf-proxy -> 2606:4700::6810:84e5 TCP/9999');
    for (const ip of ['10.1.2.3', '172.16.0.5', '192.168.0.5', '100.64.0.5', '169.254.169.254', 'fd00::5', 'fe80::5']) expect(ssrf.filter((e) => e.includes(` ${ip} `)), ip).toEqual([]);
    expect(ssrf.filter((e) => !/ -> [0-9a-f:.]+ /.test(e) && !e.includes('kube-dns'))).toEqual([]);
  });

  it('NOTES say when the entry points and the external stores are open, and how to narrow them', () => {
    const notes = renderNotes;
    const byDefault = notes('defaults.yaml');
    expect(byDefault).toContain('NetworkPolicies: every component');
    expect(byDefault).toContain('The entry points (the proxy) accept any source: set networkPolicy.ingressFrom');
    expect(byDefault).not.toContain('External stores are reached');
    expect(notes('external.yaml')).toContain('External stores are reached on their ports at any address: list their networks in\n  networkPolicy.externalStores.*');
    const custom = notes('network-policy-custom.yaml');
    expect(custom).toContain('NetworkPolicies: every component');
    expect(custom).not.toContain('accept any source');
    expect(custom).not.toContain('External stores are reached');
    expect(notes('network-policy-off.yaml')).not.toContain('NetworkPolicies');
  });

  it('the default private ranges cover RFC 1918, CGNAT, link-local and IPv6 ULA / link-local', () => {
    expect(valuesOf('defaults.yaml').networkPolicy.privateCidrs).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10']);
  });

  it('the judge can fail: a rule removed is a missing path, a rule widened an extra one', () => {
    const { objects } = render('defaults.yaml');
    const v = valuesOf('defaults.yaml');
    const api = (objs: K8sObject[]): K8sObject => objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name.endsWith('-api'))!;
    const narrowed = structuredClone(objects);
    const rules = api(narrowed).spec.ingress as Rule[];
    rules.splice(rules.findIndex((r) => r.from?.some((p) => p.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'plugin-daemon')), 1); // the plugin daemon's inner API calls
    expect(compare(narrowed, v).missing).toEqual(['plugin-daemon -> api TCP/5001']);
    const widened = structuredClone(objects);
    (api(widened).spec.ingress as Rule[])[0]!.from = [{ podSelector: {} }]; // every pod of the namespace instead of the proxy
    expect(compare(widened, v).extra).toEqual(['stranger-same-namespace -> api TCP/5001']);
    const stray = structuredClone(objects);
    (api(stray).spec.egress as Rule[]).push({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'web' } } }] });
    expect(compare(stray, v).extra).toEqual([]); // web's own policy still refuses the api
    const closed = structuredClone(objects);
    (closed.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name.endsWith('-web'))!.spec as { ingress: Rule[] }).ingress.length = 0;
    expect(compare(closed, v).missing).toContain('proxy -> web TCP/3000');
  });
});
