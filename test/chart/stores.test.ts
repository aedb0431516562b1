/**
 * One fixture per storage type and per vector store: the env and volumes of api, worker and the plugin daemon
 * carry exactly the selected backend's settings, credentials come from where each fixture says, and the
 * in-cluster MinIO / Qdrant are wired to Dify.
 */
import { describe, expect, it, vi } from 'vitest';
import { effectiveEnv, engineAvailable, find, render, type K8sObject } from './render.js';

vi.setConfig({ testTimeout: 120_000 });

const EXT = 'secret:release-name-dify-external';
const OWN = 'secret:release-name-dify-inline-credentials';

async function workloads(fixture: string) {
  const { objects } = await render(fixture);
  const get = (suffix: string): K8sObject => {
    const o = find(objects, 'Deployment', suffix);
    if (!o) throw new Error(`${fixture}: no Deployment ${suffix}`);
    return o;
  };
  const api = get('-api'), worker = get('-worker'), plugin = get('-plugin-daemon'), beat = get('-beat');
  return {
    objects,
    api: effectiveEnv(objects, api),
    worker: effectiveEnv(objects, worker),
    plugin: effectiveEnv(objects, plugin),
    beat: effectiveEnv(objects, beat),
    volumes: (o: K8sObject) => (o.spec.template.spec.volumes ?? []).map((v: any) => v.name) as string[],
    apiObj: api,
    workerObj: worker,
    pluginObj: plugin,
  };
}

const STORAGE_PREFIXES = ['S3_', 'AZURE_BLOB_', 'ALIYUN_OSS_', 'GOOGLE_STORAGE_', 'TENCENT_COS_', 'HUAWEI_OBS_', 'VOLCENGINE_TOS_', 'OPENDAL_'];

