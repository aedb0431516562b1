/**
 * The in-cluster Weaviate's data across the upgrade from the Dify 1.7.1 chart, on real Weaviate
 * servers: tools/bin/weaviate-<version>, built by tools/build.sh from github.com/weaviate/weaviate's
 * cmd/weaviate-server at the images' tags.
 *
 * The 1.7.1 chart (the commit test/chart/upgrade.test.ts renders) and this one are rendered with the
 * same values. Each server runs with its StatefulSet container's env and the image's own CMD
 * (`--host 0.0.0.0 --port 8080 --scheme http` in both images' Dockerfiles: neither chart sets command
 * or args), and one temp folder per upgrade path stands for the PVC. Data shaped like Dify's, written
 * by 1.19.0, must come back from 1.27.0: schema, every object with its properties and vector, vector
 * and filter search over REST, and search over the gRPC port of the new render.
 *
 * The test overrides only what a pod gets from its own network namespace and the kubelet:
 *   - `--host 127.0.0.1 --port <free>` for the pod IP and containerPort 8080;
 *   - GRPC_PORT <free> for the default 50051 (the new render's grpc containerPort);
 *   - CLUSTER_GOSSIP_BIND_PORT / CLUSTER_DATA_BIND_PORT <free, free + 1> for 7946 / 7947,
 *     RAFT_PORT / RAFT_INTERNAL_RPC_PORT <free> for 8300 / 8301 (1.25 and later), GO_PROFILING_PORT
 *     <free> for 6060 (read by 1.27; 1.19 and 1.24 always try :6060 and only log when it is taken);
 *   - CLUSTER_ADVERTISE_ADDR 127.0.0.1 for the pod IP (read by 1.24 and 1.27; 1.19 advertises the
 *     machine's private address, as in a pod);
 *   - HOSTNAME <StatefulSet>-0, which the kubelet sets (CLUSTER_HOSTNAME is rendered: `node1` in both
 *     charts, the node every shard belongs to, so it is not overridden);
 *   - PERSISTENCE_DATA_PATH <temp folder> for the claim mounted at the rendered path;
 *   - the secretKeyRef (WEAVIATE_API_KEY) → a random test key;
 * plus DISABLE_TELEMETRY=true, so that a test run reports nothing to telemetry.weaviate.io.
 *
 * The chart's guard: the StatefulSet's init container `layout-check` (weaviate.layoutCheck) must refuse a
 * volume 1.27 would serve empty. Its rendered command and args run here with this machine's /bin/sh (and
 * BusyBox's sh, the shell of the images' Alpine base, when installed; CI installs it), the argument that is
 * the rendered mount path replaced by the folder the servers use: empty (passes), after 1.19.0 (refuses),
 * after 1.24.26 and then 1.27.0 (passes), after 1.27.0 directly on 1.19's files (refuses).
 *
 * Finding (the reason for README's intermediate step): 1.27.0 started directly on a 1.19 folder serves
 * the schema and not one object. Its one-time move of 1.19's flat file layout into <class>/<shard>/
 * (marker file migration1.22.fs.hierarchy) runs while the schema it matches files against is still
 * empty (its Raft store restores the schema from schema.db later), so it moves nothing and writes the
 * marker anyway: the 1.19 shard files stay at the top of the volume, unread (langgenius/dify#27291).
 * 1.24 (the last minor before Raft) makes the move from schema.db, so 1.19.0 → 1.24.26 → 1.27.0
 * keeps everything.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';
import { FIXTURES, freePort, removeTempDirs, request, ROOT, sleep, startProcess, stopAll, tempDir, type K8sObject, type Managed } from './support.js';

/** The commit whose chart deployed Dify 1.7.1, as test/chart/upgrade.test.ts renders it. */
const OLD_CHART_COMMIT = '559a773';
const VALUES = join(FIXTURES, 'defaults.yaml');
const OLD = '1.19.0'; // the 1.7.1 chart's weaviate.image.tag
const HOP = '1.24.26'; // README's intermediate step
const NEW = '1.27.0'; // this chart's weaviate.image.tag
const VERSIONS = [OLD, HOP, NEW];
const TOOLS_BIN = join(ROOT, 'tools', 'bin');
const binary = (version: string) => join(TOOLS_BIN, `weaviate-${version}`);

// Budgets: a cold start on a loaded 2-core CI machine takes a few seconds; SIGTERM ends a server in about one.
const READY_BUDGET_MS = 90_000;
const STOP_BUDGET_MS = 30_000;
const PATH_BUDGET_MS = 4 * READY_BUDGET_MS;

