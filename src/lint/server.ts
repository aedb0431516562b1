/**
 * `dify-chart lint --server`: the rendered manifests through the API server of the user's current
 * kubeconfig context, as `kubectl apply --server-side --dry-run=server -f -` sends them. The server
 * runs everything but storing: schema and strict field validation, defaulting, admission (Pod
 * Security warnings of the namespace's level, webhooks, policies), and CRDs it lacks. Nothing is
 * created or changed. Errors are findings; the server's warnings are warnings (errors with --strict).
 */
import { lazyRequire } from '../lazy.js';
import { UserError } from '../errors.js';
import type { Finding } from './check.js';

// child_process loads only when --server is used.
const childProcess = lazyRequire<typeof import('node:child_process')>('node:child_process');

export interface ServerCheckOptions {
  /** Namespace of the release, for objects that name none (kubectl -n). */
  namespace: string;
  /** The kubectl to run (default: `kubectl` on PATH, with the user's KUBECONFIG). */
  kubectl?: string;
  /** Kill kubectl after this many ms (default 120 s). */
  timeoutMs?: number;
}

export interface ServerCheckResult {
  findings: Finding[];
  warnings: string[];
}

/** `Kind/name` of the object a kubectl error line names, when it names one. */
function objectOf(line: string): string {
  // failed to create typed patch object (ns/name; apps/v1, Kind=Deployment): ...
  const typed = /\((?:[^/;()]+\/)?([^;()/]+); [^,()]+, Kind=(\w+)\)/.exec(line);
  if (typed) return `${typed[2]}/${typed[1]}`;
  // error when creating "STDIN": deployments.apps "name" is forbidden / Deployment.apps "name" is invalid
  const named = /\b([A-Za-z]+)(?:\.[a-z0-9.-]+)? "([^"]+)" (?:is|already|not)/.exec(line);
  if (named) return `${named[1]}/${named[2]}`;
  return 'dry-run';
}

/** Runs the dry run on `manifests` (helm-template-style text); throws a UserError when kubectl cannot run at all. */
export function serverDryRun(manifests: string, opts: ServerCheckOptions): ServerCheckResult {
  const kubectl = opts.kubectl ?? 'kubectl';
  // The context Helm takes (HELM_KUBECONTEXT), which kubectl does not read by itself: else it would send the
  // objects to its current context's cluster with the namespace of another.
  const context = process.env['HELM_KUBECONTEXT'] ? ['--context', process.env['HELM_KUBECONTEXT']] : [];
  const args = ['apply', '--server-side', '--dry-run=server', '--field-manager=dify-chart', ...context, '-n', opts.namespace, '-f', '-'];
  const r = childProcess().spawnSync(kubectl, args, { input: manifests, encoding: 'utf8', maxBuffer: 1 << 28, timeout: opts.timeoutMs ?? 120_000 });
  if (r.error) throw new UserError(`lint --server: cannot run ${kubectl}: ${r.error.message}`);
  const lines = (r.stderr ?? '').split('\n').filter((l) => l.trim() !== '');
  const warnings = lines.filter((l) => l.startsWith('Warning: ')).map((l) => `server: ${l.slice('Warning: '.length)}`);
  const findings: Finding[] = lines.filter((l) => !l.startsWith('Warning: ')).map((l) => ({ template: 'server', object: objectOf(l), message: l.replace(/^error: /, '') }));
  if (r.status !== 0 && findings.length === 0) {
    findings.push({ template: 'server', object: 'dry-run', message: `${kubectl} ${args.join(' ')} exited with ${r.status ?? r.signal ?? 'an error'}` });
  }
  return { findings, warnings };
}