/** [fixture, STORAGE_TYPE, expected api/worker env, plugin daemon storage type, expected plugin env] */
const STORAGE: [string, string, Record<string, string>, string, Record<string, string>][] = [
  ['defaults.yaml', 'opendal', { OPENDAL_SCHEME: 'fs', OPENDAL_FS_ROOT: '/app/api/storage' }, 'local', {}],
  ['storage-s3.yaml', 's3', {
    S3_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com', S3_REGION: 'eu-west-1', S3_BUCKET_NAME: 'dify-prod', S3_ADDRESS_STYLE: 'auto',
    S3_USE_AWS_MANAGED_IAM: 'false', S3_ACCESS_KEY: 'secret:s3-keys/access-key', S3_SECRET_KEY: 'secret:s3-keys/secret-key',
  }, 'aws_s3', {
    PLUGIN_STORAGE_OSS_BUCKET: 'dify-plugins', S3_USE_AWS: 'false', S3_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com', S3_USE_PATH_STYLE: 'false',
    AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY: 'secret:s3-keys/access-key', AWS_SECRET_KEY: 'secret:s3-keys/secret-key',
  }],
  ['storage-s3-iam-endpoint.yaml', 's3', {
    S3_ENDPOINT: 'https://bucket.vpce-0a1b2c3d4e5f-abcdefgh.s3.eu-west-1.vpce.amazonaws.com', S3_REGION: 'eu-west-1', S3_BUCKET_NAME: 'dify-prod',
    S3_USE_AWS_MANAGED_IAM: 'true', AWS_ENDPOINT_URL_S3: 'https://bucket.vpce-0a1b2c3d4e5f-abcdefgh.s3.eu-west-1.vpce.amazonaws.com',
  }, 'aws_s3', {
    PLUGIN_STORAGE_OSS_BUCKET: 'dify-plugins', S3_USE_AWS: 'true', S3_USE_AWS_MANAGED_IAM: 'true', AWS_REGION: 'eu-west-1',
    S3_ENDPOINT: 'https://bucket.vpce-0a1b2c3d4e5f-abcdefgh.s3.eu-west-1.vpce.amazonaws.com',
  }],
  ['minio-qdrant.yaml', 's3', {
    S3_ENDPOINT: 'http://release-name-dify-minio:9000', S3_BUCKET_NAME: 'dify-files', S3_ADDRESS_STYLE: 'path', S3_USE_AWS_MANAGED_IAM: 'false',
    S3_ACCESS_KEY: `${OWN}/S3_ACCESS_KEY`, S3_SECRET_KEY: `${OWN}/S3_SECRET_KEY`,
  }, 'aws_s3', {
    PLUGIN_STORAGE_OSS_BUCKET: 'dify-files', S3_ENDPOINT: 'http://release-name-dify-minio:9000', S3_USE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY: `${OWN}/S3_ACCESS_KEY`, AWS_SECRET_KEY: `${OWN}/S3_SECRET_KEY`,
  }],
  ['storage-azure-blob.yaml', 'azure-blob', {
    AZURE_BLOB_ACCOUNT_NAME: 'difyacct', AZURE_BLOB_ACCOUNT_URL: 'https://difyacct.blob.core.windows.net', AZURE_BLOB_CONTAINER_NAME: 'dify',
    AZURE_BLOB_ACCOUNT_KEY: `${OWN}/AZURE_BLOB_ACCOUNT_KEY`,
  }, 'azure_blob', {
    AZURE_BLOB_STORAGE_CONTAINER_NAME: 'dify',
    AZURE_BLOB_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=difyacct;AccountKey=$(AZURE_BLOB_ACCOUNT_KEY);BlobEndpoint=https://difyacct.blob.core.windows.net',
  }],
  ['storage-aliyun-oss.yaml', 'aliyun-oss', {
    ALIYUN_OSS_BUCKET_NAME: 'dify-oss', ALIYUN_OSS_ENDPOINT: 'https://oss-ap-southeast-1-internal.aliyuncs.com', ALIYUN_OSS_REGION: 'ap-southeast-1',
    ALIYUN_OSS_AUTH_VERSION: 'v4', ALIYUN_OSS_PATH: 'dify', ALIYUN_OSS_ACCESS_KEY: `${EXT}/ALIYUN_OSS_ACCESS_KEY`, ALIYUN_OSS_SECRET_KEY: `${EXT}/ALIYUN_OSS_SECRET_KEY`,
  }, 'aliyun_oss', {
    PLUGIN_STORAGE_OSS_BUCKET: 'dify-oss', ALIYUN_OSS_ACCESS_KEY_ID: `${EXT}/ALIYUN_OSS_ACCESS_KEY`, ALIYUN_OSS_ACCESS_KEY_SECRET: `${EXT}/ALIYUN_OSS_SECRET_KEY`,
  }],
  ['storage-google.yaml', 'google-storage', {
    GOOGLE_STORAGE_BUCKET_NAME: 'dify-gcs', GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64: 'secret:gcs/sa.json.b64',
  }, 'local', {}],
  ['storage-tencent-cos.yaml', 'tencent-cos', {
    TENCENT_COS_BUCKET_NAME: 'dify-1250000000', TENCENT_COS_REGION: 'ap-guangzhou', TENCENT_COS_SCHEME: 'https',
    TENCENT_COS_SECRET_ID: `${OWN}/TENCENT_COS_SECRET_ID`, TENCENT_COS_SECRET_KEY: `${OWN}/TENCENT_COS_SECRET_KEY`,
  }, 'tencent_cos', { TENCENT_COS_REGION: 'ap-guangzhou', TENCENT_COS_SECRET_ID: `${OWN}/TENCENT_COS_SECRET_ID` }],
  ['storage-huawei-obs.yaml', 'huawei-obs', {
    HUAWEI_OBS_BUCKET_NAME: 'dify-obs', HUAWEI_OBS_SERVER: 'https://obs.cn-north-4.myhuaweicloud.com',
    HUAWEI_OBS_ACCESS_KEY: 'secret:obs/ak', HUAWEI_OBS_SECRET_KEY: 'secret:obs/sk',
  }, 'local', {}],
  ['storage-volcengine-tos.yaml', 'volcengine-tos', {
    VOLCENGINE_TOS_BUCKET_NAME: 'dify-tos', VOLCENGINE_TOS_ENDPOINT: 'https://tos-cn-beijing.volces.com', VOLCENGINE_TOS_REGION: 'cn-beijing',
    VOLCENGINE_TOS_ACCESS_KEY: `${EXT}/VOLCENGINE_TOS_ACCESS_KEY`, VOLCENGINE_TOS_SECRET_KEY: `${EXT}/VOLCENGINE_TOS_SECRET_KEY`,
  }, 'volcengine_tos', { VOLCENGINE_TOS_ENDPOINT: 'https://tos-cn-beijing.volces.com', VOLCENGINE_TOS_ACCESS_KEY: `${EXT}/VOLCENGINE_TOS_ACCESS_KEY` }],
];