function locateBinaries(): boolean {
  const missing = VERSIONS.map(binary).filter((b) => !existsSync(b));
  if (missing.length === 0) return true;
  const reason = `${missing.join(', ')} not built: run tools/build.sh`;
  if (process.env['CI'] === 'true') throw new Error(`CI=true and ${reason}`);
  console.warn(`skipping: ${reason}`);
  return false;
}

/** The 1.7.1 chart folder from git history, or why it cannot be had (a shallow clone). */
function oldChart(): string | undefined {
  const dir = tempDir('weaviate-old-chart');
  const archive = spawnSync('git', ['-C', ROOT, 'archive', '--format=tar', OLD_CHART_COMMIT, 'chart'], { maxBuffer: 1 << 28 });
  const untar = archive.status === 0 ? spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout }) : undefined;
  if (untar?.status === 0) return join(dir, 'chart');
  rmSync(dir, { recursive: true, force: true });
  const reason = `the 1.7.1 chart (git archive ${OLD_CHART_COMMIT}) is not available: ${archive.stderr?.toString() || untar?.stderr.toString()}`;
  if (process.env['CI'] === 'true') throw new Error(`CI=true and ${reason} (CI needs a full clone)`);
  console.warn(`skipping: ${reason}`);
  return undefined;
}

const BINARIES = locateBinaries();
const OLD_CHART = BINARIES ? oldChart() : undefined;

// ---------------------------------------------------------------------------------------------
// What each chart renders for the Weaviate pod
// ---------------------------------------------------------------------------------------------

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: Record<string, unknown>;
  terminationMessagePolicy?: string;
}
interface Pod {
  /** The StatefulSet's first pod, the name the kubelet gives it as HOSTNAME. */
  podName: string;
  container: Container;
  /** The init containers (this chart's layout-check). */
  initContainers: Container[];
  /** Where the volume claim is mounted. */
  dataPath: string;
  service: K8sObject | undefined;
}

async function renderPod(chartArgs: string[], what: string): Promise<Pod> {
  // The whole release, not --show-only: the two charts keep Weaviate's objects in different template files.
  const r = await cli(['render', 'rel', '-n', 'dify', ...chartArgs, '-f', VALUES]);
  if (r.code !== 0) throw new Error(`${what}: render failed: ${r.stderr}`);
  const objs = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  const isWeaviate = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/component'] === 'weaviate';
  const sts = objs.find((o) => o.kind === 'StatefulSet' && isWeaviate(o));
  if (!sts) throw new Error(`${what}: no weaviate StatefulSet rendered`);
  const container = (sts.spec.template.spec.containers as Container[]).find((c) => c.name === 'weaviate');
  if (!container) throw new Error(`${what}: no weaviate container`);
  const claims = (sts.spec.volumeClaimTemplates as { metadata: { name: string } }[]).map((t) => t.metadata.name);
  const mount = (container.volumeMounts ?? []).find((m) => claims.includes(m.name));
  if (!mount) throw new Error(`${what}: the weaviate container mounts none of its claims (${claims.join(', ')})`);
  const initContainers = (sts.spec.template.spec.initContainers ?? []) as Container[];
  return { podName: `${sts.metadata.name}-0`, container, initContainers, dataPath: mount.mountPath, service: objs.find((o) => o.kind === 'Service' && isWeaviate(o)) };
}

const imageTag = (c: Container) => c.image.slice(c.image.lastIndexOf(':') + 1);
const renderedEnv = (c: Container) => new Map((c.env ?? []).map((e) => [e.name, e]));

/** Variables the test sets for the pod's network namespace and kubelet; the charts must set none but the data path. */
const OVERRIDDEN = [
  'GRPC_PORT',
  'CLUSTER_GOSSIP_BIND_PORT',
  'CLUSTER_DATA_BIND_PORT',
  'RAFT_PORT',
  'RAFT_INTERNAL_RPC_PORT',
  'GO_PROFILING_PORT',
  'CLUSTER_ADVERTISE_ADDR',
  'HOSTNAME',
  'DISABLE_TELEMETRY',
];

