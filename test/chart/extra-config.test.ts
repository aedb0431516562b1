/**
 * dify.extraConfig cannot set a name the chart sets itself (it rendered the key twice in one
 * ConfigMap, or under an env entry that silently won, or put a credential into a ConfigMap): the
 * schema refuses each such name with the typed value to use, so render, lint and `helm install`
 * refuse it alike; or, for a name the chart sets only as a default (DB_EXTRAS with an external
 * PostgreSQL's sslMode), the chart gives way and renders the user's line alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 120_000 });
import { cli, PINNED } from '../cli/run.js';
import { buildValues } from '../../src/values/index.js';
import { engineAvailable, FIXTURES, fixtureValues, fixtures, render, ROOT, type K8sObject } from './render.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'chart', 'values.schema.json'), 'utf8')) as {
  properties: { dify: { properties: { extraConfig: { properties: Record<string, { not?: object; 'x-message': string }> } } } };
};
const REFUSED = schema.properties.dify.properties.extraConfig.properties;

/** Does the schema refuse dify.extraConfig.NAME next to this fixture's values? For a name the chart sets only in
 *  some configurations (DB_EXTRAS with externalMysql.tls), a rule refuses it only then. */
function refusedWith(fixture: string, name: string): boolean {
  try {
    buildValues({ chartDir: join(ROOT, 'chart'), schemaPath: join(ROOT, 'chart', 'values.schema.json'), valueFiles: [join(FIXTURES, fixture)], set: [], setString: [`dify.extraConfig.${name}=x`], setFile: [], setJson: [] });
  } catch (e) {
    return String((e as Error).message).includes(`values.dify.extraConfig.${name}: ${name} is set by the chart`);
  }
  return false;
}

/** Does the chart give way to dify.extraConfig.NAME next to this fixture's values, rendering the user's line alone?
 *  (DB_EXTRAS with an external PostgreSQL's sslMode: the user's parameters replace the chart's sslmode.) */
async function yieldsWith(fixture: string, name: string): Promise<boolean> {
  // A value of the kind the schema asks for there (DB_EXTRAS must then name an sslmode of its own).
  const value = name === 'DB_EXTRAS' ? 'sslmode=verify-full' : 'x';
  const r = await cli(['render', '-f', join(FIXTURES, fixture), '--set-string', `dify.extraConfig.${name}=${value}`, '-s', 'templates/backend/configmap.yaml']);
  return r.code === 0 && r.stdout.split(`\n  ${name}: `).length === 2 && r.stdout.includes(`\n  ${name}: "${value}"\n`);
}

describe('dify.extraConfig refuses names the chart sets', () => {
  for (const command of ['render', 'lint']) {
    it(`${command}: --set dify.extraConfig.VECTOR_STORE=qdrant names vectorStore.type`, async () => {
      const r = await cli([command, '-f', PINNED, '--set', 'dify.extraConfig.VECTOR_STORE=qdrant']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('Error: values.dify.extraConfig.VECTOR_STORE: VECTOR_STORE is set by the chart: use vectorStore.type instead of dify.extraConfig\n');
    });
  }

  it('a credential name is refused with the credential to set, a fixed one as not configurable', async () => {
    const r = await cli(['render', '-f', PINNED, '--set', 'dify.extraConfig.SECRET_KEY=s3cr3t-value', '--set', 'dify.extraConfig.DIFY_PORT=8080']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('s3cr3t-value');
    expect(r.stderr.trimEnd().split('\n').sort()).toEqual([
      'Error: values.dify.extraConfig.DIFY_PORT: DIFY_PORT is set by the chart and cannot be changed: remove it from dify.extraConfig',
      'Error: values.dify.extraConfig.SECRET_KEY: SECRET_KEY is a credential the chart sets from dify.secretKey: set it there (value, existingSecret or remoteRef), never in dify.extraConfig (a ConfigMap)',
    ]);
  });

  it('names of its own still pass', async () => {
    const r = await cli(['render', '-f', PINNED, '--set-string', 'dify.extraConfig.MY_SETTING=1', '-s', 'templates/backend/configmap.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('  MY_SETTING: "1"\n');
  });

  it.skipIf(!engineAvailable)('covers every name the backend ConfigMap and the api image env take, in every fixture', async () => {
    const missing = new Set<string>();
    const seen = new Set<string>();
    for (const fixture of fixtures) {
      const values = (parse(fixtureValues(fixture)) ?? {}) as { dify?: { extraConfig?: Record<string, unknown> } } & Record<string, { extraEnv?: { name: string }[] }>;
      const own = new Set(Object.keys(values.dify?.extraConfig ?? {}));
      for (const c of ['api', 'apiWebsocket', 'worker', 'beat', 'migration']) for (const e of values[c]?.extraEnv ?? []) own.add(e.name);
      const { objects } = await render(fixture);
      const names: string[] = [];
      const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-backend'));
      names.push(...Object.keys(config?.data ?? {}));
      const backend = (o: K8sObject): boolean => ['api', 'api-websocket', 'worker', 'beat', 'migration'].some((c) => o.metadata.labels?.['app.kubernetes.io/component'] === c);
      for (const o of objects.filter((x) => ['Deployment', 'Job'].includes(x.kind) && backend(x))) {
        for (const e of (o.spec.template.spec.containers[0].env ?? []) as { name: string }[]) names.push(e.name);
      }
      for (const n of names) {
        if (own.has(n)) continue;
        seen.add(n);
        if (REFUSED[n]?.not === undefined && !refusedWith(fixture, n) && !(await yieldsWith(fixture, n))) missing.add(`${fixture}: ${n}`);
      }
    }
    expect([...missing]).toEqual([]);
    expect(seen.size).toBeGreaterThan(150);
    expect(seen).toContain('MODE');
    expect(seen).toContain('VECTOR_STORE');
  });
});
