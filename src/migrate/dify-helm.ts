/**
 * BorisPolonsky/dify-helm (charts/dify, 0.38.x) to this chart.
 *
 * The old release keeps running its Bitnami PostgreSQL and Redis and the Weaviate chart: the output
 * points this chart at their Services as external stores, and at the old release's Secrets
 * (`<fullname>-api`, `<fullname>-sandbox`) for every credential, so data and SECRET_KEY carry over.
 * The defaults below are the peer's documented defaults of the keys this mapping reads, written
 * here as data: an unset key in the old file means these, as it did for the old release.
 */
import { fromSecret, helmFullname, helmTrunc, OldValues, put, splitImage, type Check, type MigrateOptions, type MigrationResult } from './index.js';
import { isMap, type Value, type ValueMap } from '../values/types.js';

const PEER = "dify-helm's values";

type Comp = 'api' | 'worker' | 'beat' | 'web' | 'sandbox' | 'pluginDaemon' | 'proxy' | 'ssrfProxy';
const COMPONENTS: Comp[] = ['api', 'worker', 'beat', 'web', 'sandbox', 'pluginDaemon', 'proxy', 'ssrfProxy'];
const WITH_REPLICAS = new Set<Comp>(['api', 'worker', 'web', 'sandbox', 'pluginDaemon', 'proxy', 'ssrfProxy']);
const WITH_HPA = new Set<Comp>(['api', 'worker', 'web', 'sandbox']);
const WITH_PROBES = new Set<Comp>(['api', 'web', 'sandbox']);

const probe = (enabled: boolean, delay: number, period: number, failure: number): ValueMap => ({
  enabled,
  initialDelaySeconds: delay,
  periodSeconds: period,
  timeoutSeconds: 5,
  failureThreshold: failure,
  successThreshold: 1,
});

function component(extra: ValueMap): ValueMap {
  return {
    enabled: true,
    replicas: 1,
    resources: {},
    nodeSelector: {},
    affinity: {},
    tolerations: [],
    priorityClassName: '',
    shareProcessNamespace: false,
    updateStrategy: {},
    hostAliases: [],
    customLivenessProbe: {},
    customReadinessProbe: {},
    customStartupProbe: {},
    podSecurityContext: {},
    containerSecurityContext: {},
    extraEnv: [],
    extraVolumes: [],
    extraVolumeMounts: [],
    serviceAccount: { create: false, name: '', automountServiceAccountToken: false, annotations: {} },
    ...extra,
  };
}
const hpa = (): ValueMap => ({ autoscaling: { enabled: false, minReplicas: 1, maxReplicas: 100, targetCPUUtilizationPercentage: 80 } });
const appSecurity = (): ValueMap => ({ podSecurityContext: { enabled: true, fsGroup: 1001 }, containerSecurityContext: { enabled: true, runAsUser: 1001 } });
const pvc = (mountPath: string, size: string): ValueMap => ({
  mountPath,
  annotations: { 'helm.sh/resource-policy': 'keep' },
  persistentVolumeClaim: { existingClaim: '', storageClass: null, accessModes: 'ReadWriteMany', size, subPath: '' },
});
const img = (repository: string, tag: string): ValueMap => ({ repository, tag, pullPolicy: 'IfNotPresent' });