const VECTOR_PREFIXES = ['WEAVIATE_', 'QDRANT_', 'MILVUS_', 'PGVECTOR_', 'TENCENT_VECTOR_DB_', 'MYSCALE_', 'TABLESTORE_', 'ELASTICSEARCH_', 'OPENSEARCH_'];

const VECTOR: [string, string, Record<string, string>][] = [
  ['defaults.yaml', 'weaviate', { WEAVIATE_ENDPOINT: 'http://release-name-dify-weaviate:8080', WEAVIATE_API_KEY: `${OWN}/WEAVIATE_API_KEY` }],
  ['external.yaml', 'qdrant', { QDRANT_URL: 'https://qdrant.example.internal:6333', QDRANT_API_KEY: 'secret:qdrant/api-key' }],
  ['minio-qdrant.yaml', 'qdrant', { QDRANT_URL: 'http://release-name-dify-qdrant:6333', QDRANT_API_KEY: `${OWN}/QDRANT_API_KEY`, QDRANT_GRPC_ENABLED: 'false' }],
  ['vector-milvus.yaml', 'milvus', { MILVUS_URI: 'http://milvus.milvus.svc:19530', MILVUS_DATABASE: 'dify', MILVUS_TOKEN: 'secret:milvus/token', MILVUS_ENABLE_HYBRID_SEARCH: 'false' }],
  ['vector-pgvector.yaml', 'pgvector', { PGVECTOR_HOST: 'pgvector.db.svc', PGVECTOR_PORT: '5433', PGVECTOR_USER: 'postgres', PGVECTOR_DATABASE: 'dify_vectors', PGVECTOR_PASSWORD: `${OWN}/PGVECTOR_PASSWORD` }],
  ['vector-tencent.yaml', 'tencent', { TENCENT_VECTOR_DB_URL: 'http://10.0.0.10', TENCENT_VECTOR_DB_REPLICAS: '3', TENCENT_VECTOR_DB_API_KEY: `${EXT}/TENCENT_VECTOR_DB_API_KEY` }],
  ['vector-myscale.yaml', 'myscale', { MYSCALE_HOST: 'myscale.db.svc', MYSCALE_PORT: '8123', MYSCALE_USER: 'default', MYSCALE_PASSWORD: `${OWN}/MYSCALE_PASSWORD` }],
  ['vector-tablestore.yaml', 'tablestore', { TABLESTORE_ENDPOINT: 'https://dify.cn-hangzhou.ots.aliyuncs.com', TABLESTORE_INSTANCE_NAME: 'dify', TABLESTORE_ACCESS_KEY_ID: 'secret:tablestore/id', TABLESTORE_ACCESS_KEY_SECRET: 'secret:tablestore/secret' }],
  ['vector-elasticsearch.yaml', 'elasticsearch', { ELASTICSEARCH_HOST: 'es.search.svc', ELASTICSEARCH_PORT: '9200', ELASTICSEARCH_USERNAME: `${OWN}/ELASTICSEARCH_USERNAME`, ELASTICSEARCH_PASSWORD: `${OWN}/ELASTICSEARCH_PASSWORD` }],
  ['vector-opensearch.yaml', 'opensearch', { OPENSEARCH_HOST: 'opensearch.search.svc', OPENSEARCH_SECURE: 'true', OPENSEARCH_VERIFY_CERTS: 'false', OPENSEARCH_AUTH_METHOD: 'basic', OPENSEARCH_PASSWORD: `${EXT}/OPENSEARCH_PASSWORD` }],
];