/** The container's env as the pod sees it: literal values, the API key Secret resolved to the test key. */
function podEnv(pod: Pod, apiKey: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of pod.container.env ?? []) {
    if (e.value !== undefined) {
      if (e.value.includes('$(')) throw new Error(`${e.name}: a $(VAR) reference the test would have to expand`);
      env[e.name] = e.value;
    } else if (e.valueFrom?.secretKeyRef?.key === 'WEAVIATE_API_KEY') env[e.name] = apiKey;
    else throw new Error(`${e.name}: a source the test does not resolve: ${JSON.stringify(e.valueFrom)}`);
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// The layout-check init container, run as rendered
// ---------------------------------------------------------------------------------------------

/** Shells that run the check: the machine's /bin/sh, and BusyBox's (Alpine's /bin/sh) where installed. */
function checkShells(): { name: string; argv0: string[] }[] {
  const shells = [{ name: '/bin/sh', argv0: ['/bin/sh'] }];
  const busybox = spawnSync('busybox', ['sh', '-c', 'true']);
  if (busybox.status === 0) shells.push({ name: 'busybox sh', argv0: ['busybox', 'sh'] });
  else if (process.env['CI'] === 'true') throw new Error('CI=true and busybox is not installed (.ci/run installs it)');
  else console.warn('busybox not installed: the layout check runs with /bin/sh only');
  return shells;
}
const SHELLS = BINARIES ? checkShells() : [];

interface CheckRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The rendered init container's command + args with each shell, the folder standing for the claim: the
 * one argument equal to the rendered mount path becomes dataDir (nothing else is touched). Every shell
 * must give the same result, which is returned.
 */
function runLayoutCheck(pod: Pod, dataDir: string): CheckRun {
  const check = pod.initContainers.find((c) => c.name === 'layout-check');
  if (!check) throw new Error('no layout-check init container rendered');
  const argv = [...(check.command ?? []), ...(check.args ?? [])];
  expect(argv[0], 'the check runs in the image\'s /bin/sh').toBe('/bin/sh');
  expect(argv.filter((a) => a === pod.dataPath), 'the mount path is passed once, as an argument').toHaveLength(1);
  const mapped = argv.slice(1).map((a) => (a === pod.dataPath ? dataDir : a));
  const runs = SHELLS.map(({ name, argv0 }) => {
    const r = spawnSync(argv0[0]!, [...argv0.slice(1), ...mapped], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8', timeout: 10_000 });
    return { name, status: r.status, stdout: r.stdout, stderr: r.stderr };
  });
  for (const r of runs.slice(1)) expect({ ...r, name: runs[0]!.name }, `${r.name} as ${runs[0]!.name}`).toEqual(runs[0]);
  const { status, stdout, stderr } = runs[0]!;
  return { status, stdout, stderr };
}

function expectCheckPasses(pod: Pod, dataDir: string, what: string): void {
  expect(runLayoutCheck(pod, dataDir), `layout-check ${what}`).toEqual({ status: 0, stdout: '', stderr: '' });
}

/** Refused with one line naming the 1.19 shard folder, what goes wrong, and the README step (`next`). */
function expectCheckRefuses(pod: Pod, dataDir: string, what: string, next: RegExp): void {
  const r = runLayoutCheck(pod, dataDir);
  expect(r.status, `layout-check ${what}: ${r.stderr}`).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, `layout-check ${what}: one line`).toHaveLength(1);
  const [shard] = flatShardDirs(dataDir);
  expect(lines[0]).toContain(`found ${join(dataDir, shard!)}, a shard folder of Weaviate 1.19's flat layout`);
  expect(lines[0]).toContain('Weaviate 1.27 cannot read a 1.19 volume directly');
  expect(lines[0]).toMatch(next);
  expect(lines[0]).toContain('(chart/README.md, "Upgrading from Dify 1.7.1", step 2)');
}

const RUN_HOP_FIRST = /: run semitechnologies\/weaviate:1\.24\.26 on it first /;
const RESTORE_BACKUP = /: a later Weaviate has already started on it and marked its files moved: restore the volume's backup, then run 1\.24\.26 on it /;

// ---------------------------------------------------------------------------------------------
// A Weaviate server as the pod would run it
// ---------------------------------------------------------------------------------------------

interface Server {
  version: string;
  rest: number;
  grpc: number;
  proc: Managed;
}

/** Two free consecutive ports (memberlist's data port must be the gossip port + 1). */
async function freePair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    if (p < 65535 && (await portFree(p + 1))) return p;
  }
  throw new Error('no two consecutive free ports');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function startWeaviate(version: string, pod: Pod, dataDir: string, apiKey: string): Promise<Server> {
  const [rest, grpc, gossip, raft, raftRpc, profiling] = [await freePort(), await freePort(), await freePair(), await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    ...podEnv(pod, apiKey),
    PERSISTENCE_DATA_PATH: dataDir,
    GRPC_PORT: String(grpc),
    CLUSTER_GOSSIP_BIND_PORT: String(gossip),
    CLUSTER_DATA_BIND_PORT: String(gossip + 1),
    RAFT_PORT: String(raft),
    RAFT_INTERNAL_RPC_PORT: String(raftRpc),
    GO_PROFILING_PORT: String(profiling),
    CLUSTER_ADVERTISE_ADDR: '127.0.0.1',
    HOSTNAME: pod.podName,
    DISABLE_TELEMETRY: 'true',
  };
  const proc = startProcess(`weaviate ${version}`, binary(version), ['--host', '127.0.0.1', '--port', String(rest), '--scheme', 'http'], {
    env,
    cwd: tempDir('weaviate-cwd'),
    graceMs: STOP_BUDGET_MS,
  });
  let exit: number | null | undefined;
  void proc.exited.then((c) => (exit = c));
  const deadline = Date.now() + READY_BUDGET_MS;
  for (;;) {
    if (exit !== undefined) throw new Error(`weaviate ${version} exited (${exit}) before it was ready:\n${proc.output().slice(-6000)}`);
    const ready = await request(rest, { path: '/v1/.well-known/ready', timeoutMs: 2000 }).catch(() => undefined);
    if (ready?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`weaviate ${version} not ready within ${READY_BUDGET_MS} ms:\n${proc.output().slice(-6000)}`);
    await sleep(200);
  }
  const server = { version, rest, grpc, proc };
  // The binary is the version the image tag names.
  expect((await api(server, apiKey, 'GET', '/v1/meta')).version).toBe(version);
  return server;
}

