/** What every command shares: its output streams, the values and release flags, the chart argument. */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { helmNamespace } from '../io/kubeconfig.js';

/** Where a command writes: standard output and standard error (tests pass their own). */
export interface IO {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** The flags `render` and `lint` share: values in Helm's order, the release and the cluster. */
export interface ValuesFlags {
  values: string[];
  set: string[];
  setString: string[];
  setFile: string[];
  setJson: string[];
  setLiteral: string[];
  /** Unset: Helm's default (src/io/kubeconfig.ts). */
  namespace?: string;
  kubeVersion: string;
  apiVersions: string[];
  chart?: string;
}

/**
 * The release namespace as Helm's EnvSettings.Namespace gives it: `-n NS`, else HELM_NAMESPACE, else the
 * kubeconfig's; `-n ''` is no namespace at all, so HELM_NAMESPACE is passed over too.
 */
export function namespaceOf(flags: ValuesFlags): string {
  if (flags.namespace === undefined) return helmNamespace();
  return flags.namespace === '' ? helmNamespace({ ...process.env, HELM_NAMESPACE: '' }) : flags.namespace;
}

/** The values flags as the renderer and lint take them, in Helm's order. */
export function valueSources(flags: ValuesFlags): { valueFiles: string[]; set: string[]; setString: string[]; setFile: string[]; setJson: string[]; setLiteral: string[] } {
  return { valueFiles: flags.values, set: flags.set, setString: flags.setString, setFile: flags.setFile, setJson: flags.setJson, setLiteral: flags.setLiteral };
}

/**
 * The chart to use: the positional CHART (as helm takes it) or `--chart`; both may be given only
 * when they name the same folder.
 */
export function chartArgument(positional: string | undefined, flag: string | undefined): string | undefined {
  if (positional !== undefined && flag !== undefined && resolve(positional) !== resolve(flag)) {
    throw new UsageError(`two charts given: ${positional} and --chart ${flag}; give one`);
  }
  return positional ?? flag;
}

/**
 * `render [RELEASE] [CHART]`: with one argument, a path (it holds a `/` or starts with `.`, which
 * no release name can) is the chart, as in `helm template ./chart`; anything else is the release.
 */
export function releaseAndChart(first: string | undefined, second: string | undefined): { release: string | undefined; chart: string | undefined } {
  if (second === undefined && first !== undefined && (first.includes('/') || first.startsWith('.'))) return { release: undefined, chart: first };
  return { release: first, chart: second };
}