/** The peer's defaults of every key read below. */
export const DIFY_HELM_DEFAULTS: ValueMap = {
  global: {
    edition: 'SELF_HOSTED',
    appSecretKey: 'sk-9f73s3ljTXVcMT3Blb3ljTqtsKiGHXVcMT3BlbkFJLK7U',
    internalApiKey: '',
    consoleApiDomain: '',
    consoleWebDomain: '',
    serviceApiDomain: '',
    appApiDomain: '',
    appWebDomain: '',
    filesDomain: '',
    triggerDomain: '',
    marketplace: { enabled: true, url: 'https://marketplace.dify.ai', apiUrl: 'https://marketplace.dify.ai', apiProxyEnabled: false },
  },
  image: {
    api: img('langgenius/dify-api', '1.16.1'),
    web: img('langgenius/dify-web', '1.16.1'),
    sandbox: img('langgenius/dify-sandbox', '0.2.15'),
    proxy: img('nginx', 'latest'),
    ssrfProxy: img('ubuntu/squid', 'latest'),
    pluginDaemon: img('langgenius/dify-plugin-daemon', '0.6.3-local'),
    agentBackend: img('langgenius/dify-agent-backend', '1.16.1'),
    localSandbox: img('langgenius/dify-agent-local-sandbox', '1.16.1'),
  },
  api: component({
    ...hpa(),
    ...appSecurity(),
    livenessProbe: probe(true, 30, 30, 5),
    readinessProbe: probe(true, 10, 10, 5),
    startupProbe: probe(false, 5, 10, 5),
    extraEnv: [{ name: 'CHECK_UPDATE_URL', value: '' }],
    otel: { enabled: false },
    service: { port: 5001, annotations: {}, labels: {}, clusterIP: '' },
    auth: { internalApiKey: 'QaHbTe77CtuXmsfyhR7+vRjI/+XbV1AaFy691iy+kGDv2Jvy0/eAh8Y1' },
    logLevel: 'INFO',
    mail: {
      defaultSender: 'YOUR EMAIL FROM (e.g.: no-reply <no-reply@dify.ai>)',
      type: 'resend',
      resend: { apiKey: 'xxxx', apiUrl: 'https://api.resend.com' },
      smtp: { server: 'smtp.server.com', port: 465, username: 'YOUR EMAIL', password: 'YOUR EMAIL PASSWORD', tls: { enabled: true, optimistic: false } },
    },
    migration: true,
    persistence: pvc('/app/api/storage', '5Gi'),
  }),
  worker: component({ ...hpa(), ...appSecurity(), logLevel: 'INFO' }),
  beat: component({ ...appSecurity(), logLevel: 'INFO', updateStrategy: { type: 'Recreate' } }),
  apiWebsocket: { enabled: false },
  proxy: component({
    podSecurityContext: { enabled: true, fsGroup: 101, fsGroupChangePolicy: 'Always' },
    containerSecurityContext: { enabled: true, runAsUser: 101 },
    clientMaxBodySize: '',
    workerProcesses: 'auto',
    log: { persistence: { enabled: false } },
  }),
  web: component({
    ...hpa(),
    livenessProbe: probe(true, 5, 30, 5),
    readinessProbe: probe(true, 5, 10, 5),
    startupProbe: probe(false, 5, 10, 5),
    service: { port: 3000, annotations: {}, labels: {}, clusterIP: '' },
    enableServiceLinks: false,
  }),
  sandbox: component({
    ...hpa(),
    livenessProbe: probe(true, 1, 5, 2),
    readinessProbe: probe(true, 10, 10, 2),
    startupProbe: probe(false, 5, 10, 2),
    extraEnv: [{ name: 'WORKER_TIMEOUT', value: '15' }],
    service: { port: 8194, annotations: {}, labels: {}, clusterIP: '' },
    auth: { apiKey: 'dify-sandbox' },
  }),
  ssrfProxy: component({ enabled: false, log: { persistence: { enabled: false } }, service: { port: 3128, annotations: {}, labels: {}, clusterIP: '' } }),
  pluginDaemon: component({
    service: { ports: { daemon: 5002, pluginInstall: null }, annotations: {}, labels: {}, clusterIP: '' },
    auth: { serverKey: 'lYkiYYT6owG+71oLerGzA7GXCgOT++6ovaezWAjpCjf+Sjc3ZtU+qUEi' },
    persistence: pvc('/app/storage', '5Gi'),
  }),
  agentBackend: { enabled: true },
  localSandbox: { enabled: true },
  postgresql: {
    enabled: true,
    global: { postgresql: { auth: { postgresPassword: 'difyai123456', username: '', password: '', database: 'dify' } } },
    architecture: 'replication',
    primary: { name: 'primary', persistence: { enabled: true, existingClaim: '' } },
    readReplicas: { name: 'read', replicaCount: 1, persistence: { enabled: true } },
    nameOverride: '',
    fullnameOverride: '',
  },
  weaviate: {
    enabled: true,
    replicas: 1,
    service: { name: 'weaviate', type: 'ClusterIP' },
    grpcService: { enabled: true, name: 'weaviate-grpc', ports: [{ name: 'grpc', protocol: 'TCP', port: 50051 }] },
    // Only whether apikey is a non-empty map matters to dify-helm (its `enabled` is not read).
    authentication: { apikey: { enabled: true } },
  },
  service: { type: 'ClusterIP', port: 80 },
  ingress: {
    enabled: false,
    className: '',
    annotations: {},
    hosts: [{ host: 'dify-example.local', paths: [{ path: '/', pathType: 'ImplementationSpecific' }] }],
    tls: [],
  },
  httproute: { enabled: false, apiVersion: '', annotations: {}, labels: {}, parentRefs: [], hostnames: [], matches: [{ path: { type: 'PathPrefix', value: '/' } }], filters: [], additionalRules: [] },
  nodeSelector: {},
  tolerations: [],
  affinity: {},
  redis: {
    enabled: true,
    nameOverride: '',
    fullnameOverride: '',
    architecture: 'replication',
    auth: { enabled: true, sentinel: true, password: 'difyai123456' },
    master: { service: { ports: { redis: 6379 } } },
    replica: { replicaCount: 3 },
    sentinel: { enabled: false, masterSet: 'mymaster', service: { ports: { sentinel: 26379 } } },
    tls: { enabled: false },
  },
  externalPostgres: { enabled: false, username: 'postgres', password: 'difyai123456', address: 'localhost', port: 5432, database: { api: 'dify', pluginDaemon: 'dify_plugin' } },
  externalMysql: { enabled: false, username: 'root', password: 'difyai123456', address: 'localhost', port: 3306, database: { api: 'dify', pluginDaemon: 'dify_plugin' } },
  externalRedis: {
    enabled: false,
    host: 'redis.example',
    port: 6379,
    username: '',
    password: 'difyai123456',
    db: { app: 0, celery: 1, agent: 2 },
    useSSL: false,
    sentinel: { enabled: false, masterSet: 'mymaster', sentinels: ['sentinel1.example:26379', 'sentinel2.example:26379', 'sentinel3.example:26379'], password: '' },
  },
  externalS3: { enabled: false, endpoint: 'https://xxx.r2.cloudflarestorage.com', pathStyle: false, bucketName: { api: 'difyai', pluginDaemon: null }, useIAM: false, region: 'us-east-1' },
  externalAzureBlobStorage: { enabled: false, url: 'https://<your_account_name>.blob.core.windows.net', account: 'difyai', container: 'difyai-container' },
  externalOSS: { enabled: false, endpoint: 'https://oss-ap-southeast-1-internal.aliyuncs.com', region: 'ap-southeast-1', bucketName: { api: 'difyai', pluginDaemon: null }, authVersion: 'v4', path: 'your-path' },
  externalGCS: { enabled: false, bucketName: { api: 'difyai', pluginDaemon: null } },
  externalCOS: { enabled: false, region: 'your-region', bucketName: { api: 'your-bucket-name', pluginDaemon: null }, scheme: 'your-scheme' },
  externalOBS: { enabled: false, endpoint: 'https://your-endpoint', bucketName: { api: 'your-bucket-name', pluginDaemon: null } },
  externalTOS: { enabled: false, endpoint: 'https://tos-cn-beijing.volces.com', bucketName: { api: 'your-bucket-name', pluginDaemon: null }, region: 'cn-beijing' },
  externalWeaviate: { enabled: false, endpoint: { http: 'http://weaviate:8080', grpc: 'grpc://weaviate:50051' } },
  externalQdrant: { enabled: false, endpoint: 'https://your-qdrant-cluster-url.qdrant.tech/', timeout: 20, grpc: { enabled: false, port: 6334 } },
  externalMilvus: { enabled: false, uri: 'http://your-milvus.domain:19530', database: 'default', token: '', user: '', password: '' },
  externalPgvector: { enabled: false, username: 'postgres', address: 'pgvector', port: 5432, dbName: 'dify' },
  externalTencentVectorDB: { enabled: false, url: 'your-tencent-vector-db-url', timeout: 30, username: 'root', database: 'dify', shard: 1, replicas: 2 },
  externalMyScaleDB: { enabled: false, host: 'myscale', port: 8123, username: 'default', database: 'dify', ftsParams: '' },
  externalTableStore: { enabled: false, endpoint: 'endpoint', instanceName: 'instance-name' },
  externalElasticsearch: { enabled: false, host: 'elasticsearch.example.com', port: 9200, username: '', password: '' },
  externalSecret: {
    enabled: false,
    secretStore: { name: 'default-secret-store', kind: 'SecretStore' },
    refreshInterval: '15m',
    decodingStrategy: 'None',
    api: { enabled: true, remoteRefs: {} },
    sandbox: { enabled: true, remoteRefs: {} },
  },
};

/** The peer's default ESO remote references (used only when externalSecret.enabled). */
const ESO_API_DEFAULTS: Record<string, [string, string]> = {
  SECRET_KEY: ['dify/api', 'secret_key'],
  CODE_EXECUTION_API_KEY: ['dify/sandbox', 'api_key'],
  DB_USERNAME: ['dify/database', 'username'],
  DB_PASSWORD: ['dify/database', 'password'],
  REDIS_PASSWORD: ['dify/redis', 'password'],
  WEAVIATE_API_KEY: ['dify/weaviate', 'api_key'],
  RESEND_API_KEY: ['dify/mail', 'resend_api_key'],
  PLUGIN_DAEMON_KEY: ['dify/plugin-daemon', 'server_key'],
  INNER_API_KEY_FOR_PLUGIN: ['dify/plugin-daemon', 'dify_api_key'],
  S3_ACCESS_KEY: ['dify/s3', 'access_key'],
  S3_SECRET_KEY: ['dify/s3', 'secret_key'],
};

const OLD_STORE = 'setting of a store the old release keeps running (see the data: lines); this chart uses it as an external store and does not manage it';