/** SIGTERM, as the kubelet stops the pod; the server must exit 0 by itself within the budget. */
async function stopCleanly(s: Server): Promise<void> {
  await s.proc.stop();
  expect(await s.proc.exited, `weaviate ${s.version} after SIGTERM:\n${s.proc.output().slice(-3000)}`).toBe(0);
}

type Json = Record<string, unknown>;

async function api(s: Server, apiKey: string, method: string, path: string, body?: unknown): Promise<Json> {
  const r = await request(s.rest, {
    method,
    path,
    headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    timeoutMs: 15_000,
  });
  if (r.status >= 300) throw new Error(`weaviate ${s.version} ${method} ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as Json;
}

/**
 * Waits for the class and its index to be served. 1.27 reports ready before its Raft store has taken
 * over the 1.19 schema (schema.db) and loaded the index, a few seconds later: until then the schema
 * and then the objects of the class answer 404.
 */
async function waitForClass(s: Server, apiKey: string): Promise<void> {
  const deadline = Date.now() + READY_BUDGET_MS;
  for (const path of [`/v1/schema/${CLASS}`, `/v1/objects?class=${CLASS}&limit=1`]) {
    for (;;) {
      const r = await request(s.rest, { path, headers: { authorization: `Bearer ${apiKey}` }, timeoutMs: 5000 });
      if (r.status === 200) break;
      if (r.status !== 404 || Date.now() > deadline) throw new Error(`weaviate ${s.version}: ${path} not served within ${READY_BUDGET_MS} ms: ${r.status} ${r.body}\n${s.proc.output().slice(-6000)}`);
      await sleep(200);
    }
  }
}

async function graphql(s: Server, apiKey: string, query: string): Promise<{ data?: Json; errors?: { message: string }[] }> {
  return (await api(s, apiKey, 'POST', '/v1/graphql', { query })) as { data?: Json; errors?: { message: string }[] };
}

// ---------------------------------------------------------------------------------------------
// Data shaped like Dify's: one class per dataset, Vector_index_<dataset id>_Node, with the text
// property created up front and the metadata properties added by auto-schema on the first insert
// ---------------------------------------------------------------------------------------------

const DATASET_ID = '6f1c2b7e-8d4a-4c3b-9e2f-1a2b3c4d5e6f';
const CLASS = `Vector_index_${DATASET_ID.replaceAll('-', '_')}_Node`;
const PROPERTIES = ['text', 'doc_id', 'document_id', 'dataset_id', 'doc_hash'];
const DIM = 8;

interface Chunk {
  id: string;
  properties: Record<string, string>;
  vector: number[];
}

// Vectors of eighths (exact in float32, so they compare equal after the round trip), each nearest to itself.
const CHUNKS: Chunk[] = ['What Dify is', 'Weaviate 升级 1.19 → 1.27', 'the third chunk', 'a fourth, with "quotes"', 'fifth', 'sixth and last'].map((text, i) => ({
  id: `0b0e5c1a-7f3d-4a6b-9c2e-${String(i + 1).padStart(12, '0')}`,
  properties: {
    text,
    doc_id: `5d2c9e4f-1a3b-4c5d-8e6f-${String(100 + i).padStart(12, '0')}`,
    document_id: i < 3 ? 'a1b2c3d4-0000-4000-8000-000000000001' : 'a1b2c3d4-0000-4000-8000-000000000002',
    dataset_id: DATASET_ID,
    doc_hash: `hash-${i}`,
  },
  vector: Array.from({ length: DIM }, (_, j) => (j === i ? 1 : j === (i + 1) % DIM ? 0.125 : 0)),
}));

async function writeDifyData(s: Server, apiKey: string): Promise<void> {
  await api(s, apiKey, 'POST', '/v1/schema', { class: CLASS, properties: [{ name: 'text', dataType: ['text'] }] });
  const batch = (await api(s, apiKey, 'POST', '/v1/batch/objects', {
    objects: CHUNKS.map((c) => ({ class: CLASS, id: c.id, properties: c.properties, vector: c.vector })),
  })) as unknown as { id: string; result?: { errors?: unknown } }[];
  expect(batch.map((o) => o.id).sort()).toEqual(CHUNKS.map((c) => c.id).sort());
  for (const o of batch) expect(o.result?.errors, `insert ${o.id}`).toBeUndefined();
}

const vectorLiteral = (v: number[]) => `[${v.join(',')}]`;

/** Everything written must be there, over REST: schema, objects with properties and vectors, count, vector and filter search. */
async function expectDifyData(s: Server, apiKey: string): Promise<void> {
  const what = `weaviate ${s.version}`;
  await waitForClass(s, apiKey);
  const cls = (await api(s, apiKey, 'GET', `/v1/schema/${CLASS}`)) as { properties: { name: string; dataType: string[] }[] };
  expect(new Map(cls.properties.map((p) => [p.name, p.dataType])), `${what}: schema`).toEqual(new Map(PROPERTIES.map((p) => [p, ['text']])));

  const listed = (await api(s, apiKey, 'GET', `/v1/objects?class=${CLASS}&include=vector&limit=100`)) as { objects: { id: string; properties: Json; vector: number[] }[] };
  expect(listed.objects.map((o) => o.id).sort(), `${what}: object ids`).toEqual(CHUNKS.map((c) => c.id).sort());
  for (const c of CHUNKS) {
    const o = listed.objects.find((x) => x.id === c.id);
    expect(o?.properties, `${what}: ${c.id} properties`).toEqual(c.properties);
    expect(o?.vector, `${what}: ${c.id} vector`).toEqual(c.vector);
  }

  const count = await graphql(s, apiKey, `{ Aggregate { ${CLASS} { meta { count } } } }`);
  expect(count.errors, `${what}: Aggregate`).toBeUndefined();
  expect((count.data?.['Aggregate'] as Record<string, { meta: { count: number } }[]>)[CLASS]?.[0]?.meta.count, `${what}: count`).toBe(CHUNKS.length);

  for (const c of CHUNKS) {
    const near = await graphql(s, apiKey, `{ Get { ${CLASS}(nearVector: {vector: ${vectorLiteral(c.vector)}}, limit: 1) { text _additional { id distance } } } }`);
    expect(near.errors, `${what}: nearVector ${c.id}`).toBeUndefined();
    const hit = (near.data?.['Get'] as Record<string, { text: string; _additional: { id: string; distance: number } }[]>)[CLASS]?.[0];
    expect(hit?._additional.id, `${what}: nearest to ${c.id}'s vector`).toBe(c.id);
    expect(hit?.text).toBe(c.properties['text']);
    expect(hit?._additional.distance).toBeLessThan(1e-6);
  }

  // The inverted index: Dify deletes and filters chunks by document_id and doc_id.
  const byDocument = await graphql(
    s,
    apiKey,
    `{ Get { ${CLASS}(where: {path: ["document_id"], operator: Equal, valueText: "${CHUNKS[4]!.properties['document_id']}"}, limit: 100) { doc_id } } }`,
  );
  expect(byDocument.errors, `${what}: where document_id`).toBeUndefined();
  const docIds = (byDocument.data?.['Get'] as Record<string, { doc_id: string }[]>)[CLASS]?.map((o) => o.doc_id).sort();
  expect(docIds, `${what}: where document_id`).toEqual(CHUNKS.slice(3).map((c) => c.properties['doc_id']).sort());
}