describe.skipIf(!engineAvailable)('object storage', () => {
  for (const [fixture, type, env, pluginType, pluginEnv] of STORAGE)
    it(`${fixture}: STORAGE_TYPE=${type}, plugin daemon ${pluginType}`, async () => {
      const w = await workloads(fixture);
      // beat and the migration Job initialise the object store too: same settings and credentials.
      const job = w.objects.find((o) => o.kind === 'Job' && o.metadata.name.includes('-migrate-'));
      const migrate = job ? effectiveEnv(w.objects, job) : w.api;
      for (const [name, e] of [['api', w.api], ['worker', w.worker], ['beat', w.beat], ['migration', migrate]] as const) {
        expect(e.get('STORAGE_TYPE'), name).toBe(type);
        for (const [k, v] of Object.entries(env)) expect(e.get(k), `${name} ${k}`).toBe(v);
        // Nothing of another backend.
        const own = Object.keys(env).map((k) => STORAGE_PREFIXES.find((p) => k.startsWith(p)));
        for (const k of e.keys()) {
          const p = STORAGE_PREFIXES.find((x) => k.startsWith(x));
          if (p) expect(own, `${name} ${k}`).toContain(p);
        }
      }
      const local = type === 'opendal';
      for (const [name, o] of [['api', w.apiObj], ['worker', w.workerObj]] as const) {
        expect(w.volumes(o).includes('storage'), `${name} storage volume`).toBe(local);
        const mounts = (o.spec.template.spec.containers[0].volumeMounts ?? []).map((m: any) => m.mountPath);
        expect(mounts.includes('/app/api/storage'), `${name} mount`).toBe(local);
      }
      expect(w.objects.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name.endsWith('-storage'))).toBe(local);
      expect(w.plugin.get('PLUGIN_STORAGE_TYPE')).toBe(pluginType);
      for (const [k, v] of Object.entries(pluginEnv)) expect(w.plugin.get(k), `plugin ${k}`).toBe(v);
      // The plugin daemon keeps its working directory volume in every mode.
      expect(w.volumes(w.pluginObj)).toContain('storage');
    });
});

describe.skipIf(!engineAvailable)('vector stores', () => {
  for (const [fixture, type, env] of VECTOR)
    it(`${fixture}: VECTOR_STORE=${type}`, async () => {
      const w = await workloads(fixture);
      for (const [name, e] of [['api', w.api], ['worker', w.worker]] as const) {
        expect(e.get('VECTOR_STORE'), name).toBe(type);
        for (const [k, v] of Object.entries(env)) expect(e.get(k), `${name} ${k}`).toBe(v);
        const own = Object.keys(env).map((k) => VECTOR_PREFIXES.find((p) => k.startsWith(p)));
        for (const k of e.keys()) {
          const p = VECTOR_PREFIXES.find((x) => k.startsWith(x));
          if (p) expect(own, `${name} ${k}`).toContain(p);
        }
      }
      // In-cluster stores only when selected.
      const sts = w.objects.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name.replace('release-name-dify-', ''));
      expect(sts.includes('weaviate'), 'weaviate').toBe(fixture === 'defaults.yaml');
      expect(sts.includes('qdrant'), 'qdrant').toBe(fixture === 'minio-qdrant.yaml');
    });
});