export function migrateDifyHelm(user: ValueMap, opts: MigrateOptions): MigrationResult {
  const defaults = structuredClone(DIFY_HELM_DEFAULTS);
  // ESO's default references exist only in the peer's values; they matter only when enabled.
  for (const [env, [key, property]] of Object.entries(ESO_API_DEFAULTS)) put(defaults, `externalSecret.api.remoteRefs.${env}`, { key, property });
  put(defaults, 'externalSecret.sandbox.remoteRefs.API_KEY', { key: 'dify/sandbox', property: 'api_key' });
  const o = new OldValues(user, defaults, opts.source);
  const out: ValueMap = {};
  const checks: Check[] = [];
  const dataNote: string[] = [];
  const check = (path: string, what: string): void => void checks.push({ path, what });

  const fullname = helmFullname(opts.release, 'dify', o.str('nameOverride'), o.str('fullnameOverride'));
  const apiSecret = `${fullname}-api`;
  const newSecret = `${fullname}-migrated`;

  // Credentials: the old release's Secret (or, under ESO, the same remote reference).
  const eso = o.bool('externalSecret.enabled');
  const cred = (env: string, secret = apiSecret, comp = 'api'): ValueMap => {
    if (eso && o.bool(`externalSecret.${comp}.enabled`)) {
      const ref = o.get(['externalSecret', comp, 'remoteRefs', env]);
      if (isMap(ref) && typeof ref['key'] === 'string') {
        const r: ValueMap = { key: ref['key'], property: typeof ref['property'] === 'string' ? ref['property'] : '' };
        if (typeof ref['decodingStrategy'] === 'string') r['decodingStrategy'] = ref['decodingStrategy'];
        return { remoteRef: r };
      }
      check(`externalSecret.${comp}.remoteRefs.${env}`, `the ExternalSecret made ${secret} from remoteRefs only, and it has no ${env}: add the key to ${secret} or give a remoteRef`);
    }
    return fromSecret(secret, env);
  };
  if (eso) {
    put(out, 'externalSecrets.enabled', true);
    put(out, 'externalSecrets.secretStoreRef', { name: o.str('externalSecret.secretStore.name'), kind: o.str('externalSecret.secretStore.kind') });
    put(out, 'externalSecrets.refreshInterval', o.str('externalSecret.refreshInterval'));
    put(out, 'externalSecrets.decodingStrategy', o.str('externalSecret.decodingStrategy'));
  }
  o.consume('externalSecret'); // the per-component remoteRefs were read where each credential is mapped

  // SECRET_KEY above all: it decrypts the model credentials stored in the database.
  put(out, 'dify.secretKey', cred('SECRET_KEY'));
  o.consume('global.appSecretKey'); // its value stays where the old release put it (the Secret)
  if (!o.changed('global.appSecretKey') && !eso) {
    check('global.appSecretKey', `the old release ran with dify-helm's public default SECRET_KEY (kept, from Secret ${apiSecret}, so stored credentials stay readable); rotating it later makes them unreadable, so plan it with Dify's own tooling`);
  }
  o.consume('global.internalApiKey');

  // Application settings.
  const edition = o.str('global.edition');
  if (edition === 'SELF_HOSTED' || edition === 'COMMUNITY' || edition === '') put(out, 'dify.deploymentEdition', 'COMMUNITY');
  else if (edition === 'CLOUD' || edition === 'ENTERPRISE') put(out, 'dify.deploymentEdition', edition);
  else o.report('global.edition', `${edition} is not an edition Dify 1.17 knows (COMMUNITY, ENTERPRISE, CLOUD)`);
  const urls: [string, string][] = [
    ['consoleApiDomain', 'consoleApi'],
    ['consoleWebDomain', 'consoleWeb'],
    ['serviceApiDomain', 'serviceApi'],
    ['appApiDomain', 'appApi'],
    ['appWebDomain', 'appWeb'],
    ['filesDomain', 'files'],
    ['triggerDomain', 'triggers'],
  ];
  for (const [theirs, ours] of urls) {
    const v = o.str(`global.${theirs}`);
    if (v) put(out, `dify.urls.${ours}`, v);
  }
  put(out, 'dify.marketplace.enabled', o.bool('global.marketplace.enabled'));
  put(out, 'dify.marketplace.url', o.str('global.marketplace.url'));
  put(out, 'dify.marketplace.apiUrl', o.str('global.marketplace.apiUrl'));
  o.consume('global.marketplace.apiProxyEnabled'); // this chart's proxy routes /marketplace-api either way
  put(out, 'dify.logLevel', o.str('api.logLevel'));
  if (o.changed('api.migration')) o.cannot('api.migration', 'this chart runs the database migrations in a Job (migration.enabled), which Dify 1.17 needs once after the upgrade');
  o.consume('api.migration');
  o.cannot('api.otel', 'this chart has no OpenTelemetry settings: set ENABLE_OTEL and OTLP_* through dify.extraConfig, and OTLP_API_KEY through api.extraEnv with a secretKeyRef');

  // Components.
  const enabled: Record<string, boolean> = {};
  for (const c of COMPONENTS) {
    enabled[c] = o.bool(`${c}.enabled`);
    put(out, `${c}.enabled`, enabled[c]);
    if (WITH_REPLICAS.has(c)) put(out, `${c}.replicaCount`, o.num(`${c}.replicas`) ?? 1);
    for (const k of ['resources', 'nodeSelector', 'affinity', 'updateStrategy', 'customLivenessProbe', 'customReadinessProbe', 'customStartupProbe']) {
      // An empty map is the peer's "not set": this chart's defaults stay.
      const v = o.map(`${c}.${k}`);
      if (Object.keys(v).length > 0) put(out, `${c}.${k}`, v);
    }
    for (const k of ['tolerations', 'extraVolumes', 'extraVolumeMounts']) {
      const v = o.list(`${c}.${k}`);
      if (v.length > 0) put(out, `${c}.${k}`, v);
    }
    const pc = o.str(`${c}.priorityClassName`);
    if (pc) put(out, `${c}.priorityClassName`, pc);
    const sa = o.map(`${c}.serviceAccount`);
    if (o.changed(`${c}.serviceAccount`)) {
      for (const k of ['create', 'name', 'annotations', 'automountServiceAccountToken']) if (sa[k] !== undefined && sa[k] !== null) put(out, `${c}.serviceAccount.${k}`, sa[k]);
    }
    if (WITH_HPA.has(c) && o.bool(`${c}.autoscaling.enabled`)) {
      put(out, `${c}.autoscaling.enabled`, true);
      put(out, `${c}.autoscaling.minReplicas`, o.num(`${c}.autoscaling.minReplicas`) ?? 1);
      put(out, `${c}.autoscaling.maxReplicas`, o.num(`${c}.autoscaling.maxReplicas`) ?? 100);
      put(out, `${c}.autoscaling.targetCPUUtilizationPercentage`, o.num(`${c}.autoscaling.targetCPUUtilizationPercentage`) ?? 0);
      put(out, `${c}.autoscaling.targetMemoryUtilizationPercentage`, o.num(`${c}.autoscaling.targetMemoryUtilizationPercentage`) ?? 0);
    }
    o.consume(`${c}.autoscaling`);
    if (WITH_PROBES.has(c)) {
      for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        // Probe timings are chart tuning: carried over only when the old file changed them.
        if (!o.changed(`${c}.${p}`)) {
          o.consume(`${c}.${p}`);
          continue;
        }
        const m = o.map(`${c}.${p}`);
        for (const [k, v] of Object.entries(m)) if (v !== null) put(out, `${c}.${p}.${k}`, v);
      }
    }
    extraEnv(c);
    o.cannot(`${c}.podSecurityContext`, `this chart's ${c} security contexts meet Pod Security "restricted" (or baseline where the image needs root); set ${c}.podSecurityContext yourself if you need another`);
    o.cannot(`${c}.containerSecurityContext`, `set ${c}.containerSecurityContext yourself if this chart's default does not fit`);
    o.cannot(`${c}.hostAliases`, 'this chart has no hostAliases');
    o.cannot(`${c}.shareProcessNamespace`, 'this chart has no shareProcessNamespace');
    if (c === 'beat') o.cannot('beat.replicas', 'beat runs one replica');
  }
  if (!o.changed('ssrfProxy.enabled') && !enabled['ssrfProxy']) {
    check('ssrfProxy.enabled', "off as in dify-helm's default, so outgoing requests of api and sandbox are not filtered; this chart's SSRF proxy (ssrfProxy.enabled=true) is recommended");
  }
  // The collaboration websocket and the agents: on and off as in the old release. This chart runs the
  // local sandbox only behind its own SSRF proxy, and the agent backend only with a local sandbox (or E2B).
  put(out, 'apiWebsocket.enabled', o.bool('apiWebsocket.enabled'));
  const agentOn = o.bool('agentBackend.enabled');
  if (agentOn && !o.bool('localSandbox.enabled')) {
    o.report('localSandbox.enabled', 'the agent backend runs its commands in the local sandbox here: the agent backend is left off (set agentBackend.runtime=e2b with agentBackend.e2b.apiKey, or enable both)');
  }
  if (agentOn && !enabled['pluginDaemon']) {
    o.report('agentBackend.enabled', 'the agent backend calls models and tools through the plugin daemon, which is off: the agent backend is left off');
  }
  const agents = agentOn && o.bool('localSandbox.enabled') && Boolean(enabled['pluginDaemon']);
  put(out, 'agentBackend.enabled', agents);
  if (agents) check('agentBackend', 'the agent credentials (API token, server secret key, local sandbox token) are generated anew in the cluster: runs in progress at the move are lost');
  // Only on/off carries over; every other setting of these components is said, never dropped silently.
  for (const a of ['agentBackend', 'localSandbox', 'apiWebsocket']) {
    for (const k of Object.keys(o.map(a))) {
      if (k !== 'enabled') o.cannot(`${a}.${k}`, `not mapped: set ${a}.${k === 'replicas' ? 'replicaCount' : k} in this chart's layout yourself`);
    }
    o.consume(a);
  }

  // Images: only those the old file overrides (the peer's default tags are replaced by this chart's).
  // The agents' images too: a mirror the old release pulled them from must stay in use here.
  const imageOf: Record<string, string[]> = { api: ['api', 'worker', 'beat'], web: ['web'], sandbox: ['sandbox'], pluginDaemon: ['pluginDaemon'], agentBackend: ['agentBackend'], localSandbox: ['localSandbox'] };
  const pullSecrets: Value[] = [];
  for (const [key, comps] of Object.entries(imageOf)) {
    const { registry, repository } = splitImage(o.str(`image.${key}.repository`));
    const tag = o.str(`image.${key}.tag`);
    for (const c of comps) {
      if (o.changed(`image.${key}.repository`)) {
        if (registry) put(out, `${c}.image.registry`, registry);
        put(out, `${c}.image.repository`, repository);
      }
      if (o.changed(`image.${key}.tag`) && tag) put(out, `${c}.image.tag`, tag);
      if (o.changed(`image.${key}.pullPolicy`)) put(out, `${c}.image.pullPolicy`, o.str(`image.${key}.pullPolicy`));
    }
    if (o.changed(`image.${key}.tag`) && tag) check(`image.${key}.tag`, `pinned to ${tag}; this chart is made for Dify 1.17.1 (and its plugin daemon and sandbox): remove the tag from the output unless you mean it`);
    pullSecrets.push(...o.list(`image.${key}.pullSecrets`));
  }
  for (const key of ['proxy', 'ssrfProxy']) {
    for (const k of ['repository', 'tag', 'pullPolicy']) o.cannot(`image.${key}.${k}`, `this chart's ${key} configuration is made for its own unprivileged image; set ${key}.image yourself to a compatible mirror`);
    pullSecrets.push(...o.list(`image.${key}.pullSecrets`));
  }
  if (pullSecrets.length > 0) {
    const seen = new Set<string>();
    put(out, 'global.imagePullSecrets', pullSecrets.filter((s) => isMap(s) && typeof s['name'] === 'string' && !seen.has(s['name']) && seen.add(s['name'])));
  }

  // Scheduling defaults and labels.
  if (Object.keys(o.map('nodeSelector')).length > 0) put(out, 'global.nodeSelector', o.map('nodeSelector'));
  if (Object.keys(o.map('affinity')).length > 0) put(out, 'global.affinity', o.map('affinity'));
  if (o.list('tolerations').length > 0) put(out, 'global.tolerations', o.list('tolerations'));
  if (Object.keys(o.map('labels')).length > 0) put(out, 'commonLabels', o.map('labels'));
  if (Object.keys(o.map('annotations')).length > 0) put(out, 'commonAnnotations', o.map('annotations'));
  o.cannot('extraConfigFiles', "this chart's nginx configuration is generated from the routes table; add locations through routes or proxy settings");

  // Internal keys: from the old Secrets so nothing between the components changes.
  if (enabled['sandbox']) put(out, 'sandbox.apiKey', cred('API_KEY', `${fullname}-sandbox`, 'sandbox'));
  o.consume('sandbox.auth');
  if (enabled['pluginDaemon']) {
    put(out, 'pluginDaemon.serverKey', cred('PLUGIN_DAEMON_KEY'));
    put(out, 'pluginDaemon.innerApiKey', cred('INNER_API_KEY_FOR_PLUGIN'));
  }
  o.consume('pluginDaemon.auth');
  o.consume('api.auth');
  if (o.changed('sandbox.service.port')) put(out, 'sandbox.service.port', o.num('sandbox.service.port') ?? 8194);
  if (o.changed('api.service.port')) put(out, 'api.service.port', o.num('api.service.port') ?? 5001);
  if (o.changed('web.service.port')) put(out, 'web.service.port', o.num('web.service.port') ?? 3000);
  if (o.changed('pluginDaemon.service.ports.daemon')) put(out, 'pluginDaemon.service.port', o.num('pluginDaemon.service.ports.daemon') ?? 5002);
  for (const c of ['api', 'web', 'sandbox', 'pluginDaemon', 'ssrfProxy']) {
    const ann = o.map(`${c}.service.annotations`);
    if (Object.keys(ann).length > 0 && c !== 'ssrfProxy') put(out, `${c}.service.annotations`, ann);
    else if (Object.keys(ann).length > 0) put(out, 'ssrfProxy.service.annotations', ann);
    o.cannot(`${c}.service.labels`, 'this chart has no Service labels per component; use commonLabels');
    o.cannot(`${c}.service.clusterIP`, 'this chart does not pin Service cluster IPs');
  }
  o.consume('sandbox.service.port');
  o.consume('api.service.port');
  o.consume('web.service.port');
  o.cannot('ssrfProxy.service.port', 'set ssrfProxy.port');
  o.cannot('pluginDaemon.service.ports.pluginInstall', 'this chart exposes the remote-install port on the plugin daemon Service as pluginDaemon.service.debuggingPort');
  o.consume('pluginDaemon.service.ports');
  o.consume('web.enableServiceLinks');

  // Mail.
  const mailType = o.str('api.mail.type');
  if (mailType === 'resend' && !o.changed('api.mail.resend.apiKey')) {
    check('api.mail', "dify-helm's default mail settings (resend with a placeholder key) sent no mail; mail stays off (mail.type empty)");
    o.consume('api.mail');
  } else if (mailType === 'resend' || mailType === 'smtp') {
    put(out, 'mail.type', mailType);
    // The sender sits in the ConfigMap, not the Secret; it is no secret, so it is written as a value.
    put(out, 'mail.defaultSendFrom', { value: o.str('api.mail.defaultSender') });
    if (mailType === 'resend') {
      put(out, 'mail.resend.apiUrl', o.str('api.mail.resend.apiUrl'));
      put(out, 'mail.resend.apiKey', cred('RESEND_API_KEY'));
    } else {
      put(out, 'mail.smtp.server', o.str('api.mail.smtp.server'));
      put(out, 'mail.smtp.port', o.num('api.mail.smtp.port') ?? 465);
      put(out, 'mail.smtp.username', o.str('api.mail.smtp.username'));
      put(out, 'mail.smtp.password', cred('SMTP_PASSWORD'));
      put(out, 'mail.smtp.useTls', o.bool('api.mail.smtp.tls.enabled'));
      put(out, 'mail.smtp.opportunisticTls', o.bool('api.mail.smtp.tls.optimistic'));
    }
    o.consume('api.mail');
  } else {
    // dify-helm renders mail settings only for resend and smtp: any other type sent no mail.
    if (mailType) o.report('api.mail.type', `${mailType}: dify-helm configures mail only for resend and smtp, so the old release sent no mail; mail stays off here (set mail.type and mail.${mailType === 'sendgrid' ? 'sendgrid' : '<type>'} yourself)`);
    o.consume('api.mail');
  }

  // Exposure: the nginx Service, Ingress and HTTPRoute.
  put(out, 'proxy.service.type', o.str('service.type') || 'ClusterIP');
  put(out, 'proxy.service.port', o.num('service.port') ?? 80);
  for (const [k, ours] of [['nodePort', 'nodePort'], ['loadBalancerIP', 'loadBalancerIP']] as const) {
    const v = o.get(`service.${k}`);
    if (v !== undefined && v !== null && v !== '') put(out, `proxy.service.${ours}`, typeof v === 'number' ? v : String(v));
  }
  if (o.list('service.loadBalancerSourceRanges').length > 0) put(out, 'proxy.service.loadBalancerSourceRanges', o.list('service.loadBalancerSourceRanges'));
  if (Object.keys(o.map('service.annotations')).length > 0) put(out, 'proxy.service.annotations', o.map('service.annotations'));
  o.cannot('service.clusterIP', 'this chart does not pin Service cluster IPs');
  o.cannot('service.labels', 'this chart has no Service labels; use commonLabels');
  const body = o.str('proxy.clientMaxBodySize');
  put(out, 'proxy.clientMaxBodySize', body || '15m'); // the peer's nginx used 15m when empty
  put(out, 'proxy.workerProcesses', o.str('proxy.workerProcesses') || 'auto');
  o.cannot('proxy.log', 'this chart logs nginx to stdout only');
  o.cannot('ssrfProxy.log', 'this chart logs squid to stdout only');

  if (o.bool('ingress.enabled')) {
    put(out, 'ingress.enabled', true);
    if (o.str('ingress.className')) put(out, 'ingress.className', o.str('ingress.className'));
    if (Object.keys(o.map('ingress.annotations')).length > 0) put(out, 'ingress.annotations', o.map('ingress.annotations'));
    const hosts: string[] = [];
    for (const [i, h] of o.list('ingress.hosts').entries()) {
      if (isMap(h) && typeof h['host'] === 'string') hosts.push(h['host']);
      const paths = isMap(h) ? h['paths'] : undefined;
      const plain = Array.isArray(paths) && paths.length === 1 && isMap(paths[0]) && paths[0]['path'] === '/';
      if (!plain) o.report(`ingress.hosts.${i}.paths`, "this chart's Ingress serves its routes table on every host (the peer sent / to nginx); other paths are not kept");
    }
    put(out, 'ingress.hosts', hosts);
    const tls = o.list('ingress.tls');
    if (tls.length > 0) put(out, 'ingress.tls', tls);
    if (!o.changed('ingress.hosts')) check('ingress.hosts', "dify-example.local is dify-helm's example host: put your own host name here");
  }
  o.consume('ingress');
  if (o.bool('httproute.enabled')) {
    put(out, 'httpRoute.enabled', true);
    put(out, 'httpRoute.parentRefs', o.list('httproute.parentRefs'));
    put(out, 'httpRoute.hostnames', o.list('httproute.hostnames'));
    if (Object.keys(o.map('httproute.annotations')).length > 0) put(out, 'httpRoute.annotations', o.map('httproute.annotations'));
    for (const k of ['apiVersion', 'labels', 'matches', 'filters', 'additionalRules']) o.cannot(`httproute.${k}`, "this chart's HTTPRoute is built from its routes table");
  }
  o.consume('httproute');

  // Database: the first the peer would pick.
  const pgFull = helmFullname(opts.release, 'postgresql', o.str('postgresql.nameOverride'), o.str('postgresql.fullnameOverride'));
  // Bitnami's primary and read-replica names (and dify-helm's DB_HOST) are cut after the suffix.
  const pgPrimary = o.str('postgresql.architecture') === 'replication' ? helmTrunc(`${pgFull}-${o.str('postgresql.primary.name') || 'primary'}`) : pgFull;
  put(out, 'postgresql.enabled', false);
  if (o.bool('externalPostgres.enabled')) {
    put(out, 'externalPostgresql', {
      enabled: true,
      host: o.str('externalPostgres.address'),
      port: o.num('externalPostgres.port') ?? 5432,
      username: cred('DB_USERNAME'),
      password: cred('DB_PASSWORD'),
      database: o.str('externalPostgres.database.api'),
      pluginDatabase: o.str('externalPostgres.database.pluginDaemon'),
    });
    o.consume('externalPostgres');
  } else if (o.bool('externalMysql.enabled')) {
    put(out, 'externalMysql', {
      enabled: true,
      host: o.str('externalMysql.address'),
      port: o.num('externalMysql.port') ?? 3306,
      username: cred('DB_USERNAME'),
      password: cred('DB_PASSWORD'),
      database: o.str('externalMysql.database.api'),
      pluginDatabase: o.str('externalMysql.database.pluginDaemon'),
    });
    o.consume('externalMysql');
  } else if (o.bool('postgresql.enabled')) {
    const database = o.str('postgresql.global.postgresql.auth.database');
    put(out, 'externalPostgresql', {
      enabled: true,
      host: pgPrimary,
      port: 5432,
      username: cred('DB_USERNAME'),
      password: cred('DB_PASSWORD'),
      database,
      // With its bundled PostgreSQL the peer's plugin daemon shares Dify's database.
      pluginDatabase: database,
    });
    o.consume('postgresql.global.postgresql.auth');
    const claim = o.str('postgresql.primary.persistence.existingClaim');
    const pvcs = [claim || `data-${pgPrimary}-0`];
    if (o.str('postgresql.architecture') === 'replication') {
      const n = o.num('postgresql.readReplicas.replicaCount') ?? 1;
      const read = helmTrunc(`${pgFull}-${o.str('postgresql.readReplicas.name') || 'read'}`);
      for (let i = 0; i < n; i++) pvcs.push(`data-${read}-${i}`);
    }
    if (o.bool('postgresql.primary.persistence.enabled')) dataNote.push(`PostgreSQL (Bitnami, Service ${pgPrimary}): PVC ${pvcs.join(', ')} (the first holds the data)`);
    else dataNote.push(`PostgreSQL (Bitnami, Service ${pgPrimary}): no PVC (postgresql.primary.persistence.enabled=false): the data lives only as long as its pod; dump it now`);
  } else {
    o.report('postgresql.enabled', 'no database in the old values (postgresql, externalPostgres and externalMysql all off)');
  }
  o.consume('externalPostgres.enabled');
  o.consume('externalMysql.enabled');
  o.consume('postgresql.enabled');
  restOf(o, 'postgresql', OLD_STORE);

  // Redis.
  // Bitnami Redis 16 appends -master, -replicas, -node and -headless to its fullname uncut, as dify-helm does.
  const redisFull = helmFullname(opts.release, 'redis', o.str('redis.nameOverride'), o.str('redis.fullnameOverride'));
  put(out, 'redis.enabled', false);
  const sentinelCommon = (nodes: string[], masterName: string, password: ValueMap | undefined): ValueMap => {
    check('externalRedis.sentinel.eventBusUrl', `Dify 1.17 needs a plain redis:// URL for pub/sub next to Sentinel: create Secret ${newSecret} with key EVENT_BUS_REDIS_URL (redis://:<password>@<current master>:6379/0)`);
    if (agents) {
      check('agentBackend.redisUrl', `the agent backend takes one plain redis:// URL, not Sentinel: create Secret ${newSecret} with key DIFY_AGENT_REDIS_URL (redis://:<password>@<current master>:6379/2)`);
      put(out, 'agentBackend.redisUrl', fromSecret(newSecret, 'DIFY_AGENT_REDIS_URL'));
    }
    return { enabled: true, nodes, masterName, ...(password ? { password } : {}), eventBusUrl: fromSecret(newSecret, 'EVENT_BUS_REDIS_URL') };
  };
  if (o.bool('externalRedis.enabled')) {
    const r: ValueMap = {
      enabled: true,
      host: o.str('externalRedis.host'),
      port: o.num('externalRedis.port') ?? 6379,
      password: cred('REDIS_PASSWORD'),
      useSsl: o.bool('externalRedis.useSSL'),
      db: o.num('externalRedis.db.app') ?? 0,
      celeryDb: o.num('externalRedis.db.celery') ?? 1,
    };
    if (o.str('externalRedis.username')) r['username'] = { value: o.str('externalRedis.username') };
    if (o.bool('externalRedis.sentinel.enabled')) {
      const nodes = o.list('externalRedis.sentinel.sentinels').map(String);
      r['sentinel'] = sentinelCommon(nodes, o.str('externalRedis.sentinel.masterSet'), o.str('externalRedis.sentinel.password') ? cred('REDIS_SENTINEL_PASSWORD') : undefined);
    }
    put(out, 'externalRedis', r);
    // The agent backend's own database on the same Redis (ours defaults to 2, as dify-helm's).
    if (agents && o.num('externalRedis.db.agent') !== undefined) put(out, 'agentBackend.redisDb', o.num('externalRedis.db.agent')!);
    o.consume('externalRedis');
  } else if (o.bool('redis.enabled')) {
    const r: ValueMap = { enabled: true, password: cred('REDIS_PASSWORD'), useSsl: o.bool('redis.tls.enabled'), db: 0, celeryDb: 1 };
    const pvcs: string[] = [];
    if (o.bool('redis.sentinel.enabled')) {
      const n = o.num('redis.replica.replicaCount') ?? 3;
      const port = o.num('redis.sentinel.service.ports.sentinel') ?? 26379;
      const nodes = Array.from({ length: n }, (_, i) => `${redisFull}-node-${i}.${redisFull}-headless:${port}`);
      r['host'] = `${redisFull}`;
      r['sentinel'] = sentinelCommon(nodes, o.str('redis.sentinel.masterSet'), cred('REDIS_SENTINEL_PASSWORD'));
      for (let i = 0; i < n; i++) pvcs.push(`redis-data-${redisFull}-node-${i}`);
    } else {
      r['host'] = `${redisFull}-master`;
      r['port'] = o.num('redis.master.service.ports.redis') ?? 6379;
      pvcs.push(`redis-data-${redisFull}-master-0`);
      if (o.str('redis.architecture') === 'replication') {
        const n = o.num('redis.replica.replicaCount') ?? 3;
        for (let i = 0; i < n; i++) pvcs.push(`redis-data-${redisFull}-replicas-${i}`);
      }
    }
    put(out, 'externalRedis', r);
    dataNote.push(`Redis (Bitnami, ${String(r['host'])}): PVC ${pvcs.join(', ')}; it holds caches, sessions and Celery queues only: nothing to move once the old workers drained their queues`);
  } else {
    o.report('redis.enabled', 'no Redis in the old values (redis and externalRedis both off)');
  }
  o.consume('externalRedis.enabled');
  o.consume('redis.enabled');
  restOf(o, 'redis', OLD_STORE);

  mapStorage(o, out, cred, check, fullname, enabled['pluginDaemon'] === true, dataNote);
  mapVectorStore(o, out, cred, dataNote);

  // Leftovers: every key the file sets that nothing above read.
  const unmapped = [...o.unmapped, ...o.leftovers(PEER)];
  dataNote.push(
    `install the output as a new release in the same namespace next to the old one (not as an upgrade of it: that would delete the Secrets and StatefulSets this output reads), after scaling the old release's Deployments to 0: kubectl scale deploy -l app.kubernetes.io/instance=${opts.release} --replicas=0`,
    `the old release's Secrets (${apiSecret}${enabled['sandbox'] ? `, ${fullname}-sandbox` : ''}) and stores stay in use: copy the Secrets under new names before you ever run helm uninstall ${opts.release}`,
    'to move the data into this chart later: pg_dump the old database and restore it into this chart\'s postgresql (postgresql.enabled=true), let Weaviate re-index (or use its backup module), and copy files with kubectl cp or a Job mounting both claims; then drop the external settings',
  );
  return { values: out, unmapped, checks, dataNote };

  function extraEnv(c: Comp): void {
    const list = o.list(`${c}.extraEnv`);
    const keep: Value[] = [];
    for (const e of list) {
      if (!isMap(e) || typeof e['name'] !== 'string') {
        keep.push(e);
        continue;
      }
      const v = e['value'];
      const plain = typeof v === 'string' && e['valueFrom'] === undefined;
      if (c === 'api' && e['name'] === 'CHECK_UPDATE_URL' && plain) put(out, 'dify.checkUpdateUrl', v);
      else if (c === 'sandbox' && e['name'] === 'WORKER_TIMEOUT' && plain && /^[0-9]+$/.test(v)) put(out, 'sandbox.workerTimeout', Number(v));
      else keep.push(e);
    }
    const level = ['worker', 'beat'].includes(c) && o.changed(`${c}.logLevel`) ? o.str(`${c}.logLevel`) : '';
    if (level) keep.push({ name: 'LOG_LEVEL', value: level });
    o.consume(`${c}.logLevel`);
    if (keep.length > 0) put(out, `${c}.extraEnv`, keep);
  }
}

