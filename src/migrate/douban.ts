/**
 * douban/charts' dify (0.9.x) to this chart.
 *
 * douban configures most of Dify through env lists (global.extraBackendEnvs and friends) and
 * writes credentials as plain `value`s into the Deployments, or reads them from Secrets the user
 * made. Env names this chart has a typed value for are mapped to it; credentials become
 * existingSecret references (a value written inline must first be copied into a Secret: the
 * command is printed); the bundled Bitnami PostgreSQL, Redis and MinIO are used as external stores.
 */
import { fromSecret, helmFullname, helmTrunc, OldValues, put, splitImage, type Check, type MigrateOptions, type MigrationResult } from './index.js';
import { isMap, type Value, type ValueMap } from '../values/types.js';
import { readFileSync } from 'node:fs';
import { DEFAULT_SCHEMA } from '../chart/locations.js';

const PEER = "douban's dify values";

const env = (name: string, value: string): ValueMap => ({ name, value });
const part = (repository: string, tag: string, extra: ValueMap = {}): ValueMap => ({
  replicaCount: 1,
  image: { repository, pullPolicy: 'IfNotPresent', tag },
  imagePullSecrets: [],
  podAnnotations: {},
  podSecurityContext: {},
  securityContext: {},
  resources: {},
  nodeSelector: {},
  tolerations: [],
  affinity: {},
  ...extra,
});
const auto = { autoscaling: { enabled: false, minReplicas: 1, maxReplicas: 100, targetCPUUtilizationPercentage: 80 } };

/** The peer's defaults of every key read below. */
export const DOUBAN_DEFAULTS: ValueMap = {
  volumes: [],
  volumeMounts: [],
  nameOverride: '',
  fullnameOverride: '',
  global: {
    host: 'chart-example.local',
    port: '',
    enableTLS: false,
    baseUrlOverride: '',
    image: { tag: '1.10.1-fix.1' },
    edition: 'SELF_HOSTED',
    storageType: 's3',
    extraEnvs: [],
    extraBackendEnvs: [env('SECRET_KEY', 'PleaseReplaceThisToYourSecretOrUse')],
    labels: {},
  },
  ingress: { enabled: false, className: '', annotations: null, tlsSecretName: 'dify-tls' },
  httpRoute: { enabled: false, gatewayRef: { name: 'envoy-gateway-bundle', namespace: 'envoy-gateway-system' }, hostnames: ['chart-example.local'], extraPaths: [], globalRateLimit: { enabled: false } },
  serviceAccount: { create: true, annotations: {}, name: '' },
  frontend: part('langgenius/dify-web', '', {
    ...auto,
    envs: [env('MARKETPLACE_API_URL', 'https://marketplace.dify.ai'), env('MARKETPLACE_URL', 'https://marketplace.dify.ai')],
    service: { type: 'ClusterIP', port: 80 },
    containerPort: 3000,
  }),
  api: part('langgenius/dify-api', '', {
    ...auto,
    envs: [
      env('CODE_MAX_NUMBER', '9223372036854775807'),
      env('CODE_MIN_NUMBER', '-9223372036854775808'),
      env('CODE_MAX_STRING_LENGTH', '80000'),
      env('TEMPLATE_TRANSFORM_MAX_LENGTH', '80000'),
      env('CODE_MAX_STRING_ARRAY_LENGTH', '30'),
      env('CODE_MAX_OBJECT_ARRAY_LENGTH', '30'),
      env('CODE_MAX_NUMBER_ARRAY_LENGTH', '1000'),
    ],
    service: { type: 'ClusterIP', port: 80 },
    containerPort: 5001,
  }),
  worker: part('langgenius/dify-api', '', { ...auto, envs: [], livenessProbe: {}, readinessProbe: {} }),
  workerBeat: part('langgenius/dify-api', '', { envs: [], livenessProbe: {}, readinessProbe: {} }),
  sandbox: part('langgenius/dify-sandbox', '0.2.12', {
    ...auto,
    apiKey: 'dify-sandbox',
    apiKeySecret: '',
    config: { python_requirements: '' },
    envs: [env('GIN_MODE', 'release'), env('WORKER_TIMEOUT', '15')],
    service: { type: 'ClusterIP', port: 80 },
    containerPort: 8194,
  }),
  pluginDaemon: part('langgenius/dify-plugin-daemon', '0.5.1-local', {
    enabled: true,
    updateStrategy: { type: 'Recreate' },
    serverKey: 'lYkiYYT6owG+71oLerGzA7GXCgOT++6ovaezWAjpCjf+Sjc3ZtU+qUEi',
    serverKeySecret: '',
    difyInnerApiKey: 'QaHbTe77CtuXmsfyhR7+vRjI/+XbV1AaFy691iy+kGDv2Jvy0/eAh8Y1',
    difyInnerApiKeySecret: '',
    envs: [
      env('SERVER_PORT', '5002'),
      env('MAX_PLUGIN_PACKAGE_SIZE', '52428800'),
      env('PPROF_ENABLED', 'false'),
      env('FORCE_VERIFYING_SIGNATURE', 'true'),
      env('DB_DATABASE', 'dify_plugin'),
      env('PLUGIN_REMOTE_INSTALLING_HOST', '0.0.0.0'),
      env('PLUGIN_REMOTE_INSTALLING_PORT', '5003'),
    ],
    service: { type: 'ClusterIP', port: 5002 },
    containerPort: 5002,
    persistence: { enabled: true, accessMode: 'ReadWriteOnce', size: '20Gi', resourcePolicy: '' },
  }),
  // The Bitnami subcharts' own defaults of the keys read below are included (auth, existing claims).
  redis: {
    embedded: true,
    nameOverride: '',
    fullnameOverride: '',
    image: { repository: 'bitnamilegacy/redis' },
    architecture: 'standalone',
    auth: { enabled: true, password: 'REDIS_PASSWORD', existingSecret: '', existingSecretPasswordKey: '' },
    master: { persistence: { enabled: false, size: '8Gi', existingClaim: '' } },
  },
  postgresql: {
    embedded: true,
    nameOverride: '',
    fullnameOverride: '',
    image: { repository: 'bitnamilegacy/postgresql' },
    architecture: 'standalone',
    auth: { postgresPassword: 'testpassword', database: 'dify', existingSecret: '', secretKeys: { adminPasswordKey: 'postgres-password' } },
    primary: { persistence: { enabled: false, existingClaim: '' } },
  },
  minio: {
    embedded: false,
    nameOverride: '',
    fullnameOverride: '',
    image: { repository: 'bitnamilegacy/minio' },
    auth: { rootUser: 'minioadmin', rootPassword: 'minioadmin', existingSecret: '' },
    defaultBuckets: 'dify',
    persistence: { enabled: false, existingClaim: '' },
    service: { ports: { api: 9000 } },
  },
};