describe.skipIf(!engineAvailable)('in-cluster MinIO and Qdrant', () => {
  it('minio-qdrant.yaml: MinIO and Qdrant StatefulSets with PVCs, generated-or-pinned credentials shared with Dify, a bucket Job', async () => {
    const { objects } = await render('minio-qdrant.yaml');
    const minio = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'release-name-dify-minio')!;
    const qdrant = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'release-name-dify-qdrant')!;
    for (const s of [minio, qdrant]) {
      expect(s.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
      const c = s.spec.template.spec.containers[0];
      expect(c.image).not.toMatch(/:latest$/);
      expect(c.livenessProbe && c.readinessProbe && c.startupProbe).toBeTruthy();
      expect(s.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    }
    const menv = Object.fromEntries(minio.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.valueFrom?.secretKeyRef ?? e.value]));
    expect(menv.MINIO_ROOT_USER).toEqual({ name: 'release-name-dify-inline-credentials', key: 'S3_ACCESS_KEY' });
    expect(menv.MINIO_ROOT_PASSWORD).toEqual({ name: 'release-name-dify-inline-credentials', key: 'S3_SECRET_KEY' });
    const qenv = Object.fromEntries(qdrant.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.valueFrom?.secretKeyRef ?? e.value]));
    expect(qenv.QDRANT__SERVICE__API_KEY).toEqual({ name: 'release-name-dify-inline-credentials', key: 'QDRANT_API_KEY' });
    const secret = objects.find((o) => o.kind === 'Secret')!;
    expect(Buffer.from(secret.data!.S3_ACCESS_KEY!, 'base64').toString()).toBe('fixture-minio-user');
    const job = objects.find((o) => o.kind === 'Job' && o.metadata.name.includes('minio-bucket'))!;
    const jc = job.spec.template.spec.containers[0];
    expect(jc.image).toMatch(/^minio\/mc:RELEASE\./);
    expect(jc.command.join(' ')).toContain('mc mb --ignore-existing');
    expect(jc.env.find((e: any) => e.name === 'BUCKET').value).toBe('dify-files');
    // Two api and worker replicas and no ReadWriteMany volume anywhere.
    expect(find(objects, 'Deployment', '-api')!.spec.replicas).toBe(2);
    for (const o of objects.filter((x) => x.kind === 'PersistentVolumeClaim')) expect(o.spec.accessModes).not.toContain('ReadWriteMany');
  });

  it('defaults: MinIO and Qdrant are off, credentials generated for the in-cluster stores only', async () => {
    const { objects } = await render('defaults.yaml');
    expect(objects.some((o) => /-(minio|qdrant)/.test(o.metadata.name))).toBe(false);
    const secret = objects.find((o) => o.kind === 'Secret')!;
    expect(secret.data?.S3_ACCESS_KEY).toBeUndefined();
    expect(secret.data?.QDRANT_API_KEY).toBeUndefined();
  });
});

describe.skipIf(!engineAvailable)('Redis Sentinel', () => {
  it('redis-sentinel.yaml: api, worker and plugin daemon use the Sentinels; the broker URL lists every node', async () => {
    const w = await workloads('redis-sentinel.yaml');
    const broker = ['redis-sentinel-0', 'redis-sentinel-1', 'redis-sentinel-2'].map((n) => `sentinel://$(REDIS_USERNAME):$(REDIS_PASSWORD)@${n}.redis.svc:26379/3`).join(';');
    for (const [name, e] of [['api', w.api], ['worker', w.worker], ['plugin', w.plugin]] as const) {
      expect(e.get('REDIS_USE_SENTINEL'), name).toBe('true');
      expect(e.get('REDIS_SENTINELS'), name).toBe('redis-sentinel-0.redis.svc:26379,redis-sentinel-1.redis.svc:26379,redis-sentinel-2.redis.svc:26379');
      expect(e.get('REDIS_SENTINEL_SERVICE_NAME'), name).toBe('dify-master');
      expect(e.get('REDIS_SENTINEL_PASSWORD'), name).toBe('secret:redis-sentinel/password');
      expect(e.get('REDIS_PASSWORD'), name).toBe(`${OWN}/REDIS_PASSWORD`);
      expect(e.get('REDIS_USERNAME'), name).toBe('secret:redis-acl/user');
    }
    for (const [name, e] of [['api', w.api], ['worker', w.worker]] as const) {
      expect(e.get('CELERY_USE_SENTINEL'), name).toBe('true');
      expect(e.get('CELERY_SENTINEL_MASTER_NAME'), name).toBe('dify-master');
      expect(e.get('CELERY_SENTINEL_PASSWORD'), name).toBe('secret:redis-sentinel/password');
      expect(e.get('CELERY_BROKER_URL'), name).toBe(broker);
    }
    // REDIS_PASSWORD is defined before the broker URL that expands it.
    const names = w.apiObj.spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(names.indexOf('REDIS_PASSWORD')).toBeLessThan(names.indexOf('CELERY_BROKER_URL'));
    expect(w.objects.some((o) => o.kind === 'StatefulSet' && o.metadata.name.endsWith('-redis'))).toBe(false);
  });

  it('without Sentinel nothing of it is set', async () => {
    const w = await workloads('defaults.yaml');
    for (const k of w.api.keys()) expect(k).not.toMatch(/SENTINEL/);
  });
});