// ---------------------------------------------------------------------------------------------
// gRPC (weaviate.v1.Weaviate/Search, grpc.health.v1.Health/Check), with Node's HTTP/2 and a few
// lines of protobuf: the field numbers are those of weaviate 1.27.0's grpc/proto/v1/*.proto
// ---------------------------------------------------------------------------------------------

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}
const pbBytes = (field: number, b: Buffer) => Buffer.concat([varint((field << 3) | 2), varint(b.length), b]);
const pbString = (field: number, s: string) => pbBytes(field, Buffer.from(s, 'utf8'));
const pbUint = (field: number, n: number) => Buffer.concat([varint(field << 3), varint(n)]);

type PbFields = Map<number, (bigint | Buffer)[]>;

/** One protobuf message: field number → values (varints as bigint, everything else as bytes). */
function pbDecode(buf: Buffer): PbFields {
  const out: PbFields = new Map();
  let i = 0;
  const readVarint = (): bigint => {
    let r = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++];
      if (b === undefined) throw new Error('truncated protobuf varint');
      r |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return r;
    }
  };
  const take = (n: number) => {
    if (i + n > buf.length) throw new Error('truncated protobuf field');
    return buf.subarray(i, (i += n));
  };
  while (i < buf.length) {
    const tag = Number(readVarint());
    const wire = tag & 7;
    const value = wire === 0 ? readVarint() : wire === 2 ? take(Number(readVarint())) : wire === 5 ? take(4) : wire === 1 ? take(8) : undefined;
    if (value === undefined) throw new Error(`protobuf wire type ${wire}`);
    out.set(tag >>> 3, [...(out.get(tag >>> 3) ?? []), value]);
  }
  return out;
}
const pbMessages = (f: PbFields, field: number) => (f.get(field) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v));
const pbFirst = (f: PbFields, field: number) => pbMessages(f, field)[0] ?? Buffer.alloc(0);

