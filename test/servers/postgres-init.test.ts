/**
 * The in-cluster PostgreSQL's init scripts (the ConfigMap mounted at /docker-entrypoint-initdb.d),
 * run against a real PostgreSQL (Debian's package) the way the postgres image runs them.
 *
 * For every distinct (init files, container env) among the fixtures with postgresql.enabled, and
 * for inline values with other names: initdb a temp cluster with POSTGRES_USER as superuser,
 * start postgres on a loopback port (socket dir in the temp dir, with the StatefulSet's own
 * `-c` args), then replay docker-entrypoint.sh's init steps: create POSTGRES_DB, then each file
 * in name order (`.sql` through `psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER"
 * --no-password --no-psqlrc --dbname "$POSTGRES_DB"`, `.sh` executed or sourced by its mode).
 * Afterwards the databases Dify's api and the plugin daemon are configured with must exist and
 * accept their user.
 */
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  asUser,
  chownTree,
  fixtures,
  freePort,
  removeTempDirs,
  renderFixture,
  requireTool,
  run,
  sleep,
  startProcess,
  stopAll,
  tempDir,
  type K8sObject,
  type Release,
} from './support.js';

const INITDB = requireTool('initdb');
const POSTGRES = INITDB && requireTool('postgres');
const PSQL = POSTGRES && requireTool('psql');
const PG_ISREADY = PSQL && requireTool('pg_isready');
const READY = Boolean(INITDB && POSTGRES && PSQL && PG_ISREADY);
const INIT_DIR = '/docker-entrypoint-initdb.d';

// ---------------------------------------------------------------------------------------------
// What the chart renders for the image's entrypoint
// ---------------------------------------------------------------------------------------------

interface InitSpec {
  /** The workload running the postgres image. */
  workload: K8sObject;
  /** Files as mounted at /docker-entrypoint-initdb.d: name → content and mode. */
  files: { name: string; content: string; mode: number }[];
  /** The container's env with Secret and ConfigMap references resolved from the release. */
  env: Record<string, string>;
  /** The container's args (postgres flags). */
  args: string[];
}

function decodeSecret(objs: K8sObject[], name: string, key: string): string | undefined {
  const s = objs.find((o) => o.kind === 'Secret' && o.metadata.name === name);
  if (!s) return undefined;
  if (s.stringData?.[key] !== undefined) return String(s.stringData[key]);
  if (s.data?.[key] !== undefined) return Buffer.from(String(s.data[key]), 'base64').toString('utf8');
  return undefined;
}

function initSpec(release: Release, what: string): InitSpec {
  const objs = release.objects;
  const workloads = objs.filter((o) => ['StatefulSet', 'Deployment'].includes(o.kind));
  const workload = workloads.find((w) =>
    (w.spec.template.spec.containers as any[]).some((c) => (c.volumeMounts ?? []).some((m: any) => m.mountPath.replace(/\/$/, '') === INIT_DIR)),
  );
  if (!workload) {
    throw new Error(
      `${what}: no workload mounts anything at ${INIT_DIR}: the chart renders no PostgreSQL init script ` +
        `(expected a ConfigMap creating ${release.values.postgresql?.auth?.pluginDatabase ?? 'dify_plugin'} mounted there by the postgresql StatefulSet)`,
    );
  }
  const container = (workload.spec.template.spec.containers as any[]).find((c) => (c.volumeMounts ?? []).some((m: any) => m.mountPath.replace(/\/$/, '') === INIT_DIR));
  const mount = (container.volumeMounts as any[]).find((m) => m.mountPath.replace(/\/$/, '') === INIT_DIR);
  const volume = (workload.spec.template.spec.volumes as any[]).find((v) => v.name === mount.name);
  if (!volume?.configMap) throw new Error(`${what}: ${INIT_DIR} is mounted from volume ${mount.name}, which is not a ConfigMap`);
  const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name);
  if (!cm) throw new Error(`${what}: ConfigMap ${volume.configMap.name} mounted at ${INIT_DIR} is not rendered`);
  const defaultMode: number = volume.configMap.defaultMode ?? 0o644;
  const data = cm.data ?? {};
  const files = volume.configMap.items
    ? (volume.configMap.items as any[]).map((i) => ({ name: String(i.path), content: String(data[i.key] ?? ''), mode: i.mode ?? defaultMode }))
    : Object.entries(data).map(([k, v]) => ({ name: k, content: String(v), mode: defaultMode }));

  const env: Record<string, string> = {};
  for (const src of container.envFrom ?? []) {
    const ref = src.configMapRef && objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === src.configMapRef.name);
    if (ref) for (const [k, v] of Object.entries(ref.data ?? {})) env[k] = String(v);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      // A Secret the user manages (existingSecret) is not rendered: any password will do for the test.
      env[e.name] = decodeSecret(objs, name, key) ?? `test-password-for-${name}-${key}`;
    } else if (e.valueFrom?.configMapKeyRef) {
      const { name, key } = e.valueFrom.configMapKeyRef;
      env[e.name] = String(objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)?.data?.[key] ?? '');
    }
  }
  return { workload, files, env, args: (container.args ?? []).map(String) };
}

