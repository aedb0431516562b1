/**
 * The schema's rejections: each contradiction or missing setting fails with a message saying what to
 * change (the rule's x-message).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildValues } from '../../src/values/index.js';
import { ROOT } from './render.js';
import { cli, PINNED } from '../cli/run.js';
import { turn } from '../support/exec.js';
import { SCHEMA_RULES } from '../fixtures/schema-rules.js';

const CHART = join(ROOT, 'chart');
const SCHEMA = join(ROOT, 'chart', 'values.schema.json');

function build(setJson: string[]): void {
  buildValues({ chartDir: CHART, schemaPath: SCHEMA, valueFiles: [], set: [], setString: [], setFile: [], setJson });
}

function rejects(setJson: string[]): string {
  try {
    build(setJson);
  } catch (e) {
    return String((e as Error).message);
  }
  throw new Error(`accepted: ${setJson.join(' ')}`);
}


describe('schema rejections say what to change', () => {
  it('the defaults are accepted', () => {
    expect(() => build([])).not.toThrow();
  });
  for (const [what, setJson, message] of SCHEMA_RULES)
    it(what, () => {
      expect(rejects(setJson)).toContain(message);
    });

  it('lets through what the newer rules must not refuse', () => {
    const pgTls = ['postgresql.enabled=false', 'externalPostgresql={"enabled":true,"host":"pg","password":{"value":"pw"},"sslMode":"require"}'];
    const through: string[][] = [
      ['postgresql.sharedBuffers="1.5GB"'], ['postgresql.sharedBuffers="128 MB"'], ['postgresql.sharedBuffers="16384"'],
      [...pgTls, 'dify.extraConfig={"DB_EXTRAS":"sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt"}'],
      [...pgTls, 'dify.extraConfig={"DB_EXTRAS":"options=-csearch_path%3Ddify&sslmode=require"}'],
      ['dify.urls.cookieDomain=".example.com"'], ['dify.urls={"consoleApi":"https://a.example.com","consoleWeb":"http://c.example.com","cookieDomain":"example.com"}'],
      // The route of the old defaults where no nginx renders it.
      ['proxy.enabled=false', 'routes=[{"path":"/marketplace","component":"marketplace"},{"path":"/","component":"web"}]'],
      ['dify.marketplace.enabled=false', 'routes=[{"path":"/marketplace","component":"marketplace"},{"path":"/","component":"web"}]'],
      ['routes=[{"path":"/marketplace-api","component":"marketplace"},{"path":"/marketplaces","component":"web"},{"path":"/","component":"web"}]'],
    ];
    for (const setJson of through) expect(() => build(setJson), setJson.join(' ')).not.toThrow();
  });

  it('every selection of a fixture is accepted: in-cluster MinIO + Qdrant, each storage type and vector store', () => {
    expect(() => build(['storage.type="s3"', 'minio.enabled=true', 'weaviate.enabled=false', 'qdrant.enabled=true', 'vectorStore.type="qdrant"', 'api.replicaCount=3', 'worker.replicaCount=3', 'pluginDaemon.storage.type="objectStorage"'])).not.toThrow();
    expect(() => build(['redis.enabled=false', 'externalRedis.enabled=true', 'externalRedis.sentinel={"enabled":true,"nodes":["s:26379"],"eventBusUrl":{"value":"redis://:pw@r:6379/0"}}', 'agentBackend.redisUrl={"value":"redis://:pw@r:6379/2"}'])).not.toThrow();
    expect(() => build(['weaviate.enabled=false', 'vectorStore.type="opensearch"', 'vectorStore.opensearch.host="os"', 'vectorStore.opensearch.authMethod="aws_managed_iam"'])).not.toThrow();
  });

  it('several plugin daemon replicas are accepted on a ReadWriteMany volume, an existing claim, or no volume', () => {
    expect(() => build(['pluginDaemon.replicaCount=2', 'pluginDaemon.persistence.accessModes=["ReadWriteMany"]'])).not.toThrow();
    expect(() => build(['pluginDaemon.replicaCount=2', 'pluginDaemon.persistence.existingClaim="plugins"'])).not.toThrow();
    expect(() => build(['pluginDaemon.replicaCount=2', 'pluginDaemon.persistence.enabled=false'])).not.toThrow();
    expect(() => build(['pluginDaemon.replicaCount=2', 'pluginDaemon.enabled=false', 'agentBackend.enabled=false'])).not.toThrow();
  });

  it('the command refuses several plugin daemon replicas on the default ReadWriteOnce volume, as it refuses api and worker', async () => {
    for (const [component, path] of [['api', 'storage.local'], ['worker', 'storage.local'], ['pluginDaemon', 'pluginDaemon.persistence']] as const) {
      const r = await cli(['render', '-f', PINNED, '--set', `${component}.replicaCount=2`]);
      expect(r.code, component).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^Error: values\\.${path.replace('.', '\\.')}\\.accessModes: must contain "ReadWriteMany"(?: \\(from .*\\))?; several ${component} replicas cannot share a ReadWriteOnce \\w+ volume: set ${path.replace('.', '\\.')}\\.accessModes to \\[ReadWriteMany\\]`));
      expect(r.stderr.trimEnd().split('\n'), component).toHaveLength(1);
    }
  });

  it('remoteRef with externalSecrets enabled is accepted', () => {
    expect(() => build(['dify.secretKey.remoteRef.key="dify/app"', 'externalSecrets={"enabled":true,"secretStoreRef":{"name":"vault","kind":"SecretStore"}}'])).not.toThrow();
  });

  it('the remoteRef rule covers every credential of the schema', async () => {
    const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));
    const paths: string[][] = [];
    const walk = (node: any, path: string[]): void => {
      if (node?.$ref === '#/definitions/credential') paths.push(path);
      else for (const [k, v] of Object.entries(node?.properties ?? {})) walk(v, [...path, k]);
    };
    walk(schema, []);
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) {
      await turn(); // a values build per credential, seconds in all: let vitest's worker read its RPC between them
      const json = JSON.stringify({ remoteRef: { key: 'x' } });
      expect(rejects([`${path.join('.')}=${json}`]), path.join('.')).toContain('remoteRef.key is set but externalSecrets.enabled is false');
    }
  });
});
