/**
 * The namespace Helm uses when `-n` is not given: EnvSettings.Namespace through client-go's
 * deferred loader. HELM_NAMESPACE when set; else the namespace of the kubeconfig's current context
 * (HELM_KUBECONTEXT names another), "default" when it has none; when no kubeconfig is usable and
 * the process runs in a pod, the pod's namespace (POD_NAMESPACE, else the service account's);
 * else "default", as Helm falls back to it whenever client-go reports an error.
 *
 * The kubeconfig is KUBECONFIG's files merged as client-go merges them (the first file to name a
 * context, cluster or user, or to set the current context, wins; a missing file is skipped), or
 * ~/.kube/config, each read as go-yaml v2 reads it and held to the Config's field types (a field of
 * another type, a name given twice in a list: client-go fails, and Helm says "default"). "Usable" is client-go's ConfirmUsable (v0.36) for the parts that decide it in
 * practice: the context exists, and its cluster's and user's files can be read (below).
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseGoYaml } from '../values/load.js';
import { isMap, type Value, type ValueMap } from '../values/types.js';

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

/** A kubeconfig field's JSON kind: text, base64 text, a boolean, a list of text, an object, a list. */
type Kind = 's' | 'b64' | 'b' | 'ss' | 'o' | 'l';
const CLUSTER: Record<string, Kind> = {
  server: 's', 'tls-server-name': 's', 'insecure-skip-tls-verify': 'b', 'certificate-authority': 's', 'certificate-authority-data': 'b64',
  'proxy-url': 's', 'disable-compression': 'b', extensions: 'l',
};
const USER: Record<string, Kind> = {
  'client-certificate': 's', 'client-certificate-data': 'b64', 'client-key': 's', 'client-key-data': 'b64', token: 's', tokenFile: 's',
  as: 's', 'as-uid': 's', 'as-groups': 'ss', 'as-user-extra': 'o', username: 's', password: 's', 'auth-provider': 'o', exec: 'o', extensions: 'l',
};
const CONTEXT: Record<string, Kind> = { cluster: 's', user: 's', namespace: 's', extensions: 'l' };
const EXEC: Record<string, Kind> = { command: 's', args: 'ss', env: 'l', apiVersion: 's', installHint: 's', provideClusterInfo: 'b', interactiveMode: 's' };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Whether `v` decodes as client-go's typed config decodes it (keys match exactly; unknown keys are ignored). */
function typed(v: Value | undefined, kinds: Record<string, Kind>): boolean {
  if (v === undefined || v === null) return true;
  if (!isMap(v)) return false;
  return Object.entries(kinds).every(([k, kind]) => {
    const f = Object.hasOwn(v, k) ? v[k] : null;
    if (f === null || f === undefined) return true;
    switch (kind) {
      case 's':
        return typeof f === 'string';
      case 'b64':
        return typeof f === 'string' && BASE64.test(f);
      case 'b':
        return typeof f === 'boolean';
      case 'ss':
        return Array.isArray(f) && f.every((e) => e === null || typeof e === 'string');
      case 'o':
        return isMap(f);
      case 'l':
        return Array.isArray(f);
    }
  });
}

/** A file's named entries (`clusters`, ...) checked as client-go reads them: typed, named once. */
function entries(config: ValueMap, key: string, part: string, kinds: Record<string, Kind>): Entry[] {
  const list = config[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error(`${key} is not a list`);
  const names = new Set<string>();
  return list.map((e) => {
    if (!isMap(e) || (e['name'] !== undefined && e['name'] !== null && typeof e['name'] !== 'string') || !typed(e[part], kinds)) throw new Error(`bad ${key} entry`);
    if (part === 'user' && isMap(e['user']) && !typed(e['user']['exec'], EXEC)) throw new Error('bad exec');
    const name = typeof e['name'] === 'string' ? e['name'] : '';
    if (names.has(name)) throw new Error(`duplicate name ${name}`);
    names.add(name);
    return e as Entry;
  });
}

/** The merged kubeconfig; throws where client-go's loader fails (a file it cannot read as a Config). */
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
    const doc = parseGoYaml(text, file);
    if (doc === null) continue;
    if (!isMap(doc)) throw new Error(`${file}: not a kubeconfig`);
    const current = doc['current-context'];
    if (current !== undefined && current !== null && typeof current !== 'string') throw new Error('current-context is not text');
    if (!merged.current && typeof current === 'string') merged.current = current;
    for (const [key, part, kinds, into] of [
      ['contexts', 'context', CONTEXT, merged.contexts],
      ['clusters', 'cluster', CLUSTER, merged.clusters],
      ['users', 'user', USER, merged.users],
    ] as const) {
      for (const e of entries(doc, key, part, kinds)) {
        const name = typeof e['name'] === 'string' ? e['name'] : '';
        if (!into.has(name)) into.set(name, e);
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
 * Whether client-go's ConfirmUsable passes the context's cluster and user (validateClusterInfo,
 * validateAuthInfo; a missing cluster or server is filled from ClusterDefaults, so it passes):
 * files it names are readable, no file is given beside its inline data, a client certificate has
 * its key, one way to authenticate, an exec plugin complete, a proxy URL of a known scheme.
 * Not checked: an exec plugin's pluginPolicy.
 */
function usable(cluster: Entry | undefined, user: Entry | undefined): boolean {
  const c = (field: string): string => inner(cluster, 'cluster', field);
  const u = (field: string): string => inner(user, 'user', field);
  if (c('certificate-authority') && (c('certificate-authority-data') || !readable(c('certificate-authority')))) return false;
  if (c('proxy-url') && !/^(?:https?|socks5):/.test(c('proxy-url'))) return false;
  if (u('client-certificate') || u('client-certificate-data')) {
    if (u('client-certificate') && u('client-certificate-data')) return false;
    if (u('client-key') && u('client-key-data')) return false;
    if (!u('client-key') && !u('client-key-data')) return false;
    if ([u('client-certificate'), u('client-key')].some((f) => f !== '' && !readable(f))) return false;
  }
  if (u('token') && (u('username') || u('password'))) return false;
  const info = (user?.['user'] ?? {}) as Entry;
  const impersonates = u('as-uid') || (Array.isArray(info['as-groups']) && info['as-groups'].length > 0) || (isMap(info['as-user-extra'] as Value) && Object.keys(info['as-user-extra'] as object).length > 0);
  if (impersonates && !u('as')) return false;
  const exec = info['exec'] as Entry | undefined;
  if (exec) {
    if (info['auth-provider'] || !exec['command'] || !exec['apiVersion']) return false;
    if (Array.isArray(exec['env']) && exec['env'].some((e) => !isMap(e as Value) || !(e as Entry)['name'])) return false;
    // Defaulted to IfAvailable for the two old API versions only.
    const legacy = exec['apiVersion'] === 'client.authentication.k8s.io/v1beta1' || exec['apiVersion'] === 'client.authentication.k8s.io/v1alpha1';
    const mode = (exec['interactiveMode'] as string | undefined) || (legacy ? 'IfAvailable' : '');
    if (!['Never', 'IfAvailable', 'Always'].includes(mode)) return false;
  }
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
