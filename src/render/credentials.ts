/**
 * Which credentials a render generated, by their values paths: what the CLI's note names (a
 * count of `randAlphaNum` calls says nothing: the chart draws again at every use of a
 * credential, for the Secret and for each pod's checksum).
 */
import type { Manifest } from './manifests.js';

/**
 * The chart Secret's data keys that the shipped chart generates when empty, and the credential
 * (values path) each comes from. A key is generated only with its in-cluster component enabled
 * (`"gen"` is 0 otherwise), so each has one path (test/chart/secrets.test.ts holds this table to
 * the templates' `dify.credData` calls).
 */
export const GENERATED_CREDENTIALS: Readonly<Record<string, string>> = {
  SECRET_KEY: 'dify.secretKey',
  DB_PASSWORD: 'postgresql.auth.password',
  REDIS_PASSWORD: 'redis.auth.password',
  CODE_EXECUTION_API_KEY: 'sandbox.apiKey',
  PLUGIN_DAEMON_KEY: 'pluginDaemon.serverKey',
  PLUGIN_DIFY_INNER_API_KEY: 'pluginDaemon.innerApiKey',
  S3_ACCESS_KEY: 'minio.auth.rootUser',
  S3_SECRET_KEY: 'minio.auth.rootPassword',
  WEAVIATE_API_KEY: 'vectorStore.weaviate.apiKey',
  QDRANT_API_KEY: 'vectorStore.qdrant.apiKey',
};

/** A `data:`/`stringData:` line of a Secret: `  KEY: value`. */
const DATA_LINE = /^ +([-._a-zA-Z0-9]+): *"?([A-Za-z0-9+/=]+)"?$/gm;

/**
 * The credentials whose value in a rendered Secret is one `randAlphaNum` drew in this render (as
 * base64 in `data`, or as is), in the order the Secrets list them: values paths for the shipped
 * chart's keys, `Secret <name> key <KEY>` for any other chart's.
 */
export function generatedCredentials(manifests: Manifest[], drawn: ReadonlySet<string>): string[] {
  if (drawn.size === 0) return [];
  const encoded = new Set([...drawn].map((s) => Buffer.from(s, 'utf8').toString('base64')));
  const found = new Set<string>();
  for (const m of manifests) {
    if (m.kind !== 'Secret') continue;
    for (const [, key, value] of m.content.matchAll(DATA_LINE)) {
      if (!encoded.has(value!) && !drawn.has(value!)) continue;
      const name = /^metadata:\n(?: .*\n)*? {2}name: "?([^"\n]+)"?$/m.exec(m.content)?.[1] ?? '';
      found.add(GENERATED_CREDENTIALS[key!] ?? `Secret ${name} key ${key!}`);
    }
  }
  return [...found];
}

/** The CLI's one-line note naming the credentials a render generated. */
export function generatedNote(credentials: string[]): string {
  return (
    `note: generated for this render, different on the next one: ${credentials.join(', ')}; ` +
    `pin each as <path>.value in a values file or use existingSecret (see README "Secrets"), render with --lookup to keep the ones in the cluster, or install with helm`
  );
}
