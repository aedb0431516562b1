/** No credential ever reaches a ConfigMap, and nothing public is a default. */
import { describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 120_000 });
import { parse } from 'yaml';
import { engineAvailable, fixtureValues, fixtures, generatorOf, render } from './render.js';

/** Every string under a credential's `value` in a fixture. */
function pinnedSecrets(fixture: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('value' in o && typeof o.value === 'string' && o.value.length >= 6 && ('existingSecret' in o || 'remoteRef' in o)) out.push(o.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(parse(fixtureValues(fixture)));
  return [...new Set(out)].filter((s) => !/^(true|false)$/.test(s));
}

describe.skipIf(!engineAvailable)('secrets', () => {
  for (const fixture of fixtures) {
    it(`${fixture}: no Secret value in any ConfigMap, Deployment or Job`, async () => {
      const { objects } = await render(fixture);
      const secretValues = new Set<string>(pinnedSecrets(fixture));
      for (const s of objects.filter((o) => o.kind === 'Secret'))
        for (const v of Object.values(s.data ?? {})) {
          const plain = Buffer.from(String(v), 'base64').toString('utf8');
          if (plain.length >= 6) secretValues.add(plain);
        }
      const plainObjects = objects.filter((o) => o.kind !== 'Secret');
      for (const o of plainObjects) {
        const text = JSON.stringify(o);
        for (const v of secretValues) expect(text.includes(JSON.stringify(v).slice(1, -1)), `${o.kind}/${o.metadata.name} contains a secret`).toBe(false);
      }
    });
  }

  it('no fixed public default: unset credentials are generated, not the upstream defaults', async () => {
    const { text } = await render('defaults.yaml');
    expect(text).not.toContain(Buffer.from('dify-sandbox').toString('base64'));
    for (const pub of ['difyai123456', 'sk-9f73s3ljTXVcMT3Blb3ljTqtsKiGHXVcMT3BlbkFJLK7U', 'QaHbTe77CtuXmsfyhR7', 'lYkiYYT6owG', 'WVF5YThaHlkYwhGUSmCRgsX3tD5ngdN8pkih'])
      expect(text).not.toContain(pub);
  });

  for (const fixture of fixtures) {
    it(`${fixture}: the generated credentials are in no rendered object; each key a pod reads from their Secret is generated, and each generated key is read`, async () => {
      const { objects } = await render(fixture);
      const generator = generatorOf(objects);
      const target = generator?.target ?? 'release-name-dify-generated-credentials';
      expect(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).not.toContain(target);
      const read = new Set<string>();
      for (const o of objects) {
        const pod = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec?.template?.spec;
        for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])] as { env?: { valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[])
          for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name === target) read.add(e.valueFrom.secretKeyRef.key);
      }
      expect([...read].sort()).toEqual([...(generator?.keys.keys() ?? [])].sort());
    });
  }

  it('generated-credentials.yaml: every credential the chart can generate, in its shape; the old chart\'s Secret is the one adopted', async () => {
    const generator = generatorOf((await render('generated-credentials.yaml')).objects)!;
    expect(Object.fromEntries(generator.keys)).toEqual({
      SECRET_KEY: 'alnum:42',
      DB_PASSWORD: 'alnum:32',
      REDIS_PASSWORD: 'alnum:32',
      CODE_EXECUTION_API_KEY: 'alnum:32',
      PLUGIN_DAEMON_KEY: 'alnum:42',
      PLUGIN_DIFY_INNER_API_KEY: 'alnum:42',
      S3_ACCESS_KEY: 'alnum:20',
      S3_SECRET_KEY: 'alnum:40',
      WEAVIATE_API_KEY: 'alnum:32',
      AGENT_BACKEND_API_TOKEN: 'alnum:48',
      DIFY_AGENT_SERVER_SECRET_KEY: 'base64url:32', // 43 characters, the only shape the agent backend accepts
      DIFY_AGENT_LOCAL_SANDBOX_AUTH_TOKEN: 'alnum:48',
    });
    expect(generator.target).toBe('release-name-dify-generated-credentials');
    expect(generator.legacy).toBe('release-name-dify-credentials');
  });

  it('a fixture with every credential pinned renders no generator and no reference to its Secret', async () => {
    const { objects, text } = await render('defaults.yaml');
    expect(generatorOf(objects)).toBeUndefined();
    expect(text).not.toContain('generated-credentials');
  });
});
