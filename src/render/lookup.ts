/**
 * Helm's `lookup` reads live objects during `helm install`; `helm template` gets an empty map.
 * `dify-chart render --chart DIR --lookup` does what install does, through the user's kubeconfig
 * (kubectl), for a chart of the user's that calls `lookup`; the shipped chart calls none.
 */
import { lazyRequire } from '../lazy.js';
import type { ValueMap } from '../values/types.js';
import { UserError } from '../errors.js';

// child_process (with net and dgram behind it) loads only when --lookup is used.
const childProcess = lazyRequire<typeof import('node:child_process')>('node:child_process');

export type LookupFn = (apiVersion: string, kind: string, namespace: string, name: string) => ValueMap;

export const emptyLookup: LookupFn = () => ({});

/** kubectl's resource argument for an apiVersion + kind, e.g. `secrets.v1.` or `deployments.v1.apps`. */
function resourceOf(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return `${kind.toLowerCase()}.${version}.${group}`;
}

export function kubectlLookup(kubectl = 'kubectl'): LookupFn {
  const { spawnSync } = childProcess();
  return (apiVersion, kind, namespace, name) => {
    const args = ['get', resourceOf(apiVersion, kind), '-o', 'json', '--ignore-not-found'];
    if (name) args.splice(2, 0, name);
    if (namespace) args.push('-n', namespace);
    else args.push('--all-namespaces');
    const r = spawnSync(kubectl, args, { encoding: 'utf8', timeout: 30_000 });
    if (r.error) throw new UserError(`--lookup: cannot run ${kubectl}: ${r.error.message}`);
    if (r.status !== 0) throw new UserError(`--lookup: ${kubectl} ${args.join(' ')}: ${(r.stderr || '').trim().split('\n')[0]}`);
    const text = r.stdout.trim();
    return text ? (JSON.parse(text) as ValueMap) : {};
  };
}