/** DB_DATABASE / DB_USERNAME a component is configured with (envFrom ConfigMaps, then env). */
function dbSettings(release: Release, component: string): { database?: string; user?: string } {
  const w = release.objects.find((o) => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.labels?.['app.kubernetes.io/component'] === component);
  if (!w) return {};
  const c = w.spec.template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const src of c.envFrom ?? []) {
    const ref = src.configMapRef && release.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === src.configMapRef.name);
    if (ref) for (const [k, v] of Object.entries(ref.data ?? {})) env[k] = String(v);
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = String(e.value);
  return { database: env['DB_DATABASE'], user: env['DB_USERNAME'] };
}

/** docker-entrypoint.sh's init steps (docker_setup_db, docker_process_init_files), next to this file. */
const ENTRYPOINT_INIT = join(import.meta.dirname, 'entrypoint-init.sh');

// ---------------------------------------------------------------------------------------------
// A throwaway cluster
// ---------------------------------------------------------------------------------------------

interface Cluster {
  root: string;
  sock: string;
  port: number;
  stop: () => Promise<void>;
  /** psql as the cluster's user (the OS user owning it), over the socket. */
  psql: (args: string[]) => ReturnType<typeof run>;
  initLog: string;
}

const pgEnv = (extra: Record<string, string>) => ({ PATH: `${dirname(PSQL as string)}:${process.env.PATH ?? '/usr/bin:/bin'}`, LANG: 'C', LC_ALL: 'C', ...extra });

/** A PostgreSQL program with exactly this env, as the postgres OS user when root. */
function pgRun(cmd: string, args: string[], env: Record<string, string>, timeoutMs = 30_000) {
  return run(cmd, args, { env, timeoutMs, ...asUser('postgres') });
}

async function initCluster(spec: InitSpec, what: string): Promise<Cluster> {
  const root = tempDir('pg');
  const data = join(root, 'data');
  const sock = join(root, 'sock');
  const initdbDir = join(root, 'docker-entrypoint-initdb.d');
  mkdirSync(sock);
  mkdirSync(initdbDir);
  for (const f of spec.files) {
    const p = join(initdbDir, f.name);
    writeFileSync(p, f.content);
    chmodSync(p, f.mode & 0o777);
  }
  const driver = join(root, 'entrypoint-init.sh');
  copyFileSync(ENTRYPOINT_INIT, driver);
  chmodSync(driver, 0o755);
  const user = spec.env['POSTGRES_USER'] || 'postgres';
  const pwfile = join(root, 'pwfile');
  writeFileSync(pwfile, `${spec.env['POSTGRES_PASSWORD'] ?? 'postgres'}\n`);
  chownTree(root, 'postgres');
  const env = pgEnv({ HOME: root });

  const init = await pgRun(INITDB as string, ['-D', data, `--username=${user}`, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'], env, 60_000);
  if (init.status !== 0) throw new Error(`${what}: initdb failed (${init.status}):\n${init.all}`);

  const port = await freePort();
  const proc = startProcess(`postgres (${what})`, POSTGRES as string, [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    sock,
    '-c',
    'listen_addresses=127.0.0.1',
    // The StatefulSet's own flags (max_connections, shared_buffers...): the real server must accept them.
    ...spec.args,
  ], { env, graceMs: 5000, ...asUser('postgres') });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await run(PG_ISREADY as string, ['-h', sock, '-p', String(port), '-U', user, '-d', 'postgres'], { timeoutMs: 5000 });
    if (r.status === 0) break;
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      await proc.stop();
      throw new Error(`${what}: postgres did not become ready:\n${proc.output()}`);
    }
    await sleep(100);
  }

  // The image's entrypoint, init part, with the container's env.
  const initEnv: Record<string, string> = { ...env, ...spec.env, PGHOST: sock, PGPORT: String(port), INITDB_DIR: initdbDir };
  delete initEnv['PGDATA'];
  const r = await pgRun('/bin/bash', [driver], initEnv, 60_000);
  const psql = (args: string[]) => pgRun(PSQL as string, ['-v', 'ON_ERROR_STOP=1', '-X', '-h', sock, '-p', String(port), '-U', user, ...args], env);
  const cluster: Cluster = { root, sock, port, stop: () => proc.stop(), psql, initLog: r.all };
  if (r.status !== 0) {
    await proc.stop();
    throw new Error(`${what}: the init scripts failed as docker-entrypoint.sh runs them (exit ${r.status}):\n${r.all}\n--- postgres ---\n${proc.output()}`);
  }
  return cluster;
}