type Cred = (env: string, secret?: string, comp?: string) => ValueMap;

/** A value of a mapped object store: a peer string (`path`) or flag, or a credential from the peer's Secret (`cred`) or ConfigMap. */
export type StoreField = { path: string } | { flag: string } | { cred: string } | { configMap: string };

/**
 * dify-helm's object stores (a section each, paths relative to it) and this chart's: storage.type,
 * the storage.<key> map and its fields, and where the plugin daemon's bucket comes from (a path,
 * or `noDriver`: the daemon cannot use that store). The first section enabled wins, as in the peer.
 */
export const OBJECT_STORES: Record<string, { type: string; key: string; fields: Record<string, StoreField>; plugin: string }> = {
  externalS3: {
    type: 's3',
    key: 's3',
    fields: {
      endpoint: { path: 'endpoint' },
      region: { path: 'region' },
      bucket: { path: 'bucketName.api' },
      pathStyle: { flag: 'pathStyle' },
      useIam: { flag: 'useIAM' },
      accessKey: { cred: 'S3_ACCESS_KEY' },
      secretKey: { cred: 'S3_SECRET_KEY' },
    },
    plugin: 'bucketName.pluginDaemon',
  },
  externalAzureBlobStorage: {
    type: 'azure-blob',
    key: 'azureBlob',
    fields: { accountName: { path: 'account' }, accountUrl: { path: 'url' }, containerName: { path: 'container' }, accountKey: { cred: 'AZURE_BLOB_ACCOUNT_KEY' } },
    plugin: 'container',
  },
  externalOSS: {
    type: 'aliyun-oss',
    key: 'aliyunOss',
    fields: {
      bucket: { path: 'bucketName.api' },
      endpoint: { path: 'endpoint' },
      region: { path: 'region' },
      authVersion: { path: 'authVersion' },
      path: { path: 'path' },
      accessKey: { cred: 'ALIYUN_OSS_ACCESS_KEY' },
      secretKey: { cred: 'ALIYUN_OSS_SECRET_KEY' },
    },
    plugin: 'bucketName.pluginDaemon',
  },
  externalGCS: {
    type: 'google-storage',
    key: 'googleStorage',
    fields: { bucket: { path: 'bucketName.api' }, serviceAccountJsonBase64: { cred: 'GOOGLE_STORAGE_SERVICE_ACCOUNT_JSON_BASE64' } },
    plugin: 'noDriver',
  },
  externalCOS: {
    type: 'tencent-cos',
    key: 'tencentCos',
    fields: { bucket: { path: 'bucketName.api' }, region: { path: 'region' }, scheme: { path: 'scheme' }, secretId: { configMap: 'TENCENT_COS_SECRET_ID' }, secretKey: { cred: 'TENCENT_COS_SECRET_KEY' } },
    plugin: 'bucketName.pluginDaemon',
  },
  externalOBS: {
    type: 'huawei-obs',
    key: 'huaweiObs',
    fields: { bucket: { path: 'bucketName.api' }, server: { path: 'endpoint' }, accessKey: { cred: 'HUAWEI_OBS_ACCESS_KEY' }, secretKey: { cred: 'HUAWEI_OBS_SECRET_KEY' } },
    plugin: 'noDriver',
  },
  externalTOS: {
    type: 'volcengine-tos',
    key: 'volcengineTos',
    fields: {
      bucket: { path: 'bucketName.api' },
      endpoint: { path: 'endpoint' },
      region: { path: 'region' },
      accessKey: { configMap: 'VOLCENGINE_TOS_ACCESS_KEY' },
      secretKey: { cred: 'VOLCENGINE_TOS_SECRET_KEY' },
    },
    plugin: 'bucketName.pluginDaemon',
  },
};