interface GrpcResult {
  status: number;
  message: string;
  replies: Buffer[];
}

function grpcUnary(port: number, path: string, payload: Buffer, apiKey: string): Promise<GrpcResult> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const timer = setTimeout(() => (session.destroy(), reject(new Error(`gRPC ${path}: no answer in 15 s`))), 15_000);
    const fail = (e: Error) => (clearTimeout(timer), session.destroy(), reject(e));
    session.on('error', fail);
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', authorization: `Bearer ${apiKey}` });
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => (head = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', fail);
    req.on('end', () => {
      clearTimeout(timer);
      session.close();
      const body = Buffer.concat(chunks);
      const replies: Buffer[] = [];
      for (let i = 0; i + 5 <= body.length; ) {
        const len = body.readUInt32BE(i + 1);
        replies.push(body.subarray(i + 5, i + 5 + len));
        i += 5 + len;
      }
      const status = trailers['grpc-status'] ?? head['grpc-status'];
      resolve({ status: Number(status ?? -1), message: decodeURIComponent(String(trailers['grpc-message'] ?? head['grpc-message'] ?? '')), replies });
    });
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(payload.length, 1);
    req.end(Buffer.concat([frame, payload]));
  });
}

function float32le(v: number[]): Buffer {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => b.writeFloatLE(x, 4 * i));
  return b;
}

/** SearchRequest: collection 1, properties 20 (non_ref_properties 1), metadata 21 (uuid 1), limit 30, near_vector 43 (vector_bytes 4), uses_127_api 102. */
const searchRequest = (vector: number[], limit: number) =>
  Buffer.concat([
    pbString(1, CLASS),
    pbBytes(20, Buffer.concat([pbString(1, 'text'), pbString(1, 'doc_id')])),
    pbBytes(21, pbUint(1, 1)),
    pbUint(30, limit),
    pbBytes(43, pbBytes(4, float32le(vector))),
    pbUint(102, 1),
  ]);

/** SearchReply results 2 → SearchResult: metadata 2 (id 1), properties 1 → non_ref_props 11 → fields 1 (map entry key 1, Value 2: text_value 13). */
function searchHits(reply: Buffer): { id: string; props: Map<string, string> }[] {
  return pbMessages(pbDecode(reply), 2).map((result) => {
    const r = pbDecode(result);
    const id = pbFirst(pbDecode(pbFirst(r, 2)), 1).toString('utf8');
    const fields = pbMessages(pbDecode(pbFirst(pbDecode(pbFirst(r, 1)), 11)), 1).map((entry) => {
      const e = pbDecode(entry);
      return [pbFirst(e, 1).toString('utf8'), pbFirst(pbDecode(pbFirst(e, 2)), 13).toString('utf8')] as const;
    });
    return { id, props: new Map(fields) };
  });
}

// ---------------------------------------------------------------------------------------------

/** The 1.19 shard folder at the top of the volume: <lowercased class>_<shard>_lsm. */
const flatShardDirs = (dataDir: string) => readdirSync(dataDir).filter((n) => n.startsWith(`${CLASS.toLowerCase()}_`) && n.endsWith('_lsm'));

