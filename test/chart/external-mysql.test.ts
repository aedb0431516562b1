/**
 * An external MySQL-family database (externalMysql): the flavour is Dify's DB_TYPE in every process that
 * reads it (api, the collaboration websocket, worker, beat, the migration and backfill Jobs, the plugin
 * daemon), and TLS reaches each reader in the form it takes: DB_EXTRAS `ssl_ca=<file>` for the api image
 * (a file its pod mounts from the configured Secret or ConfigMap, or the image's system bundle) and
 * DB_SSL_MODE for the plugin daemon.
 */
import { parseAllDocuments } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { cli } from '../cli/run.js';
import { effectiveEnv, engineAvailable, FIXTURES, render, type K8sObject } from './render.js';

vi.setConfig({ testTimeout: 120_000 });

interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
interface Mount { name: string; mountPath: string; readOnly?: boolean; subPath?: string }
interface Container { name: string; image: string; env?: EnvVar[]; envFrom?: { configMapRef?: { name: string } }[]; volumeMounts?: Mount[] }
interface KeyItem { key: string; path: string }
interface Volume { name: string; secret?: { secretName: string; items?: KeyItem[] }; configMap?: { name: string; items?: KeyItem[] } }

const API_IMAGE = ['api', 'api-websocket', 'worker', 'beat', 'migration', 'plugin-backfill'];

const workloads = (objects: K8sObject[]): K8sObject[] => objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind));
const componentOf = (o: K8sObject): string => o.metadata.labels?.['app.kubernetes.io/component'] ?? '';
const podOf = (o: K8sObject): { containers: Container[]; initContainers?: Container[]; volumes?: Volume[] } => o.spec.template.spec;
const containersOf = (o: K8sObject): Container[] => [...(podOf(o).initContainers ?? []), ...podOf(o).containers];

/** The env one container sees: its ConfigMaps (envFrom) overlaid by its env. */
function envOf(objects: K8sObject[], c: Container): Map<string, string> {
  const env = new Map<string, string>();
  for (const src of c.envFrom ?? []) {
    const cm = src.configMapRef && objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === src.configMapRef!.name);
    for (const [k, v] of Object.entries(cm?.data ?? {})) env.set(k, String(v));
  }
  for (const e of c.env ?? []) env.set(e.name, e.valueFrom?.secretKeyRef ? `secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}` : (e.value ?? ''));
  return env;
}

/** Where a file path of a container comes from: the Secret/ConfigMap and key behind it, or undefined. */
function fileSource(o: K8sObject, c: Container, path: string): { kind: 'Secret' | 'ConfigMap'; name: string; key: string; readOnly: boolean } | undefined {
  for (const m of c.volumeMounts ?? []) {
    if (!path.startsWith(`${m.mountPath}/`)) continue;
    const rel = path.slice(m.mountPath.length + 1);
    const v = podOf(o).volumes?.find((x) => x.name === m.name);
    const src = v?.secret ? { kind: 'Secret' as const, name: v.secret.secretName, items: v.secret.items } : v?.configMap ? { kind: 'ConfigMap' as const, name: v.configMap.name, items: v.configMap.items } : undefined;
    const item = src?.items?.find((i) => i.path === rel);
    if (src && item && m.subPath === undefined) return { kind: src.kind, name: src.name, key: item.key, readOnly: m.readOnly === true };
  }
  return undefined;
}

async function renderWith(fixture: string, set: string[]): Promise<K8sObject[]> {
  const r = await cli(['render', 'release-name', '-f', `${FIXTURES}/${fixture}`, ...set.flatMap((s) => ['--set', s])]);
  if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject).filter((o) => o !== null);
}

const jobName = (objects: K8sObject[], component: string): string => objects.find((o) => o.kind === 'Job' && componentOf(o) === component)!.metadata.name;