function mapStorage(o: OldValues, out: ValueMap, cred: Cred, check: (p: string, w: string) => void, fullname: string, pluginDaemon: boolean, dataNote: string[]): void {
  const configMapCopy = (env: string): ValueMap => {
    const secret = `${fullname}-migrated`;
    check(
      env,
      `dify-helm keeps ${env} in ConfigMap ${fullname}-api, and this chart reads credentials only from Secrets: kubectl create secret generic ${secret} --from-literal=${env}="$(kubectl get configmap ${fullname}-api -o jsonpath='{.data.${env}}')"`,
    );
    return fromSecret(secret, env);
  };
  let pluginObject = '';
  // The peer sent the plugin daemon to these stores when given a plugin bucket, but the daemon has
  // no driver for them: its plugins go on a new claim of this chart (without one, on the old claim).
  let newPluginClaim = false;
  const chosen = Object.keys(OBJECT_STORES).find((s) => o.bool(`${s}.enabled`));
  const store = chosen === undefined ? undefined : OBJECT_STORES[chosen];
  if (chosen !== undefined && store !== undefined) {
    const { type, key, fields, plugin } = store;
    const value = (f: StoreField): Value => {
      if ('path' in f) return o.str(`${chosen}.${f.path}`);
      if ('flag' in f) return o.bool(`${chosen}.${f.flag}`);
      return 'cred' in f ? cred(f.cred) : configMapCopy(f.configMap);
    };
    // S3 with IAM (the pod's role) has no keys to carry over.
    const iam = chosen === 'externalS3' && o.bool('externalS3.useIAM');
    const mapped: ValueMap = {};
    for (const [name, f] of Object.entries(fields)) if (!(iam && 'cred' in f)) mapped[name] = value(f);
    put(out, 'storage.type', type);
    put(out, `storage.${key}`, mapped);
    if (plugin !== 'noDriver') {
      // The peer's plugin daemon used its own bucket, or (Azure) always the container.
      pluginObject = o.str(`${chosen}.${plugin}`);
    } else if (o.str(`${chosen}.bucketName.pluginDaemon`) && pluginDaemon) {
      newPluginClaim = true;
      o.report(`${chosen}.bucketName.pluginDaemon`, `the plugin daemon has no ${type} driver, so this chart keeps plugins on a new PVC: reinstall them after the move`);
    }
  } else {
    // Files on the peer's PVC: this chart mounts the same claim.
    // dify-helm names its claims `<name> | trunc 58` (no trimSuffix).
    const claim = o.str('api.persistence.persistentVolumeClaim.existingClaim') || fullname.slice(0, 58);
    put(out, 'storage.type', 'local');
    put(out, 'storage.local.existingClaim', claim);
    const modes = o.str('api.persistence.persistentVolumeClaim.accessModes');
    if (modes) put(out, 'storage.local.accessModes', [modes]);
    dataNote.push(`uploaded files: PVC ${claim}, mounted by this chart as storage.local.existingClaim (the files stay where they are)`);
    o.cannot('api.persistence.mountPath', 'this chart mounts the file storage at /app/api/storage');
    o.cannot('api.persistence.persistentVolumeClaim.subPath', 'this chart mounts the whole claim');
  }
  for (const s of Object.keys(OBJECT_STORES)) o.consume(s);
  o.consume('api.persistence');
  if (pluginDaemon) {
    if (pluginObject) {
      put(out, 'pluginDaemon.storage', { type: 'objectStorage', bucket: pluginObject });
    } else if (newPluginClaim) {
      dataNote.push('installed plugins: on a new PVC of this chart; reinstall them from the marketplace');
    } else {
      const claim = o.str('pluginDaemon.persistence.persistentVolumeClaim.existingClaim') || `${fullname}-plugin-daemon`.slice(0, 58);
      put(out, 'pluginDaemon.persistence.existingClaim', claim);
      const modes = o.str('pluginDaemon.persistence.persistentVolumeClaim.accessModes');
      if (modes) put(out, 'pluginDaemon.persistence.accessModes', [modes]);
      dataNote.push(`installed plugins: PVC ${claim}, mounted by this chart as pluginDaemon.persistence.existingClaim`);
      o.cannot('pluginDaemon.persistence.mountPath', 'this chart mounts the plugin storage at /app/storage');
      o.cannot('pluginDaemon.persistence.persistentVolumeClaim.subPath', 'this chart mounts the whole claim');
    }
  }
  o.consume('pluginDaemon.persistence');
}

