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

const EXTERNAL_PG = ['externalPostgresql={"enabled":true,"host":"pg","password":{"value":"pw"}}'];

/** [what, --set-json values, the message expected] */
const RULES: [string, string[], string][] = [
  ['two databases', EXTERNAL_PG, 'keep one database (set postgresql.enabled=false'],
  ['no database', ['postgresql.enabled=false'], 'no database: enable postgresql (in-cluster) or externalPostgresql'],
  ['external PostgreSQL without host', ['postgresql.enabled=false', 'externalPostgresql={"enabled":true}'], 'externalPostgresql.enabled needs externalPostgresql.host and a password'],
  ['two Redis', ['externalRedis={"enabled":true,"host":"r"}'], 'keep one Redis (set redis.enabled=false'],
  ['no Redis', ['redis.enabled=false'], 'no Redis: enable redis (in-cluster) or externalRedis'],
  ['external Redis without host', ['redis.enabled=false', 'externalRedis.enabled=true'], 'externalRedis.enabled needs externalRedis.host'],
  ['local storage shared by several api replicas', ['api.replicaCount=2'], 'several api replicas cannot share a ReadWriteOnce file volume'],
  ['local storage with api autoscaling', ['api.autoscaling.enabled=true'], 'api autoscaling with local file storage needs storage.local.accessModes [ReadWriteMany]'],
  ['s3 without keys', ['storage.type="s3"'], 'storage.type=s3 needs storage.s3.accessKey and storage.s3.secretKey'],
  ['in-cluster Weaviate next to an external one', ['vectorStore.weaviate.endpoint="http://w:8080"'], 'weaviate.enabled runs an in-cluster Weaviate'],
  ['in-cluster Weaviate next to another store', ['vectorStore.type="qdrant"', 'vectorStore.qdrant.url="http://q:6333"'], 'weaviate.enabled runs an in-cluster Weaviate'],
  ['weaviate with no endpoint and no in-cluster one', ['weaviate.enabled=false'], 'vectorStore.type=weaviate without weaviate.enabled needs vectorStore.weaviate.endpoint'],
  ['resend without key', ['mail.type="resend"'], 'mail.type=resend needs mail.resend.apiKey'],
  ['sendgrid without key', ['mail.type="sendgrid"'], 'mail.type=sendgrid needs mail.sendgrid.apiKey'],
  ['smtp without server', ['mail.type="smtp"'], 'mail.type=smtp needs mail.smtp.server'],
  ['externalSecrets without a store', ['externalSecrets.enabled=true'], 'externalSecrets.enabled needs externalSecrets.secretStoreRef.name'],
  ['remoteRef without externalSecrets', ['dify.secretKey.remoteRef.key="dify/app"'], "remoteRef.key is set but externalSecrets.enabled is false: set externalSecrets.enabled=true"],
  ['several worker replicas on local storage', ['worker.replicaCount=2'], 'several worker replicas cannot share a ReadWriteOnce file volume'],
  ['several plugin daemon replicas on a ReadWriteOnce volume', ['pluginDaemon.replicaCount=2'], 'several pluginDaemon replicas cannot share a ReadWriteOnce plugin volume: set pluginDaemon.persistence.accessModes to [ReadWriteMany]'],
  ['plugin daemon autoscaling on a ReadWriteOnce volume', ['pluginDaemon.autoscaling.enabled=true'], 'pluginDaemon autoscaling with a plugin volume needs pluginDaemon.persistence.accessModes [ReadWriteMany]'],
  ['azure-blob without settings', ['storage.type="azure-blob"'], 'storage.type=azure-blob needs storage.azureBlob.accountName, accountUrl, containerName and accountKey'],
  ['aliyun-oss without settings', ['storage.type="aliyun-oss"'], 'storage.type=aliyun-oss needs storage.aliyunOss.bucket, endpoint, accessKey and secretKey'],
  ['google-storage without a bucket', ['storage.type="google-storage"'], 'storage.type=google-storage needs storage.googleStorage.bucket'],
  ['tencent-cos without settings', ['storage.type="tencent-cos"'], 'storage.type=tencent-cos needs storage.tencentCos.bucket, region, secretId and secretKey'],
  ['huawei-obs without settings', ['storage.type="huawei-obs"'], 'storage.type=huawei-obs needs storage.huaweiObs.bucket, server, accessKey and secretKey'],
  ['volcengine-tos without settings', ['storage.type="volcengine-tos"'], 'storage.type=volcengine-tos needs storage.volcengineTos.bucket, endpoint, region, accessKey and secretKey'],
  ['in-cluster MinIO with local storage', ['minio.enabled=true'], 'minio.enabled runs an in-cluster MinIO: it needs storage.type=s3 and an empty storage.s3.endpoint'],
  ['in-cluster MinIO next to an external S3 endpoint', ['minio.enabled=true', 'storage.type="s3"', 'storage.s3.endpoint="https://s3.example.com"'], 'minio.enabled runs an in-cluster MinIO'],
  ['in-cluster Qdrant next to an external Qdrant', ['weaviate.enabled=false', 'qdrant.enabled=true', 'vectorStore.type="qdrant"', 'vectorStore.qdrant.url="http://q:6333"'], 'qdrant.enabled runs an in-cluster Qdrant'],
  ['in-cluster Qdrant with another store selected', ['weaviate.enabled=false', 'qdrant.enabled=true', 'vectorStore.type="milvus"', 'vectorStore.milvus.uri="http://m:19530"'], 'qdrant.enabled runs an in-cluster Qdrant'],
  ['in-cluster Weaviate with milvus selected', ['vectorStore.type="milvus"', 'vectorStore.milvus.uri="http://m:19530"'], 'weaviate.enabled runs an in-cluster Weaviate'],
  ['plugin daemon object storage on google-storage', ['storage.type="google-storage"', 'storage.googleStorage.bucket="b"', 'pluginDaemon.storage.type="objectStorage"'], 'the plugin daemon has no google-storage or huawei-obs driver'],
  ['plugin daemon object storage on local storage', ['pluginDaemon.storage.type="objectStorage"'], 'pluginDaemon.storage.type=objectStorage needs storage.type s3'],
  ['milvus without uri', ['weaviate.enabled=false', 'vectorStore.type="milvus"'], 'vectorStore.type=milvus needs vectorStore.milvus.uri'],
  ['pgvector without host and password', ['weaviate.enabled=false', 'vectorStore.type="pgvector"'], 'vectorStore.type=pgvector needs vectorStore.pgvector.host and password'],
  ['tencent without url and key', ['weaviate.enabled=false', 'vectorStore.type="tencent"'], 'vectorStore.type=tencent needs vectorStore.tencent.url and apiKey'],
  ['myscale without host', ['weaviate.enabled=false', 'vectorStore.type="myscale"'], 'vectorStore.type=myscale needs vectorStore.myscale.host'],
  ['tablestore without settings', ['weaviate.enabled=false', 'vectorStore.type="tablestore"'], 'vectorStore.type=tablestore needs vectorStore.tablestore.endpoint, instanceName, accessKeyId and accessKeySecret'],
  ['elasticsearch without settings', ['weaviate.enabled=false', 'vectorStore.type="elasticsearch"'], 'vectorStore.type=elasticsearch needs vectorStore.elasticsearch.host, username and password'],
  ['opensearch without host', ['weaviate.enabled=false', 'vectorStore.type="opensearch"'], 'vectorStore.type=opensearch needs vectorStore.opensearch.host'],
  ['opensearch basic auth without password', ['weaviate.enabled=false', 'vectorStore.type="opensearch"', 'vectorStore.opensearch.host="os"'], 'vectorStore.opensearch.authMethod=basic needs vectorStore.opensearch.password'],
  ['qdrant without url or in-cluster Qdrant', ['weaviate.enabled=false', 'vectorStore.type="qdrant"'], 'or qdrant.enabled=true (in-cluster)'],
  ['Sentinel without nodes', ['redis.enabled=false', 'externalRedis.enabled=true', 'externalRedis.sentinel.enabled=true'], 'externalRedis.sentinel.enabled needs externalRedis.enabled=true (and redis.enabled=false), at least one externalRedis.sentinel.nodes entry'],
  ['Sentinel next to the in-cluster Redis', ['externalRedis.sentinel={"enabled":true,"nodes":["s:26379"]}'], 'externalRedis.sentinel.enabled needs externalRedis.enabled=true'],
  ['mail without a sender', ['mail.type="sendgrid"', 'mail.sendgrid.apiKey.value="SG.x"'], 'a mail.type needs mail.defaultSendFrom'],
  ['httpRoute without a parent', ['httpRoute.enabled=true'], 'httpRoute.enabled needs at least one httpRoute.parentRefs entry'],
];

