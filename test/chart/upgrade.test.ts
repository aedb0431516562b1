/**
 * Upgrading an installation of the Dify 1.7.1 chart (the last chart version before 1.17.1, taken
 * from this repository's history) to this one, with the same values: what `helm upgrade` or
 * `render | kubectl apply` may change, and what it must not (anything immutable or holding data).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART, cli, FIXTURES, ROOT, tempDir } from '../cli/run.js';
import type { K8sObject } from '../support/k8s.js';
import { generatorOf } from './render.js';

/** The commit whose chart deployed Dify 1.7.1 (appVersion "1.7.1"). */
const OLD_CHART_COMMIT = '559a773';
const FIXTURES_UPGRADED = ['defaults.yaml', 'external.yaml', 'minio-qdrant.yaml', 'hpa.yaml', 'existing-secrets.yaml', 'redis-sentinel.yaml'];

function oldChart(): { dir: string } | { reason: string } {
  const dir = tempDir('dify-old-chart-');
  const archive = spawnSync('git', ['-C', ROOT, 'archive', '--format=tar', OLD_CHART_COMMIT, 'chart'], { maxBuffer: 1 << 28 });
  if (archive.status !== 0) return { reason: `git archive ${OLD_CHART_COMMIT} failed: ${archive.stderr?.toString() || archive.error?.message}` };
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (untar.status !== 0) return { reason: `tar failed: ${untar.stderr.toString()}` };
  return { dir: join(dir, 'chart') };
}

const old = oldChart();
if ('reason' in old && process.env['CI'] === 'true') throw new Error(`the 1.7.1 chart is needed in CI (a full clone): ${old.reason}`);

async function objects(args: string[]): Promise<K8sObject[]> {
  const r = await cli(['render', 'rel', '-n', 'dify', ...args]);
  if (r.code !== 0) throw new Error(`render ${args.join(' ')} failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);
}

const byKind = (objs: K8sObject[], kind: string) => new Map(objs.filter((o) => o.kind === kind).map((o) => [o.metadata.name, o]));

describe.skipIf('reason' in old)('upgrading from the Dify 1.7.1 chart', () => {
  const renders = new Map<string, { before: K8sObject[]; after: K8sObject[] }>();
  beforeAll(async () => {
    const dir = (old as { dir: string }).dir;
    for (const f of FIXTURES_UPGRADED) {
      const values = join(FIXTURES, f);
      // The 1.7.1 chart's schema lived outside its folder: it renders here without one (a note on stderr).
      const before = await objects(['--chart', dir, '-f', values, ...(f === 'redis-sentinel.yaml' ? ['--set', 'externalRedis.sentinel.eventBusUrl=null'] : [])]);
      renders.set(f, { before, after: await objects(['--chart', CHART, '-f', values]) });
    }
  }, 300_000);

  it('the old chart is the 1.7.1 one', async () => {
    const r = await cli(['render', '--chart', (old as { dir: string }).dir, '-f', join(FIXTURES, 'defaults.yaml'), '-s', 'templates/api.yaml']);
    expect(r.stdout).toContain('image: langgenius/dify-api:1.7.1');
  });

  it.each(FIXTURES_UPGRADED)('%s: Secret keys, PVCs, StatefulSet selectors and claims, Services and selectors stay', (f) => {
    const { before, after } = renders.get(f)!;
    // Every credential the old release's Secret holds is still held: given inline, it is in the new chart's
    // Secret of inline values; left empty, the credentials generator adopts it from that very Secret (kept by
    // Helm's resource policy, and never pruned by kubectl apply) instead of generating it anew.
    const generator = generatorOf(after);
    const inline = byKind(after, 'Secret').get('rel-dify-inline-credentials') ?? byKind(after, 'Secret').get('dify-prod-inline-credentials');
    for (const [name, s] of byKind(before, 'Secret')) {
      expect(s.metadata.annotations?.['helm.sh/resource-policy'], `old Secret ${name}`).toBe('keep');
      const held = new Set([...Object.keys(inline?.data ?? {}), ...(generator?.keys.keys() ?? [])]);
      for (const key of Object.keys(s.data ?? s.stringData ?? {})) expect(held.has(key), `${name} ${key}`).toBe(true);
      if (generator) expect(generator.legacy, 'the generator adopts the old Secret').toBe(name);
    }
    for (const [name, pvc] of byKind(before, 'PersistentVolumeClaim')) {
      const next = byKind(after, 'PersistentVolumeClaim').get(name);
      expect(next, `PVC ${name}`).toBeDefined();
      expect(next!.spec.resources.requests.storage, `PVC ${name} size`).toBe(pvc.spec.resources.requests.storage);
      expect(next!.spec.accessModes, `PVC ${name} access modes`).toEqual(pvc.spec.accessModes);
    }
    // StatefulSet selector, serviceName and volumeClaimTemplates are immutable; the claims hold the data.
    for (const [name, sts] of byKind(before, 'StatefulSet')) {
      const next = byKind(after, 'StatefulSet').get(name);
      expect(next, `StatefulSet ${name}`).toBeDefined();
      expect(next!.spec.selector, `${name} selector`).toEqual(sts.spec.selector);
      expect(next!.spec.serviceName, `${name} serviceName`).toBe(sts.spec.serviceName);
      expect(next!.spec.volumeClaimTemplates, `${name} volumeClaimTemplates`).toEqual(sts.spec.volumeClaimTemplates);
    }
    for (const [name, d] of byKind(before, 'Deployment')) {
      const next = byKind(after, 'Deployment').get(name);
      expect(next, `Deployment ${name}`).toBeDefined();
      expect(next!.spec.selector, `${name} selector`).toEqual(d.spec.selector);
    }
    const services = [...byKind(after, 'Service').keys()];
    expect(services).toEqual(expect.arrayContaining([...byKind(before, 'Service').keys()]));
  });

  it('what the upgrade changes: the images, and a new migration Job that migrates, then runs the one-off data migrations', () => {
    const { before, after } = renders.get('defaults.yaml')!;
    const jobs = (objs: K8sObject[]) => objs.filter((o) => o.kind === 'Job').map((o) => o.metadata.name);
    // A migration Job of another name: `helm upgrade` and `kubectl apply` both create and run it.
    const migrateBefore = jobs(before).filter((n) => n.includes('-migrate-'));
    const migrateAfter = jobs(after).filter((n) => n.includes('-migrate-'));
    expect(migrateAfter).toHaveLength(1);
    expect(migrateBefore).not.toContain(migrateAfter[0]);
    expect(jobs(after).some((n) => n.includes('-backfill-'))).toBe(true);
    const images = (objs: K8sObject[]) =>
      new Set(objs.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind)).flatMap((o) => o.spec.template.spec.containers.map((c: { image: string }) => c.image)));
    expect([...images(before)]).toContain('langgenius/dify-api:1.7.1');
    expect([...images(after)]).toContain('langgenius/dify-api:1.17.1');
    expect([...images(before)]).toContain('semitechnologies/weaviate:1.19.0');
    expect([...images(after)]).toContain('semitechnologies/weaviate:1.27.0');
  });
});
