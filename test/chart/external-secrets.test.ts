/**
 * Credentials from External Secrets Operator: one ExternalSecret (external-secrets.io/v1) fetches every
 * credential whose source is a remoteRef into `<fullname>-external`, which the pods read; inline values
 * stay in the chart's Secret and existingSecret references point at the user's Secret.
 */
import { describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as eso from '@kubernetes-models/external-secrets/external-secrets.io/v1';
import { exec } from '../support/exec.js';
import { ROOT, engineAvailable, FIXTURES, fixtureValues, fixtures, render, type K8sObject } from './render.js';

vi.setConfig({ testTimeout: 120_000 });

/** Every secretKeyRef of every container of every workload, as `secret/key`. */
function secretRefs(objects: K8sObject[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    const pod = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
    for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])])
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) out.add(`${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
  }
  return out;
}

async function renderWith(fixture: string, ...set: string[]): Promise<K8sObject[]> {
  const args = [join(ROOT, 'bin', 'dify-chart'), 'render', 'release-name', '-f', join(FIXTURES, fixture), ...set.flatMap((s) => ['--set', s])];
  const r = await exec(process.execPath, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(r.stderr);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

/** Fields of the CRD (external-secrets.io/v1 ExternalSecret) the chart writes; anything else is a typo. */
const SPEC_FIELDS = ['refreshInterval', 'secretStoreRef', 'target', 'data'];
const DATA_FIELDS = ['secretKey', 'remoteRef'];
const REMOTE_REF_FIELDS = ['key', 'property', 'decodingStrategy'];

describe.skipIf(!engineAvailable)('ExternalSecret', () => {
  it('external-secrets.yaml: one ExternalSecret for exactly the remoteRef credentials, valid against the CRD schema', async () => {
    const { objects } = await render('external-secrets.yaml');
    const all = objects.filter((o) => o.kind === 'ExternalSecret');
    expect(all).toHaveLength(1);
    const es = all[0]!;
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.metadata.name).toBe('release-name-dify-external');
    expect(() => new eso.ExternalSecret(es as any).validate()).not.toThrow();
    expect(Object.keys(es.spec).sort()).toEqual([...SPEC_FIELDS].sort());
    expect(es.spec.secretStoreRef).toEqual({ name: 'vault', kind: 'ClusterSecretStore' });
    expect(es.spec.refreshInterval).toBe('30m');
    expect(es.spec.target).toEqual({ name: 'release-name-dify-external', creationPolicy: 'Owner' });
    for (const d of es.spec.data) {
      expect(Object.keys(d).sort()).toEqual([...DATA_FIELDS].sort());
      for (const k of Object.keys(d.remoteRef)) expect(REMOTE_REF_FIELDS).toContain(k);
    }
    const byKey = Object.fromEntries(es.spec.data.map((d: any) => [d.secretKey, d.remoteRef]));
    expect(byKey).toEqual({
      SECRET_KEY: { key: 'dify/app', property: 'secret-key', decodingStrategy: 'None' },
      DB_PASSWORD: { key: 'dify/postgresql', property: 'password', decodingStrategy: 'Base64' },
      REDIS_PASSWORD: { key: 'dify/redis', property: 'password', decodingStrategy: 'None' },
      PLUGIN_DIFY_INNER_API_KEY: { key: 'dify/plugin-inner', decodingStrategy: 'None' },
      SENDGRID_API_KEY: { key: 'dify/mail', property: 'sendgrid', decodingStrategy: 'None' },
      MAIL_DEFAULT_SEND_FROM: { key: 'dify/mail', property: 'sender', decodingStrategy: 'None' },
    });
    // Every key the pods read from <fullname>-external is fetched, and nothing more.
    const fromExternal = [...secretRefs(objects)].filter((r) => r.startsWith('release-name-dify-external/')).map((r) => r.split('/')[1]);
    expect(new Set(fromExternal)).toEqual(new Set(Object.keys(byKey)));
  });

  it('external-secrets.yaml: each source is read from its own place (inline, existingSecret, remoteRef)', async () => {
    const { objects } = await render('external-secrets.yaml');
    const secret = objects.find((o) => o.kind === 'Secret')!;
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['CODE_EXECUTION_API_KEY', 'WEAVIATE_API_KEY']);
    for (const suffix of ['-api', '-worker', '-plugin-daemon']) {
      const env = new Map<string, string>();
      for (const e of find(objects, suffix).spec.template.spec.containers[0].env)
        env.set(e.name, e.valueFrom?.secretKeyRef ? `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}` : e.value);
      expect(env.get('DB_PASSWORD'), suffix).toBe('release-name-dify-external/DB_PASSWORD');
      expect(env.get('REDIS_PASSWORD'), suffix).toBe('release-name-dify-external/REDIS_PASSWORD');
      if (suffix === '-plugin-daemon') {
        expect(env.get('SERVER_KEY')).toBe('dify-plugin/server-key');
        expect(env.get('DIFY_INNER_API_KEY')).toBe('release-name-dify-external/PLUGIN_DIFY_INNER_API_KEY');
      } else {
        expect(env.get('SECRET_KEY'), suffix).toBe('release-name-dify-external/SECRET_KEY');
        expect(env.get('CODE_EXECUTION_API_KEY'), suffix).toBe('release-name-dify-inline-credentials/CODE_EXECUTION_API_KEY');
        expect(env.get('PLUGIN_DAEMON_KEY'), suffix).toBe('dify-plugin/server-key');
        expect(env.get('CELERY_BROKER_URL'), suffix).toBe('redis://:$(REDIS_PASSWORD)@release-name-dify-redis:6379/1');
      }
    }
    // The in-cluster stores read the same fetched passwords.
    const pg = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name.endsWith('-postgresql'))!;
    expect(pg.spec.template.spec.containers[0].env.find((e: any) => e.name === 'POSTGRES_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'release-name-dify-external', key: 'DB_PASSWORD' });
  });

  it('pods roll when the ExternalSecret spec changes (checksum/secret)', async () => {
    const checksum = (objs: K8sObject[]) => find(objs, '-api').spec.template.metadata.annotations['checksum/secret'];
    const base = checksum((await render('external-secrets.yaml')).objects);
    expect(checksum(await renderWith('external-secrets.yaml', 'redis.auth.password.remoteRef.property=pw'))).not.toBe(base);
    expect(checksum(await renderWith('external-secrets.yaml', 'externalSecrets.secretStoreRef.name=other'))).not.toBe(base);
    expect(checksum(await renderWith('external-secrets.yaml', 'externalSecrets.refreshInterval=5m'))).not.toBe(base);
  });

  for (const fixture of fixtures)
    it(`${fixture}: an ExternalSecret exactly when a remoteRef is in use, fetching every key the pods read from it`, async () => {
      const { objects } = await render(fixture);
      const uses = /remoteRef:/.test(fixtureValues(fixture));
      const es = objects.filter((o) => o.kind === 'ExternalSecret');
      expect(es.length, fixture).toBe(uses ? 1 : 0);
      const read = [...secretRefs(objects)].filter((r) => r.startsWith('release-name-dify-external/')).map((r) => r.split('/')[1]);
      const fetched = uses ? es[0]!.spec.data.map((d: any) => d.secretKey) : [];
      expect(new Set(read)).toEqual(new Set(fetched));
      if (uses) expect(() => new eso.ExternalSecret(es[0] as any).validate()).not.toThrow();
    });

  for (const fixture of fixtures)
    it(`${fixture}: every secretKeyRef to the chart's Secret names a key it holds`, async () => {
      const { objects } = await render(fixture);
      const own = objects.find((o) => o.kind === 'Secret' && o.metadata.name.endsWith('-credentials'));
      const name = own?.metadata.name ?? 'release-name-dify-inline-credentials';
      for (const ref of secretRefs(objects)) {
        const [secret, key] = ref.split('/') as [string, string];
        if (secret === name) expect(own?.data?.[key], `${fixture}: ${ref}`).toBeTruthy();
      }
    });

  it('the CRD validation is effective: a wrong decodingStrategy or creationPolicy is rejected', async () => {
    const es = (await render('external-secrets.yaml')).objects.find((o) => o.kind === 'ExternalSecret')!;
    const bad1 = structuredClone(es);
    bad1.spec.data[0].remoteRef.decodingStrategy = 'Nope';
    expect(() => new eso.ExternalSecret(bad1 as any).validate()).toThrow(/decodingStrategy/);
    const bad2 = structuredClone(es);
    bad2.spec.target.creationPolicy = 'Sometimes';
    expect(() => new eso.ExternalSecret(bad2 as any).validate()).toThrow(/creationPolicy/);
  });

  it('no remoteRef in use: no ExternalSecret, even with externalSecrets.enabled', async () => {
    const objs = await renderWith('defaults.yaml', 'externalSecrets.enabled=true', 'externalSecrets.secretStoreRef.name=vault');
    expect(objs.some((o) => o.kind === 'ExternalSecret')).toBe(false);
  });
});

function find(objects: K8sObject[], suffix: string): K8sObject {
  const o = objects.find((x) => x.kind === 'Deployment' && x.metadata.name.endsWith(suffix));
  if (!o) throw new Error(`no Deployment ${suffix}`);
  return o;
}