function mapVectorStore(o: OldValues, out: ValueMap, cred: Cred, dataNote: string[]): void {
  const grpc = (s: string): string => (s === '' || /^grpcs?:\/\//.test(s) ? s : `grpc://${s}`);
  put(out, 'weaviate.enabled', false);
  const pick = ['externalWeaviate', 'externalQdrant', 'externalMilvus', 'externalPgvector', 'externalTencentVectorDB', 'externalMyScaleDB', 'externalTableStore', 'externalElasticsearch'].find((s) =>
    o.bool(`${s}.enabled`),
  );
  const secretIf = (path: string, env: string): ValueMap | undefined => (o.str(path) ? cred(env) : undefined);
  const strip = (m: Record<string, Value | undefined>): ValueMap => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as ValueMap;
  switch (pick) {
    case 'externalWeaviate':
      put(out, 'vectorStore', { type: 'weaviate', weaviate: { endpoint: o.str('externalWeaviate.endpoint.http'), grpcEndpoint: grpc(o.str('externalWeaviate.endpoint.grpc')), apiKey: cred('WEAVIATE_API_KEY') } });
      break;
    case 'externalQdrant':
      put(out, 'vectorStore', { type: 'qdrant', qdrant: { url: o.str('externalQdrant.endpoint'), apiKey: cred('QDRANT_API_KEY') } });
      o.cannot('externalQdrant.timeout', 'this chart sets QDRANT_CLIENT_TIMEOUT itself');
      o.cannot('externalQdrant.grpc', 'this chart sets QDRANT_GRPC_ENABLED itself');
      break;
    case 'externalMilvus':
      put(out, 'vectorStore', {
        type: 'milvus',
        milvus: strip({
          uri: o.str('externalMilvus.uri'),
          database: o.str('externalMilvus.database'),
          user: o.str('externalMilvus.user'),
          password: secretIf('externalMilvus.password', 'MILVUS_PASSWORD'),
          token: secretIf('externalMilvus.token', 'MILVUS_TOKEN'),
        }),
      });
      break;
    case 'externalPgvector':
      put(out, 'vectorStore', {
        type: 'pgvector',
        pgvector: { host: o.str('externalPgvector.address'), port: o.num('externalPgvector.port') ?? 5432, user: o.str('externalPgvector.username'), database: o.str('externalPgvector.dbName'), password: cred('PGVECTOR_PASSWORD') },
      });
      break;
    case 'externalTencentVectorDB':
      put(out, 'vectorStore', {
        type: 'tencent',
        tencent: {
          url: o.str('externalTencentVectorDB.url'),
          username: o.str('externalTencentVectorDB.username'),
          database: o.str('externalTencentVectorDB.database'),
          apiKey: cred('TENCENT_VECTOR_DB_API_KEY'),
          timeout: o.num('externalTencentVectorDB.timeout') ?? 30,
          shard: o.num('externalTencentVectorDB.shard') ?? 1,
          replicas: o.num('externalTencentVectorDB.replicas') ?? 2,
        },
      });
      break;
    case 'externalMyScaleDB':
      put(out, 'vectorStore', {
        type: 'myscale',
        myscale: {
          host: o.str('externalMyScaleDB.host'),
          port: o.num('externalMyScaleDB.port') ?? 8123,
          user: o.str('externalMyScaleDB.username'),
          password: cred('MYSCALE_PASSWORD'),
          database: o.str('externalMyScaleDB.database'),
          ftsParams: o.str('externalMyScaleDB.ftsParams'),
        },
      });
      break;
    case 'externalTableStore':
      put(out, 'vectorStore', {
        type: 'tablestore',
        tablestore: {
          endpoint: o.str('externalTableStore.endpoint'),
          instanceName: o.str('externalTableStore.instanceName'),
          accessKeyId: cred('TABLESTORE_ACCESS_KEY_ID'),
          accessKeySecret: cred('TABLESTORE_ACCESS_KEY_SECRET'),
        },
      });
      break;
    case 'externalElasticsearch':
      put(out, 'vectorStore', {
        type: 'elasticsearch',
        elasticsearch: strip({
          host: o.str('externalElasticsearch.host'),
          port: o.num('externalElasticsearch.port') ?? 9200,
          username: secretIf('externalElasticsearch.username', 'ELASTICSEARCH_USERNAME'),
          password: secretIf('externalElasticsearch.password', 'ELASTICSEARCH_PASSWORD'),
        }),
      });
      break;
    default:
      if (o.bool('weaviate.enabled')) {
        const name = o.str('weaviate.service.name') || 'weaviate';
        const grpcOn = o.bool('weaviate.grpcService.enabled');
        const ports = o.list('weaviate.grpcService.ports');
        const first = ports[0];
        const port = isMap(first) && typeof first['port'] === 'number' ? first['port'] : 50051;
        // The old Secret holds WEAVIATE_API_KEY only while weaviate.authentication.apikey is a
        // non-empty map (under ESO: while the api's remoteRefs name it); without it, no key.
        const eso = o.bool('externalSecret.enabled') && o.bool('externalSecret.api.enabled');
        const keyed = eso ? isMap(o.get(['externalSecret', 'api', 'remoteRefs', 'WEAVIATE_API_KEY'])) : Object.keys(o.map('weaviate.authentication.apikey')).length > 0;
        put(out, 'vectorStore', {
          type: 'weaviate',
          weaviate: {
            endpoint: `http://${name}`,
            grpcEndpoint: grpcOn ? `grpc://${o.str('weaviate.grpcService.name')}:${port}` : `grpc://${name}:50051`,
            ...(keyed ? { apiKey: cred('WEAVIATE_API_KEY') } : {}),
          },
        });
        const n = o.num('weaviate.replicas') ?? 1;
        dataNote.push(`Weaviate (weaviate chart, Service ${name}): PVC ${Array.from({ length: n }, (_, i) => `weaviate-data-weaviate-${i}`).join(', ')}`);
      } else {
        o.report('weaviate.enabled', 'no vector store in the old values; this chart runs its own Weaviate');
        put(out, 'weaviate.enabled', true);
      }
  }
  for (const s of ['externalWeaviate', 'externalQdrant', 'externalMilvus', 'externalPgvector', 'externalTencentVectorDB', 'externalMyScaleDB', 'externalTableStore', 'externalElasticsearch']) o.consume(s);
  o.consume('weaviate.enabled');
  restOf(o, 'weaviate', OLD_STORE);
}

/** Every key under `prefix` the file changes and nothing read: one unmapped line each. */
function restOf(o: OldValues, prefix: string, why: string): void {
  const walk = (v: Value | undefined, p: string[]): void => {
    if (isMap(v) && Object.keys(v).length > 0) {
      for (const [k, c] of Object.entries(v)) walk(c, [...p, k]);
      return;
    }
    if (!o.leftovers('').some((l) => l.path === p.join('.'))) return; // read by a mapping
    o.cannot(p, why);
  };
  walk(o.user[prefix], [prefix]);
  o.consume(prefix);
}