async function checkInit(release: Release, what: string): Promise<void> {
  const spec = initSpec(release, what);
  expect(spec.files.length, `${what}: init files in ${INIT_DIR}`).toBeGreaterThan(0);
  const cluster = await initCluster(spec, what);
  try {
    const list = await cluster.psql(['-d', 'postgres', '-At', '-c', 'SELECT datname FROM pg_database ORDER BY 1']);
    expect(list.status, list.all).toBe(0);
    const dbs = list.stdout.trim().split('\n');
    const auth = release.values.postgresql.auth;
    const api = dbSettings(release, 'api');
    const plugin = dbSettings(release, 'plugin-daemon');
    const wanted = new Set<string>([spec.env['POSTGRES_DB'] ?? '', auth.database, auth.pluginDatabase]);
    if (api.database) wanted.add(api.database);
    if (plugin.database) wanted.add(plugin.database);
    wanted.delete('');
    for (const db of wanted) expect(dbs, `${what}: database ${db} exists after init\n${cluster.initLog}`).toContain(db);
    // Each component's user can connect to its database.
    for (const [who, s] of [['api', api], ['plugin daemon', plugin]] as const) {
      if (!s.database) continue;
      const r = await cluster.psql(['-U', s.user ?? spec.env['POSTGRES_USER']!, '-d', s.database, '-At', '-c', 'SELECT current_database()']);
      expect(r.status, `${what}: ${who} connects to ${s.database} as ${s.user}: ${r.all}`).toBe(0);
      expect(r.stdout.trim()).toBe(s.database);
    }
  } finally {
    await cluster.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Suites
// ---------------------------------------------------------------------------------------------

const pgFixtures = READY ? fixtures.filter((f) => renderFixture(f).values.postgresql?.enabled) : [];

/** One cluster per distinct (init files, env, args). */
const groups = new Map<string, string[]>();
for (const f of pgFixtures) {
  let key: string;
  try {
    const s = initSpec(renderFixture(f), f);
    key = JSON.stringify([s.files, s.env, s.args]);
  } catch (e) {
    key = `error:${(e as Error).message}`;
  }
  groups.set(key, [...(groups.get(key) ?? []), f]);
}

describe.skipIf(!READY)('PostgreSQL: the chart\'s init scripts on a real server', () => {
  afterAll(async () => {
    await stopAll();
    removeTempDirs();
  });

  it('has fixtures with the in-cluster PostgreSQL', () => {
    expect(pgFixtures.length).toBeGreaterThan(0);
  });

  it.each([...groups.values()].map((fs) => [fs.join(', '), fs[0]!] as const))(
    'creates the dify and plugin databases (%s)',
    async (_label, fixture) => {
      await checkInit(renderFixture(fixture), fixture);
    },
    60_000,
  );

  it('creates databases with names that need quoting, for another user', async () => {
    const extra = ['postgresql:', '  auth:', '    username: Dify_Admin', '    database: dify-app', '    pluginDatabase: dify-plugin.v2', ''].join('\n');
    const release = renderFixture('defaults.yaml', extra);
    expect(release.values.postgresql.auth.pluginDatabase).toBe('dify-plugin.v2');
    await checkInit(release, 'defaults.yaml + quoted names');
  }, 60_000);
});