describe.skipIf(!engineAvailable)('external MySQL, OceanBase and seekdb', () => {
  it.each([
    ['external-mysql.yaml', 'mysql', '3306', 'disable'],
    ['external-oceanbase.yaml', 'oceanbase', '2881', 'disable'],
    ['external-seekdb-tls.yaml', 'seekdb', '2881', 'require'],
  ])('%s: DB_TYPE=%s on port %s in every process that connects, the plugin daemon with DB_SSL_MODE=%s', async (fixture, flavor, port, sslMode) => {
    const { objects } = await render(fixture);
    const seen = new Set<string>();
    for (const o of workloads(objects)) {
      const component = componentOf(o);
      if (![...API_IMAGE, 'plugin-daemon'].includes(component)) continue;
      seen.add(component);
      const env = effectiveEnv(objects, o);
      expect(env.get('DB_TYPE'), component).toBe(flavor);
      expect(env.get('DB_PORT'), component).toBe(port);
      expect(env.get('DB_PASSWORD'), component).toMatch(/^secret:/);
      expect(env.get('DB_SSL_MODE'), component).toBe(component === 'plugin-daemon' ? sslMode : undefined);
      if (component === 'plugin-daemon') expect(env.has('DB_EXTRAS'), 'the daemon ignores DB_EXTRAS for MySQL').toBe(false);
    }
    expect([...seen].sort()).toEqual([...API_IMAGE, 'plugin-daemon'].sort());
    expect(objects.some((o) => o.metadata.name.endsWith('-postgresql'))).toBe(false);
  });

  it('OceanBase keeps its tenant-qualified user whole (a credential in the Secret, not split at the @)', async () => {
    const { objects } = await render('external-oceanbase.yaml');
    const secret = objects.find((o) => o.kind === 'Secret' && o.data?.['DB_USERNAME'] !== undefined)!;
    expect(Buffer.from(secret.data!['DB_USERNAME']!, 'base64').toString('utf8')).toBe('dify@tenant_dify');
  });

  it.each([
    ['external-mysql-tls.yaml', 'Secret', 'mysql-ca', 'ca.pem'],
    ['external-seekdb-tls.yaml', 'ConfigMap', 'seekdb-ca', 'ca.crt'],
  ])('%s: every container reading DB_EXTRAS finds its ssl_ca in the %s %s (key %s), mounted read-only; no other pod mounts it', async (fixture, kind, name, key) => {
    const { objects } = await render(fixture);
    const readers = new Set<string>();
    let containers = 0;
    for (const o of workloads(objects)) {
      for (const c of containersOf(o)) {
        const extras = envOf(objects, c).get('DB_EXTRAS');
        if (extras === undefined) continue;
        containers++;
        readers.add(componentOf(o));
        const params = new URLSearchParams(extras);
        expect([...params.keys()], `${o.metadata.name}/${c.name}`).toEqual(['ssl_ca']);
        expect(fileSource(o, c, params.get('ssl_ca')!), `${o.metadata.name}/${c.name}`).toEqual({ kind, name, key, readOnly: true });
      }
    }
    // The migration Job runs two containers (upgrade-db, then the legacy model types).
    expect(containers).toBe(API_IMAGE.length + 1);
    expect([...readers].sort()).toEqual([...API_IMAGE].sort());
    const mounting = workloads(objects).filter((o) => (podOf(o).volumes ?? []).some((v) => (v.secret?.secretName ?? v.configMap?.name) === name));
    expect(mounting.map(componentOf).sort()).toEqual([...API_IMAGE].sort());
  });

  it('TLS without a CA: the api image verifies against its system bundle, nothing is mounted; the daemon requires TLS', async () => {
    const objects = await renderWith('external-mysql.yaml', ['externalMysql.tls.enabled=true']);
    for (const o of workloads(objects)) {
      const component = componentOf(o);
      const env = effectiveEnv(objects, o);
      if (API_IMAGE.includes(component)) expect(env.get('DB_EXTRAS'), component).toBe('ssl_ca=/etc/ssl/certs/ca-certificates.crt');
      if (component === 'plugin-daemon') expect(env.get('DB_SSL_MODE')).toBe('require');
      expect((podOf(o).volumes ?? []).map((v) => v.name), component).not.toContain('db-tls');
    }
  });

  it('TLS is MySQL\'s only: with PostgreSQL the schema refuses the setting instead of ignoring it', async () => {
    await expect(renderWith('defaults.yaml', ['externalMysql.tls.enabled=true', 'externalMysql.tls.ca.secretName=mysql-ca'])).rejects.toThrow(
      /externalMysql\.tls\.enabled and externalMysql\.flavor apply to an external MySQL-compatible database only/,
    );
  });

  it('the one-off Jobs are renamed when the CA\'s source changes (a Job\'s pod template cannot change in place)', async () => {
    const base = (await render('external-mysql-tls.yaml')).objects;
    for (const set of ['externalMysql.tls.ca.secretName=mysql-ca-2024', 'externalMysql.tls.ca.key=bundle.pem']) {
      const other = await renderWith('external-mysql-tls.yaml', [set]);
      for (const job of ['migration', 'plugin-backfill']) expect(jobName(other, job), `${set}: ${job}`).not.toBe(jobName(base, job));
    }
  });
});