describe.skipIf(!BINARIES || !OLD_CHART)('weaviate: a 1.19 volume of the 1.7.1 chart on the real 1.27 server', () => {
  const apiKey = randomBytes(24).toString('base64url');
  let oldPod: Pod;
  let newPod: Pod;
  let uncheckedPod: Pod;
  /** The folder 1.19.0 wrote; each path works on its own copy. */
  let data19: string;
  /** The layout check on data19 while it was still empty, a new claim. */
  let onEmpty: CheckRun;

  beforeAll(async () => {
    oldPod = await renderPod(['--chart', OLD_CHART!], 'the 1.7.1 chart');
    newPod = await renderPod([], 'this chart');
    uncheckedPod = await renderPod(['--set', 'weaviate.layoutCheck.enabled=false'], 'this chart, layoutCheck off');
    data19 = tempDir('weaviate-pvc-1.19');
    onEmpty = runLayoutCheck(newPod, data19);
    const s = await startWeaviate(OLD, oldPod, data19, apiKey);
    await writeDifyData(s, apiKey);
    await expectDifyData(s, apiKey); // what every later server must give back, read from the writer itself
    await stopCleanly(s);
  }, PATH_BUDGET_MS);

  afterAll(async () => {
    await stopAll();
    removeTempDirs();
  });

  it('the renders: the 1.19.0 and 1.27.0 images, the image CMD, the same env names and node name, gRPC 50051 on the new pod and Service', () => {
    expect(oldPod.container.image).toBe(`semitechnologies/weaviate:${OLD}`);
    expect(newPod.container.image).toBe(`semitechnologies/weaviate:${NEW}`);
    expect(imageTag(newPod.container)).toBe(NEW);
    for (const pod of [oldPod, newPod]) {
      // The image's CMD (--host 0.0.0.0 --port 8080 --scheme http) applies, which the test runs with its own host and port.
      expect(pod.container.command).toBeUndefined();
      expect(pod.container.args).toBeUndefined();
      expect(pod.container.ports?.find((p) => p.name === 'http')?.containerPort).toBe(8080);
      const env = renderedEnv(pod.container);
      expect(env.get('PERSISTENCE_DATA_PATH')?.value, 'the data path is the claim').toBe(pod.dataPath);
      for (const name of OVERRIDDEN) expect(env.has(name), `${name} is left to the pod (the test sets it)`).toBe(false);
    }
    // Shards belong to a node by name: the new pod must keep it, or 1.27 would find none of them local.
    expect(renderedEnv(newPod.container).get('CLUSTER_HOSTNAME')?.value).toBe(renderedEnv(oldPod.container).get('CLUSTER_HOSTNAME')?.value);
    expect([...renderedEnv(newPod.container).keys()].sort()).toEqual([...renderedEnv(oldPod.container).keys()].sort());
    // gRPC: the default GRPC_PORT 50051 is the new container's grpc port and the Service's.
    expect(newPod.container.ports?.find((p) => p.name === 'grpc')?.containerPort).toBe(50051);
    const servicePorts = (newPod.service?.spec.ports ?? []) as { name: string; port: number; targetPort: string | number }[];
    expect(servicePorts.find((p) => p.port === 50051)?.targetPort).toBe('grpc');
  });

  it('layout-check (rendered): the Weaviate image and securityContext, the claim read-only at the data path; passes on an empty claim, refuses what 1.19.0 wrote', () => {
    expect(newPod.initContainers.map((c) => c.name)).toEqual(['layout-check']);
    const check = newPod.initContainers[0]!;
    expect(check.image).toBe(newPod.container.image);
    expect(check.securityContext).toEqual(newPod.container.securityContext);
    const claim = newPod.container.volumeMounts?.find((m) => m.mountPath === newPod.dataPath);
    expect(check.volumeMounts).toEqual([{ name: claim?.name, mountPath: newPod.dataPath, readOnly: true }]);
    // A failed check's line becomes the container's termination message (kubectl describe pod).
    expect(check.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(uncheckedPod.initContainers, 'weaviate.layoutCheck.enabled=false').toEqual([]);

    expect(onEmpty, 'layout-check on an empty claim').toEqual({ status: 0, stdout: '', stderr: '' });
    expect(flatShardDirs(data19), 'what 1.19.0 wrote').toHaveLength(1);
    expectCheckRefuses(newPod, data19, `after ${OLD}`, RUN_HOP_FIRST);
  });

  it(
    `finding: ${OLD} → ${NEW} directly keeps the schema and loses every object (the 1.19 shard files are left unread)`,
    async () => {
      const dir = tempDir('weaviate-pvc-direct');
      cpSync(data19, dir, { recursive: true });
      const flat = flatShardDirs(dir);
      expect(flat, 'the 1.19 shard folder').toHaveLength(1);
      const s = await startWeaviate(NEW, newPod, dir, apiKey);
      await waitForClass(s, apiKey);
      const listed = (await api(s, apiKey, 'GET', `/v1/objects?class=${CLASS}&limit=100`)) as { objects: unknown[] };
      expect(listed.objects).toEqual([]);
      const count = await graphql(s, apiKey, `{ Aggregate { ${CLASS} { meta { count } } } }`);
      expect((count.data?.['Aggregate'] as Record<string, { meta: { count: number } }[]>)[CLASS]?.[0]?.meta.count).toBe(0);
      await stopCleanly(s);
      // The layout move is marked done although the old shard folder is still where 1.19 left it.
      expect(existsSync(join(dir, 'migration1.22.fs.hierarchy'))).toBe(true);
      expect(flatShardDirs(dir)).toEqual(flat);
      // The check the chart runs first refuses this volume too, and points to the backup.
      expectCheckRefuses(newPod, dir, `after ${NEW} directly`, RESTORE_BACKUP);
    },
    PATH_BUDGET_MS,
  );

  it(
    `${OLD} → ${HOP} (the old pod with the image swapped) → ${NEW} (this chart's pod): schema, every object and vector, search over REST and gRPC`,
    async () => {
      const dir = tempDir('weaviate-pvc-hop');
      cpSync(data19, dir, { recursive: true });
      const [flat] = flatShardDirs(dir);
      const shard = flat!.slice(CLASS.length + 1, -'_lsm'.length);

      // `kubectl set image` on the 1.7.1 release's StatefulSet: its pod spec, the 1.24.26 image.
      const hop = await startWeaviate(HOP, oldPod, dir, apiKey);
      await expectDifyData(hop, apiKey);
      await stopCleanly(hop);
      expect(flatShardDirs(dir), '1.24 moved the 1.19 shard files').toEqual([]);
      expect(existsSync(join(dir, CLASS.toLowerCase(), shard, 'lsm', 'objects'))).toBe(true);
      expectCheckPasses(newPod, dir, `after ${HOP}`);

      const s = await startWeaviate(NEW, newPod, dir, apiKey);
      await expectDifyData(s, apiKey);

      const health = await grpcUnary(s.grpc, '/grpc.health.v1.Health/Check', Buffer.alloc(0), apiKey);
      expect(health.status, health.message).toBe(0);
      expect(pbDecode(health.replies[0] ?? Buffer.alloc(0)).get(1), 'HealthCheckResponse SERVING').toEqual([1n]);
      for (const c of CHUNKS) {
        const found = await grpcUnary(s.grpc, '/weaviate.v1.Weaviate/Search', searchRequest(c.vector, 1), apiKey);
        expect(found.status, `gRPC Search: ${found.message}`).toBe(0);
        const hits = searchHits(found.replies[0] ?? Buffer.alloc(0));
        expect(hits.map((h) => h.id), `gRPC nearest to ${c.id}'s vector`).toEqual([c.id]);
        expect(hits[0]?.props).toEqual(new Map([['text', c.properties['text']], ['doc_id', c.properties['doc_id']]]));
      }
      const all = await grpcUnary(s.grpc, '/weaviate.v1.Weaviate/Search', searchRequest(CHUNKS[0]!.vector, 100), apiKey);
      expect(searchHits(all.replies[0] ?? Buffer.alloc(0)).map((h) => h.id).sort(), 'gRPC reaches every object').toEqual(CHUNKS.map((c) => c.id).sort());
      const noKey = await grpcUnary(s.grpc, '/weaviate.v1.Weaviate/Search', searchRequest(CHUNKS[0]!.vector, 1), 'not-the-key');
      // 1.27 answers UNKNOWN (2) with the authentication error as the message, and no reply.
      expect(noKey.status, 'gRPC refuses another key').not.toBe(0);
      expect(noKey.message).toMatch(/invalid api key/);
      expect(noKey.replies).toEqual([]);

      // The class keeps 1.19's unnamed vector: no vectorConfig, and the named vector `default` that
      // newer Dify searches is not there (README: Dify's own migration of such collections).
      const cls = await api(s, apiKey, 'GET', `/v1/schema/${CLASS}`);
      expect(cls['vectorConfig']).toBeUndefined();
      expect(cls['vectorIndexType']).toBe('hnsw');
      const named = await graphql(s, apiKey, `{ Get { ${CLASS}(nearVector: {vector: ${vectorLiteral(CHUNKS[0]!.vector)}, targetVectors: ["default"]}, limit: 1) { text } } }`);
      expect(named.errors?.map((e) => e.message).join('\n')).toMatch(/target vector not found: "default"/);
      await stopCleanly(s);
      expectCheckPasses(newPod, dir, `after ${HOP} and ${NEW}`);
    },
    PATH_BUDGET_MS,
  );
});