/** Env names that hold credentials, and where this chart takes each. */
const CREDENTIALS: Record<string, string> = {
  SECRET_KEY: 'dify.secretKey',
  DB_USERNAME: 'db.username',
  DB_PASSWORD: 'db.password',
  REDIS_USERNAME: 'externalRedis.username',
  REDIS_PASSWORD: 'externalRedis.password',
  S3_ACCESS_KEY: 'storage.s3.accessKey',
  S3_SECRET_KEY: 'storage.s3.secretKey',
  GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64: 'storage.googleStorage.serviceAccountJsonBase64',
  AZURE_BLOB_ACCOUNT_KEY: 'storage.azureBlob.accountKey',
  WEAVIATE_API_KEY: 'vectorStore.weaviate.apiKey',
  QDRANT_API_KEY: 'vectorStore.qdrant.apiKey',
  MILVUS_PASSWORD: 'vectorStore.milvus.password',
  MILVUS_TOKEN: 'vectorStore.milvus.token',
  PGVECTOR_PASSWORD: 'vectorStore.pgvector.password',
  ELASTICSEARCH_USERNAME: 'vectorStore.elasticsearch.username',
  ELASTICSEARCH_PASSWORD: 'vectorStore.elasticsearch.password',
  OPENSEARCH_PASSWORD: 'vectorStore.opensearch.password',
  SMTP_PASSWORD: 'mail.smtp.password',
  RESEND_API_KEY: 'mail.resend.apiKey',
  SENDGRID_API_KEY: 'mail.sendgrid.apiKey',
  // Not secret, but this chart takes the sender as a credential (value or Secret).
  MAIL_DEFAULT_SEND_FROM: 'mail.defaultSendFrom',
};

/** Env names with a plain typed value in this chart: [path, kind]. */
const SETTINGS: Record<string, [string, 'string' | 'number' | 'boolean']> = {
  LOG_LEVEL: ['dify.logLevel', 'string'],
  DB_TYPE: ['db.type', 'string'],
  DB_HOST: ['db.host', 'string'],
  DB_PORT: ['db.port', 'number'],
  DB_DATABASE: ['db.database', 'string'],
  REDIS_HOST: ['externalRedis.host', 'string'],
  REDIS_PORT: ['externalRedis.port', 'number'],
  REDIS_DB: ['externalRedis.db', 'number'],
  REDIS_USE_SSL: ['externalRedis.useSsl', 'boolean'],
  S3_ENDPOINT: ['storage.s3.endpoint', 'string'],
  S3_BUCKET_NAME: ['storage.s3.bucket', 'string'],
  S3_REGION: ['storage.s3.region', 'string'],
  S3_USE_AWS_MANAGED_IAM: ['storage.s3.useIam', 'boolean'],
  GOOGLE_STORAGE_BUCKET_NAME: ['storage.googleStorage.bucket', 'string'],
  AZURE_BLOB_ACCOUNT_NAME: ['storage.azureBlob.accountName', 'string'],
  AZURE_BLOB_CONTAINER_NAME: ['storage.azureBlob.containerName', 'string'],
  AZURE_BLOB_ACCOUNT_URL: ['storage.azureBlob.accountUrl', 'string'],
  VECTOR_STORE: ['vectorStore.type', 'string'],
  WEAVIATE_ENDPOINT: ['vectorStore.weaviate.endpoint', 'string'],
  WEAVIATE_GRPC_ENDPOINT: ['vectorStore.weaviate.grpcEndpoint', 'string'],
  QDRANT_URL: ['vectorStore.qdrant.url', 'string'],
  MILVUS_URI: ['vectorStore.milvus.uri', 'string'],
  MILVUS_USER: ['vectorStore.milvus.user', 'string'],
  MILVUS_DATABASE: ['vectorStore.milvus.database', 'string'],
  PGVECTOR_HOST: ['vectorStore.pgvector.host', 'string'],
  PGVECTOR_PORT: ['vectorStore.pgvector.port', 'number'],
  PGVECTOR_USER: ['vectorStore.pgvector.user', 'string'],
  PGVECTOR_DATABASE: ['vectorStore.pgvector.database', 'string'],
  ELASTICSEARCH_HOST: ['vectorStore.elasticsearch.host', 'string'],
  ELASTICSEARCH_PORT: ['vectorStore.elasticsearch.port', 'number'],
  OPENSEARCH_HOST: ['vectorStore.opensearch.host', 'string'],
  OPENSEARCH_PORT: ['vectorStore.opensearch.port', 'number'],
  OPENSEARCH_USER: ['vectorStore.opensearch.user', 'string'],
  CHECK_UPDATE_URL: ['dify.checkUpdateUrl', 'string'],
  MAIL_TYPE: ['mail.type', 'string'],
  SMTP_SERVER: ['mail.smtp.server', 'string'],
  SMTP_PORT: ['mail.smtp.port', 'number'],
  SMTP_USERNAME: ['mail.smtp.username', 'string'],
  SMTP_USE_TLS: ['mail.smtp.useTls', 'boolean'],
  SMTP_OPPORTUNISTIC_TLS: ['mail.smtp.opportunisticTls', 'boolean'],
  RESEND_API_URL: ['mail.resend.apiUrl', 'string'],
};