describe('schema rejections say what to change', () => {
  it('the defaults are accepted', () => {
    expect(() => build([])).not.toThrow();
  });
  for (const [what, setJson, message] of RULES)
    it(what, () => {
      expect(rejects(setJson)).toContain(message);
    });

  it('every selection of a fixture is accepted: in-cluster MinIO + Qdrant, each storage type and vector store', () => {
    expect(() => build(['storage.type="s3"', 'minio.enabled=true', 'weaviate.enabled=false', 'qdrant.enabled=true', 'vectorStore.type="qdrant"', 'api.replicaCount=3', 'worker.replicaCount=3', 'pluginDaemon.storage.type="objectStorage"'])).not.toThrow();
    expect(() => build(['redis.enabled=false', 'externalRedis.enabled=true', 'externalRedis.sentinel={"enabled":true,"nodes":["s:26379"]}'])).not.toThrow();
    expect(() => build(['weaviate.enabled=false', 'vectorStore.type="opensearch"', 'vectorStore.opensearch.host="os"', 'vectorStore.opensearch.authMethod="aws_managed_iam"'])).not.toThrow();
  });

  it('several plugin daemon replicas are accepted on a ReadWriteMany volume, an existing claim, or no volume', () => {
    expect(() => build(['pluginDaemon.replicaCount=2', 'pluginDaemon.persistence.accessModes=["ReadWriteMany"]'])).not.toThrow();
    expect(() => build(['pluginDaemon.replicaCount=2', 'pluginDaemon.persistence.existingClaim="plugins"'])).not.toThrow();
    expect(() => build(['pluginDaemon.replicaCount=2', 'pluginDaemon.persistence.enabled=false'])).not.toThrow();
    expect(() => build(['pluginDaemon.replicaCount=2', 'pluginDaemon.enabled=false'])).not.toThrow();
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

  it('the remoteRef rule covers every credential of the schema', () => {
    const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));
    const paths: string[][] = [];
    const walk = (node: any, path: string[]): void => {
      if (node?.$ref === '#/definitions/credential') paths.push(path);
      else for (const [k, v] of Object.entries(node?.properties ?? {})) walk(v, [...path, k]);
    };
    walk(schema, []);
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) {
      const json = JSON.stringify({ remoteRef: { key: 'x' } });
      expect(rejects([`${path.join('.')}=${json}`]), path.join('.')).toContain('remoteRef.key is set but externalSecrets.enabled is false');
    }
  });
});
