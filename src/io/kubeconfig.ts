/**
 * The namespace Helm uses when `-n` is not given: EnvSettings.Namespace through client-go's
 * deferred loader. HELM_NAMESPACE when set; else the namespace of the kubeconfig's current context
 * (HELM_KUBECONTEXT names another), "default" when it has none; when no kubeconfig is usable and
 * the process runs in a pod, the pod's namespace (POD_NAMESPACE, else the service account's);
 * else "default", as Helm falls back to it whenever client-go reports an error.
 *
 * The kubeconfig is KUBECONFIG's files merged as client-go merges them (the first file to name a
 * context, cluster or user, or to set the current context, wins; a missing file is skipped), or
 * ~/.kube/config. "Usable" is client-go's ConfirmUsable (v0.36) for the parts that decide it in
 * practice: the context exists, and its cluster's and user's files can be read (below).
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';

type Entry = Record<string, unknown>;

interface Merged {
  current: string;
  contexts: Map<string, Entry>;
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A field of an entry's inner object (`{name, context: {...}}`), "" when absent or not text. */
function inner(entry: Entry | undefined, part: string, field: string): string {
  const v = (entry?.[part] as Entry | undefined)?.[field];
  return typeof v === 'string' ? v : '';
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The merged kubeconfig; throws where client-go's loader fails (a file it cannot parse). */
function load(env: NodeJS.ProcessEnv): Merged {
  const files = env['KUBECONFIG'] ? env['KUBECONFIG'].split(delimiter).filter((f) => f !== '') : [join(homedir(), '.kube', 'config')];
  const merged: Merged = { current: '', contexts: new Map(), clusters: new Map(), users: new Map() };
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const doc: unknown = parse(text);
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: not a kubeconfig`);
    const config = doc as Entry;
    if (!merged.current && typeof config['current-context'] === 'string') merged.current = config['current-context'];
    for (const [key, into] of [['contexts', merged.contexts], ['clusters', merged.clusters], ['users', merged.users]] as const) {
      const list = config[key];
      if (!Array.isArray(list)) continue;
      for (const e of list) {
        const name = (e as Entry | null)?.['name'];
        if (typeof name === 'string' && !into.has(name)) into.set(name, e as Entry);
      }
    }
  }
  return merged;
}

/** The in-cluster namespace when client-go would use it (running in a pod), else undefined. */
function inClusterNamespace(env: NodeJS.ProcessEnv): string | undefined {
  let token;
  try {
    token = statSync(join(SERVICE_ACCOUNT, 'token'));
  } catch {
    return undefined;
  }
  if (!env['KUBERNETES_SERVICE_HOST'] || !env['KUBERNETES_SERVICE_PORT'] || token.isDirectory()) return undefined;
  if (env['POD_NAMESPACE']) return env['POD_NAMESPACE'];
  try {
    const ns = readFileSync(join(SERVICE_ACCOUNT, 'namespace'), 'utf8').trim();
    if (ns) return ns;
  } catch {
    // none: client-go says "default"
  }
  return 'default';
}

/**
 * Whether client-go's ConfirmUsable passes the context's cluster and user (a missing cluster or
 * server is filled from ClusterDefaults, so it passes): files it names are readable, no file is
 * given beside its inline data, a client certificate has its key, an exec plugin its command.
 */
function usable(cluster: Entry | undefined, user: Entry | undefined): boolean {
  const c = (field: string): string => inner(cluster, 'cluster', field);
  const u = (field: string): string => inner(user, 'user', field);
  if (c('certificate-authority') && (c('certificate-authority-data') || !readable(c('certificate-authority')))) return false;
  if (u('client-certificate') || u('client-certificate-data')) {
    if (u('client-certificate') && u('client-certificate-data')) return false;
    if (u('client-key') && u('client-key-data')) return false;
    if (!u('client-key') && !u('client-key-data')) return false;
    if ([u('client-certificate'), u('client-key')].some((f) => f !== '' && !readable(f))) return false;
  }
  const exec = (user?.['user'] as Entry | undefined)?.['exec'] as Entry | undefined;
  if (exec && (typeof exec['command'] !== 'string' || !exec['command'] || typeof exec['apiVersion'] !== 'string' || !exec['apiVersion'])) return false;
  return true;
}

export function helmNamespace(env: NodeJS.ProcessEnv = process.env): string {
  if (env['HELM_NAMESPACE']) return env['HELM_NAMESPACE'];
  let config: Merged;
  try {
    config = load(env);
  } catch {
    return 'default';
  }
  const name = env['HELM_KUBECONTEXT'] || config.current;
  const context = config.contexts.get(name);
  if (name && !context) return 'default';
  const cluster = config.clusters.get(inner(context, 'context', 'cluster'));
  const user = config.users.get(inner(context, 'context', 'user'));
  if (!usable(cluster, user)) return 'default';
  // A context without a namespace means "default", which a pod's own namespace replaces.
  return inner(context, 'context', 'namespace') || inClusterNamespace(env) || 'default';
}