/** Names this chart sets itself (refused in dify.extraConfig), with the schema's advice. */
function chartSetNames(): Map<string, string> {
  const schema = JSON.parse(readFileSync(DEFAULT_SCHEMA, 'utf8')) as ValueMap;
  const props = at(schema, ['properties', 'dify', 'properties', 'extraConfig', 'properties']);
  const out = new Map<string, string>();
  if (isMap(props)) for (const [k, v] of Object.entries(props)) if (isMap(v) && typeof v['x-message'] === 'string') out.set(k, v['x-message']);
  return out;
}
function at(v: Value, keys: string[]): Value | undefined {
  let cur: Value | undefined = v;
  for (const k of keys) cur = isMap(cur) ? cur[k] : undefined;
  return cur;
}

export function migrateDouban(user: ValueMap, opts: MigrateOptions): MigrationResult {
  const o = new OldValues(user, DOUBAN_DEFAULTS, opts.source);
  const out: ValueMap = {};
  const checks: Check[] = [];
  const dataNote: string[] = [];
  const check = (path: string, what: string): void => void checks.push({ path, what });
  const fullname = helmFullname(opts.release, 'dify', o.str('nameOverride'), o.str('fullnameOverride'));
  const newSecret = `${fullname}-migrated`;
  const refused = chartSetNames();
  const typed: ValueMap = {};
  // Plain values of the global env lists, which also reached the plugin daemon.
  const globalEnv = new Map<string, string>();
  let celeryUrl = false;
  const extraConfig: ValueMap = {};

  /** A credential env entry: a Secret it already names, or one to make from the live Deployment. */
  const credential = (path: string, e: ValueMap, deployment: string): ValueMap | undefined => {
    const ref = at(e, ['valueFrom', 'secretKeyRef']);
    const name = e['name'] as string;
    if (isMap(ref) && typeof ref['name'] === 'string' && typeof ref['key'] === 'string') return fromSecret(ref['name'], ref['key']);
    // A user name or a sender address is no secret: this chart takes it as a value.
    if (typeof e['value'] === 'string' && (name.endsWith('USERNAME') || name === 'MAIL_DEFAULT_SEND_FROM')) return { value: e['value'] };
    if (typeof e['value'] === 'string') {
      check(
        path,
        `${name} was written as a plain value into Deployment ${deployment}; this chart reads it from Secret ${newSecret}: kubectl create secret generic ${newSecret} --from-literal=${name}="$(kubectl get deploy ${deployment} -o jsonpath='{.spec.template.spec.containers[0].env[?(@.name=="${name}")].value}')" (add further keys to the same Secret with kubectl patch)`,
      );
      return fromSecret(newSecret, name);
    }
    o.report(path, `${name} comes from a source this chart cannot read (only a value or a secretKeyRef)`);
    return undefined;
  };

  /** Appends entries to a component's extraEnv: the global lists' first, as in douban's pods. */
  const addEnv = (c: string, entries: Value[]): void => {
    if (entries.length === 0) return;
    const cur = isMap(out[c]) ? (out[c] as ValueMap)['extraEnv'] : undefined;
    put(out, `${c}.extraEnv`, [...(Array.isArray(cur) ? cur : []), ...entries]);
  };

  /**
   * One env list: typed keys, credentials, then extraConfig or the components' extraEnv. `others`
   * are components the list reached that do not read dify.extraConfig (web, the plugin daemon): they
   * get its extraConfig entries as extraEnv too. Typed keys need no copy: they become settings this
   * chart gives every component that uses them.
   */
  const envList = (path: string, components: string[], others: string[], deployment: string, allowConfig: boolean): void => {
    const keep: Value[] = [];
    const toOthers: Value[] = [];
    for (const [i, e] of o.list(path).entries()) {
      const p = `${path}.${i}`;
      if (!isMap(e) || typeof e['name'] !== 'string') {
        o.report(p, 'not an env entry with a name');
        continue;
      }
      const name = e['name'];
      const plain = typeof e['value'] === 'string' && e['valueFrom'] === undefined;
      if (plain && path.startsWith('global.')) globalEnv.set(name, e['value'] as string);
      if (name === 'CELERY_BROKER_URL') celeryUrl = true;
      if (name in CREDENTIALS) {
        const c = credential(p, e, deployment);
        if (c) typed[CREDENTIALS[name]!] = c;
      } else if (name in SETTINGS && plain) {
        const [to, kind] = SETTINGS[name]!;
        const v = e['value'] as string;
        typed[to] = kind === 'number' && /^[0-9]+$/.test(v) ? Number(v) : kind === 'boolean' ? v === 'true' : v;
      } else if (name === 'CELERY_BROKER_URL' || name === 'GIN_MODE') {
        // This chart builds the broker URL from the Redis settings; GIN_MODE is the sandbox's own.
      } else if (refused.has(name)) {
        o.report(p, `${name}: ${refused.get(name)!}`);
      } else if (plain && allowConfig) {
        extraConfig[name] = e['value'] as string;
        toOthers.push(e);
      } else {
        keep.push(e);
        toOthers.push(e);
      }
      o.consume(p);
    }
    o.consume(path);
    for (const c of components) addEnv(c, keep);
    for (const c of others) addEnv(c, toOthers);
  };

  // Public URLs, as the peer derives them.
  const base = o.str('global.baseUrlOverride') || `${o.bool('global.enableTLS') ? 'https' : 'http'}://${o.str('global.host')}${o.str('global.port') ? `:${o.str('global.port')}` : ''}`;
  for (const k of ['consoleApi', 'consoleWeb', 'serviceApi', 'appApi', 'appWeb']) put(out, `dify.urls.${k}`, base);
  put(out, 'dify.urls.endpointTemplate', `${base}/e/{hook_id}`);
  if (!o.changed('global.host') && !o.changed('global.baseUrlOverride')) check('global.host', `chart-example.local is douban's example host, so Dify's public URLs are ${base}: set dify.urls and ingress.hosts to your own`);
  const edition = o.str('global.edition');
  put(out, 'dify.deploymentEdition', edition === 'CLOUD' || edition === 'ENTERPRISE' ? edition : 'COMMUNITY');
  if (Object.keys(o.map('global.labels')).length > 0) put(out, 'commonLabels', o.map('global.labels'));

  // Components.
  const parts: [string, string, string][] = [
    ['frontend', 'web', 'frontend'],
    ['api', 'api', 'api'],
    ['worker', 'worker', 'worker'],
    ['workerBeat', 'beat', 'worker-beat'],
    ['sandbox', 'sandbox', 'sandbox'],
    ['pluginDaemon', 'pluginDaemon', 'plugin-daemon'],
  ];
  const pullSecrets: Value[] = [];
  const globalTag = o.str('global.image.tag');
  const pluginOn = o.bool('pluginDaemon.enabled');
  put(out, 'pluginDaemon.enabled', pluginOn);
  // This chart's agent backend needs the plugin daemon: without it, no agents (douban ran none).
  if (!pluginOn) {
    put(out, 'agentBackend.enabled', false);
    check('agentBackend.enabled', 'off because the old release ran no plugin daemon, which the agent backend needs');
  }
  for (const [theirs, ours] of parts) {
    if (theirs === 'pluginDaemon' && !pluginOn) {
      o.consume('pluginDaemon');
      continue;
    }
    if (ours !== 'beat') put(out, `${ours}.replicaCount`, o.num(`${theirs}.replicaCount`) ?? 1);
    else o.cannot('workerBeat.replicaCount', 'beat runs one replica');
    const repo = o.str(`${theirs}.image.repository`);
    if (o.changed(`${theirs}.image.repository`)) {
      const { registry, repository } = splitImage(repo);
      if (registry) put(out, `${ours}.image.registry`, registry);
      put(out, `${ours}.image.repository`, repository);
    }
    const tag = o.str(`${theirs}.image.tag`);
    const appImage = ['frontend', 'api', 'worker', 'workerBeat'].includes(theirs);
    const pinned = o.changed(`${theirs}.image.tag`) && tag ? tag : appImage && o.changed('global.image.tag') && globalTag ? globalTag : '';
    if (pinned) {
      put(out, `${ours}.image.tag`, pinned);
      check(`${ours}.image.tag`, `pinned to ${pinned} as in the old values; this chart is made for Dify 1.17.1: remove the tag unless you mean it`);
    }
    if (o.changed(`${theirs}.image.pullPolicy`)) put(out, `${ours}.image.pullPolicy`, o.str(`${theirs}.image.pullPolicy`));
    pullSecrets.push(...o.list(`${theirs}.imagePullSecrets`));
    for (const k of ['resources', 'nodeSelector', 'affinity', 'podAnnotations']) {
      const v = o.map(`${theirs}.${k}`);
      if (Object.keys(v).length > 0) put(out, `${ours}.${k}`, v);
    }
    if (o.list(`${theirs}.tolerations`).length > 0) put(out, `${ours}.tolerations`, o.list(`${theirs}.tolerations`));
    if (o.bool(`${theirs}.autoscaling.enabled`)) {
      put(out, `${ours}.autoscaling`, {
        enabled: true,
        minReplicas: o.num(`${theirs}.autoscaling.minReplicas`) ?? 1,
        maxReplicas: o.num(`${theirs}.autoscaling.maxReplicas`) ?? 100,
        targetCPUUtilizationPercentage: o.num(`${theirs}.autoscaling.targetCPUUtilizationPercentage`) ?? 0,
        targetMemoryUtilizationPercentage: o.num(`${theirs}.autoscaling.targetMemoryUtilizationPercentage`) ?? 0,
      });
    }
    o.consume(`${theirs}.autoscaling`);
    for (const [p, custom] of [
      ['livenessProbe', 'customLivenessProbe'],
      ['readinessProbe', 'customReadinessProbe'],
    ] as const) {
      // The peer's probes are whole Probe objects: one the old file changed is kept as a custom probe.
      if (o.changed(`${theirs}.${p}`) && Object.keys(o.map(`${theirs}.${p}`)).length > 0) put(out, `${ours}.${custom}`, o.map(`${theirs}.${p}`));
      o.consume(`${theirs}.${p}`);
    }
    o.cannot(`${theirs}.podSecurityContext`, `this chart's ${ours} security contexts meet Pod Security "restricted" where the image allows; set ${ours}.podSecurityContext yourself if you need another`);
    o.cannot(`${theirs}.securityContext`, `set ${ours}.containerSecurityContext yourself if this chart's default does not fit`);
    o.cannot(`${theirs}.containerPort`, `this chart's ${ours} listens on the image's own port`);
    o.cannot(`${theirs}.service`, `this chart's ${ours} Service has fixed ports behind the proxy, Ingress or HTTPRoute; expose it with proxy.service`);
  }
  o.consume('pluginDaemon.enabled');
  if (pullSecrets.length > 0) put(out, 'global.imagePullSecrets', pullSecrets);

  // Env lists. douban gave global.extraEnvs to every component but the sandbox, and
  // global.extraBackendEnvs to api, worker, beat and the plugin daemon.
  const plugin = pluginOn ? ['pluginDaemon'] : [];
  envList('global.extraEnvs', ['api', 'worker', 'beat'], ['web', ...plugin], `${fullname}-api`, true);
  envList('global.extraBackendEnvs', ['api', 'worker', 'beat'], plugin, `${fullname}-api`, true);
  envList('api.envs', ['api'], [], `${fullname}-api`, true);
  envList('worker.envs', ['worker'], [], `${fullname}-worker`, false);
  envList('workerBeat.envs', ['beat'], [], `${fullname}-worker-beat`, false);
  // frontend: marketplace URLs have typed values; the rest stays on web.
  const webKeep: Value[] = [];
  for (const e of o.list('frontend.envs')) {
    if (isMap(e) && e['name'] === 'MARKETPLACE_API_URL' && typeof e['value'] === 'string') put(out, 'dify.marketplace.apiUrl', e['value']);
    else if (isMap(e) && e['name'] === 'MARKETPLACE_URL' && typeof e['value'] === 'string') put(out, 'dify.marketplace.url', e['value']);
    else webKeep.push(e);
  }
  addEnv('web', webKeep);
  const sandboxKeep: Value[] = [];
  for (const e of o.list('sandbox.envs')) {
    if (isMap(e) && e['name'] === 'WORKER_TIMEOUT' && typeof e['value'] === 'string' && /^[0-9]+$/.test(e['value'])) put(out, 'sandbox.workerTimeout', Number(e['value']));
    else if (!(isMap(e) && e['name'] === 'GIN_MODE')) sandboxKeep.push(e);
  }
  if (sandboxKeep.length > 0) put(out, 'sandbox.extraEnv', sandboxKeep);
  let pluginDb: string | undefined;
  if (pluginOn) {
    const keep: Value[] = [];
    for (const e of o.list('pluginDaemon.envs')) {
      const n = isMap(e) ? e['name'] : undefined;
      const v = isMap(e) && typeof e['value'] === 'string' ? e['value'] : undefined;
      if (n === 'DB_DATABASE' && v) pluginDb = v;
      else if (n === 'MAX_PLUGIN_PACKAGE_SIZE' && v && /^[0-9]+$/.test(v)) put(out, 'pluginDaemon.maxPackageSize', Number(v));
      else if (n === 'FORCE_VERIFYING_SIGNATURE' && v) put(out, 'pluginDaemon.forceVerifyingSignature', v === 'true');
      else if (n === 'PLUGIN_REMOTE_INSTALLING_PORT' && v && /^[0-9]+$/.test(v)) put(out, 'pluginDaemon.remoteInstall.port', Number(v));
      else if (n === 'SERVER_PORT' || n === 'PPROF_ENABLED' || n === 'PLUGIN_REMOTE_INSTALLING_HOST') continue; // set by this chart
      else keep.push(e);
    }
    addEnv('pluginDaemon', keep);
  }
  o.consume('frontend.envs');
  o.consume('sandbox.envs');
  o.consume('pluginDaemon.envs');
  if (Object.keys(extraConfig).length > 0) put(out, 'dify.extraConfig', extraConfig);
  // douban mounted them on api, worker and worker-beat.
  if (o.list('volumes').length > 0) for (const c of ['api', 'worker', 'beat']) put(out, `${c}.extraVolumes`, o.list('volumes'));
  if (o.list('volumeMounts').length > 0) for (const c of ['api', 'worker', 'beat']) put(out, `${c}.extraVolumeMounts`, o.list('volumeMounts'));
  o.cannot('serviceAccount', 'this chart makes ServiceAccounts per component: set <component>.serviceAccount (e.g. api and worker for cloud IAM)');

  // This chart sends mail only with a sender; Dify without one failed to send, so mail stays off.
  const mailOk = !typed['mail.type'] || typed['mail.defaultSendFrom'] !== undefined;
  if (!mailOk) o.report('global.extraBackendEnvs', `MAIL_TYPE ${String(typed['mail.type'])} without MAIL_DEFAULT_SEND_FROM: mail is left off; set mail.type and mail.defaultSendFrom`);
  for (const [k, v] of Object.entries(typed)) if (k.startsWith('dify.') || (mailOk && k.startsWith('mail.'))) put(out, k, v);
  // SECRET_KEY must come from somewhere: the peer's default writes it as a plain value.
  if (!typed['dify.secretKey']) {
    o.report('global.extraBackendEnvs', 'no SECRET_KEY in the old values: Dify ran with its empty default; set dify.secretKey');
  } else if (!o.changed('global.extraBackendEnvs')) {
    check('dify.secretKey', "the old release ran with douban's public default SECRET_KEY (kept, so stored credentials stay readable); rotating it later makes them unreadable");
  }

  // Internal keys: the Secrets the old values name; douban's inline defaults are not kept
  // (they only link this chart's own components, which now share generated ones).
  if (o.str('sandbox.apiKeySecret')) put(out, 'sandbox.apiKey', fromSecret(o.str('sandbox.apiKeySecret'), 'sandbox-api-key'));
  else if (o.changed('sandbox.apiKey')) check('sandbox.apiKey', 'a plain value in the old values: this chart generates a new one (only its own api and sandbox use it)');
  o.consume('sandbox.apiKey');
  if (pluginOn) {
    if (o.str('pluginDaemon.serverKeySecret')) put(out, 'pluginDaemon.serverKey', fromSecret(o.str('pluginDaemon.serverKeySecret'), 'plugin-daemon-key'));
    if (o.str('pluginDaemon.difyInnerApiKeySecret')) put(out, 'pluginDaemon.innerApiKey', fromSecret(o.str('pluginDaemon.difyInnerApiKeySecret'), 'plugin-dify-inner-api-key'));
    o.consume('pluginDaemon.serverKey');
    o.consume('pluginDaemon.difyInnerApiKey');
    o.consume('pluginDaemon.serverKeySecret');
    o.consume('pluginDaemon.difyInnerApiKeySecret');
    const reqs = o.str('sandbox.config.python_requirements');
    if (reqs.trim()) put(out, 'sandbox.pythonRequirements', reqs.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
    if (o.bool('pluginDaemon.persistence.enabled')) {
      const claim = `${fullname}-plugin-daemon-pvc`;
      put(out, 'pluginDaemon.persistence.existingClaim', claim);
      put(out, 'pluginDaemon.persistence.accessModes', [o.str('pluginDaemon.persistence.accessMode') || 'ReadWriteOnce']);
      dataNote.push(`installed plugins: PVC ${claim}, mounted by this chart as pluginDaemon.persistence.existingClaim`);
    } else {
      put(out, 'pluginDaemon.persistence.enabled', false);
      dataNote.push('installed plugins: no PVC (pluginDaemon.persistence.enabled=false): reinstall them from the marketplace');
    }
    o.consume('pluginDaemon.persistence');
    if (o.changed('pluginDaemon.updateStrategy')) put(out, 'pluginDaemon.updateStrategy', o.map('pluginDaemon.updateStrategy'));
    o.consume('pluginDaemon.updateStrategy');
  }
  o.consume('sandbox.config');
  o.consume('sandbox.apiKeySecret');
  // douban runs no SSRF proxy: keep it that way, but say so.
  put(out, 'ssrfProxy.enabled', false);
  check('ssrfProxy.enabled', "off as douban ran without one, so outgoing requests are not filtered; this chart's SSRF proxy (ssrfProxy.enabled=true) is recommended");

  // Database.
  const db = (k: string): Value | undefined => typed[`db.${k}`];
  if (o.bool('postgresql.embedded')) {
    const pgFull = helmFullname(opts.release, 'postgresql', o.str('postgresql.nameOverride'), o.str('postgresql.fullnameOverride'));
    // douban connects as postgres, whose password Bitnami keeps under the admin key: in the user's
    // Secret when given (Bitnami then makes none), else in its own under postgres-password.
    const pgSecret = o.str('postgresql.auth.existingSecret');
    const password = pgSecret ? fromSecret(pgSecret, o.str('postgresql.auth.secretKeys.adminPasswordKey') || 'postgres-password') : fromSecret(pgFull, 'postgres-password');
    put(out, 'postgresql.enabled', false);
    // douban's own DB_ entries come first in the pods' env and the env lists after, so an entry of
    // the lists is what the pods used (the last of two entries with one name wins).
    const database = (db('database') as string | undefined) ?? o.str('postgresql.auth.database');
    put(out, 'externalPostgresql', {
      enabled: true,
      host: (db('host') as string | undefined) ?? `${fullname}-postgresql`,
      port: (db('port') as number | undefined) ?? 5432,
      username: (db('username') as ValueMap | undefined) ?? { value: 'postgres' },
      password: (db('password') as ValueMap | undefined) ?? password,
      database,
      // Without its own DB_DATABASE the plugin daemon took the backend's (it gets the same env).
      pluginDatabase: pluginDb ?? globalEnv.get('DB_DATABASE') ?? o.str('postgresql.auth.database'),
    });
    o.consume('postgresql.auth');
    const claim = o.str('postgresql.primary.persistence.existingClaim') || `data-${pgFull}-0`;
    if (o.bool('postgresql.primary.persistence.enabled')) dataNote.push(`PostgreSQL (Bitnami, Service ${fullname}-postgresql): PVC ${claim}`);
    else dataNote.push(`PostgreSQL (Bitnami, Service ${fullname}-postgresql): no PVC (douban's default): the data lives only as long as its pod; pg_dump it now`);
  } else if (db('host')) {
    // DB_TYPE: MySQL and its kin (Dify's mysql, oceanbase, seekdb) go to externalMysql, with its flavor.
    const type = (db('type') as string | undefined) ?? 'postgresql';
    const mysql = ['mysql', 'oceanbase', 'seekdb'].includes(type);
    if (!mysql && type !== 'postgresql') o.report('global.extraBackendEnvs', `DB_TYPE=${type}: this chart's database is PostgreSQL or externalMysql (mysql, oceanbase, seekdb); mapped as PostgreSQL`);
    if (mysql && db('port') === undefined) {
      check('externalMysql.port', `5432, Dify's default DB_PORT, which the old release used as it set none; ${type === 'mysql' ? 'MySQL listens on 3306' : 'OceanBase and seekdb listen on 2881'} by default: set externalMysql.port to your server's port`);
    }
    put(out, 'postgresql.enabled', false);
    put(out, mysql ? 'externalMysql' : 'externalPostgresql', {
      enabled: true,
      ...(mysql ? { flavor: type } : {}),
      host: db('host') as string,
      // Without DB_PORT the old release connected on Dify's default, 5432, whatever DB_TYPE said: kept.
      port: (db('port') as number | undefined) ?? 5432,
      ...(db('username') ? { username: db('username') as ValueMap } : {}),
      ...(db('password') ? { password: db('password') as ValueMap } : {}),
      database: (db('database') as string | undefined) ?? 'dify',
      // Without a DB_DATABASE of its own or from the global lists, the daemon's default.
      pluginDatabase: pluginDb ?? globalEnv.get('DB_DATABASE') ?? 'dify_plugin',
    });
  } else {
    o.report('postgresql.embedded', 'no database: postgresql.embedded is false and no DB_HOST in the env lists');
  }
  o.consume('postgresql.embedded');
  restOf(o, 'postgresql');

  // Redis.
  const rx: ValueMap = {};
  for (const [k, v] of Object.entries(typed)) if (k.startsWith('externalRedis.')) rx[k.slice('externalRedis.'.length)] = v;
  put(out, 'redis.enabled', false);
  if (o.bool('redis.embedded')) {
    const redisFull = helmFullname(opts.release, 'redis', o.str('redis.nameOverride'), o.str('redis.fullnameOverride'));
    const r: ValueMap = { enabled: true, host: `${fullname}-redis-master`, port: 6379, db: 1, celeryDb: 1 };
    // Without auth Bitnami's Redis takes no password; with it, the password is in the user's Secret or Bitnami's.
    const redisSecret = o.str('redis.auth.existingSecret');
    if (o.bool('redis.auth.enabled')) r['password'] = redisSecret ? fromSecret(redisSecret, o.str('redis.auth.existingSecretPasswordKey') || 'redis-password') : fromSecret(redisFull, 'redis-password');
    o.consume('redis.auth');
    // As for the database: REDIS_ entries of the env lists override douban's own.
    Object.assign(r, rx);
    if (celeryUrl) check('externalRedis.celeryDb', "the old values set CELERY_BROKER_URL over douban's own (database 1 of the embedded Redis); this chart builds it from externalRedis: check the database number");
    put(out, 'externalRedis', r);
    const claim = o.str('redis.master.persistence.existingClaim') || `redis-data-${redisFull}-master-0`;
    if (o.bool('redis.master.persistence.enabled')) dataNote.push(`Redis (Bitnami, Service ${fullname}-redis-master): PVC ${claim} (caches and queues only)`);
    else dataNote.push(`Redis (Bitnami, Service ${fullname}-redis-master): no PVC (douban's default); it holds caches and queues only`);
  } else if (typeof rx['host'] === 'string') {
    put(out, 'externalRedis', { enabled: true, ...rx, celeryDb: typeof rx['db'] === 'number' ? rx['db'] : 1 });
    check('externalRedis.celeryDb', 'douban took the Celery broker URL as given (CELERY_BROKER_URL); this chart builds it from externalRedis: check the database number');
  } else {
    o.report('redis.embedded', 'no Redis: redis.embedded is false and no REDIS_HOST in the env lists');
  }
  o.consume('redis.embedded');
  restOf(o, 'redis');

  // File storage.
  const storageType = o.str('global.storageType');
  const known = ['local', 's3', 'azure-blob', 'aliyun-oss', 'google-storage', 'tencent-cos', 'huawei-obs', 'volcengine-tos'];
  if (known.includes(storageType)) put(out, 'storage.type', storageType);
  else o.report('global.storageType', `${storageType} is not a storage type this chart knows`);
  for (const [k, v] of Object.entries(typed)) if (k.startsWith('storage.')) put(out, k, v);
  if (o.bool('minio.embedded')) {
    const minioFull = helmFullname(opts.release, 'minio', o.str('minio.nameOverride'), o.str('minio.fullnameOverride'));
    put(out, 'storage.type', 's3');
    put(out, 'storage.s3.endpoint', `http://${fullname}-minio:${o.num('minio.service.ports.api') ?? 9000}`);
    put(out, 'storage.s3.bucket', o.str('minio.defaultBuckets').split(',')[0]!.split(':')[0]!.trim());
    put(out, 'storage.s3.pathStyle', true);
    // The root credentials are in the user's Secret when given (Bitnami then makes none), under the same keys.
    const minioSecret = o.str('minio.auth.existingSecret') || minioFull;
    put(out, 'storage.s3.accessKey', fromSecret(minioSecret, 'root-user'));
    put(out, 'storage.s3.secretKey', fromSecret(minioSecret, 'root-password'));
    o.consume('minio.auth');
    if (o.bool('minio.persistence.enabled')) dataNote.push(`files (Bitnami MinIO, Service ${fullname}-minio): PVC ${o.str('minio.persistence.existingClaim') || minioFull}`);
    else dataNote.push(`files (Bitnami MinIO, Service ${fullname}-minio): no PVC (minio.persistence.enabled=false): copy the bucket out now (mc mirror)`);
  } else if (storageType === 's3' && !typed['storage.s3.accessKey'] && typed['storage.s3.useIam'] !== true) {
    // douban's default: STORAGE_TYPE=s3 and nothing else, which stores no file; this chart needs keys for s3.
    put(out, 'storage.type', 'local');
    check('storage.type', 'douban used STORAGE_TYPE=s3 with no S3 credentials in the old values (no file could be stored): the output keeps files on a PVC (storage.type=local); set storage.s3 if your files are in a bucket');
  }
  o.consume('minio.embedded');
  restOf(o, 'minio');
  if (storageType === 'local') {
    check('storage.local', 'douban mounted no volume for local file storage (files lived in the api pod): this chart makes a PVC; the old files are gone with the pod');
  }

  // Vector store.
  put(out, 'weaviate.enabled', false);
  const vt = typed['vectorStore.type'];
  if (typeof vt === 'string') {
    for (const [k, v] of Object.entries(typed)) if (k.startsWith('vectorStore.')) put(out, k, v);
    if (vt === 'weaviate' && !typed['vectorStore.weaviate.endpoint']) put(out, 'weaviate.enabled', true);
  } else {
    put(out, 'weaviate.enabled', true);
    check('vectorStore', "douban ships no vector store and the old values name none (VECTOR_STORE): this chart runs its own Weaviate; existing knowledge bases must be re-indexed, or point vectorStore at the store you used");
  }

  // Exposure.
  if (o.bool('ingress.enabled')) {
    put(out, 'ingress.enabled', true);
    if (o.str('ingress.className')) put(out, 'ingress.className', o.str('ingress.className'));
    if (Object.keys(o.map('ingress.annotations')).length > 0) put(out, 'ingress.annotations', o.map('ingress.annotations'));
    put(out, 'ingress.hosts', [o.str('global.host')]);
    if (o.bool('global.enableTLS')) put(out, 'ingress.tls', [{ secretName: o.str('ingress.tlsSecretName'), hosts: [o.str('global.host')] }]);
  }
  o.consume('ingress');
  if (o.bool('httpRoute.enabled')) {
    const ref = o.map('httpRoute.gatewayRef');
    put(out, 'httpRoute', { enabled: true, parentRefs: [{ name: String(ref['name'] ?? ''), ...(ref['namespace'] ? { namespace: String(ref['namespace']) } : {}) }], hostnames: o.list('httpRoute.hostnames') });
    o.cannot('httpRoute.extraPaths', "this chart's HTTPRoute is built from its routes table");
    o.cannot('httpRoute.globalRateLimit', 'this chart renders no Envoy Gateway traffic policy');
  }
  o.consume('httpRoute');

  const unmapped = [...o.unmapped, ...o.leftovers(PEER)];
  // douban's selector labels add its name: the instance label alone also matches the embedded
  // MinIO's Deployment, which the output keeps using.
  const name = helmTrunc(o.str('nameOverride') || 'dify');
  dataNote.push(
    `install the output as a new release in the same namespace next to the old one (not as an upgrade of it: that would delete the stores this output reads), after scaling the old release's Deployments to 0: kubectl scale deploy -l app.kubernetes.io/instance=${opts.release},app.kubernetes.io/name=${name} --replicas=0`,
    "to move the data into this chart later: pg_dump the old database and restore it into this chart's postgresql (postgresql.enabled=true), copy the files (mc mirror for MinIO), then drop the external settings",
  );
  return { values: out, unmapped, checks, dataNote };
}

/** Keys under a subchart's block that the file changes: they configured the old store. */
function restOf(o: OldValues, prefix: string): void {
  const left = new Set(o.leftovers('').map((l) => l.path));
  const walk = (v: Value | undefined, p: string[]): void => {
    if (isMap(v) && Object.keys(v).length > 0) {
      for (const [k, c] of Object.entries(v)) walk(c, [...p, k]);
      return;
    }
    if (left.has(p.join('.'))) o.cannot(p, 'setting of a store the old release keeps running (see the data: lines); this chart uses it as an external store and does not manage it');
  };
  walk(o.user[prefix], [prefix]);
  o.consume(prefix);
}
