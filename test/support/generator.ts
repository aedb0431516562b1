/**
 * The chart's credentials generator run for real against the test cluster's API server. No pod can
 * run here, so the test does what the kubelet would: it runs the Job's own program (the Python of
 * its container command, on this machine's python3) as the Job's ServiceAccount (a token the API
 * server issues for it, so its RBAC is the real one), with the Job's environment and the in-cluster
 * service-account layout, and then marks the Job complete as the Job controller would.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { helmInAsync, kubectl, run, type Cluster, type Run } from './cluster.js';
import type { HelmMajor } from './helm.js';
import type { K8sObject } from './k8s.js';
import { tempDir } from '../cli/run.js';

/** python3 on PATH (the api image's interpreter stands in for it), or null. */
export function python3OrSkip(): string | null {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return 'python3';
  if (process.env['CI'] === 'true') throw new Error(`python3 is needed in CI (the credentials generator's tests): ${r.error?.message ?? r.stderr}`);
  return null;
}

interface Container {
  command: string[];
  env: { name: string; value?: string }[];
}

/** The generator container of a rendered (or stored) Job. */
export function generatorContainer(job: K8sObject): Container {
  return job.spec.template.spec.containers[0] as Container;
}

/** A folder laid out as /var/run/secrets/kubernetes.io/serviceaccount, for a token of `serviceAccount`. */
export async function serviceAccountDir(c: Cluster, namespace: string, serviceAccount: string): Promise<string> {
  const token = await kubectl(c, ['create', 'token', serviceAccount, '-n', namespace, '--duration', '10m']);
  if (token.code !== 0) throw new Error(`kubectl create token: ${token.stderr}`);
  const ca = await kubectl(c, ['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority}']);
  const dir = join(tempDir('dify-sa-'), 'serviceaccount');
  mkdirSync(dir);
  writeFileSync(join(dir, 'token'), token.stdout.trim());
  writeFileSync(join(dir, 'namespace'), namespace);
  const caText = spawnSync('cat', [ca.stdout.trim()], { encoding: 'utf8' }).stdout;
  writeFileSync(join(dir, 'ca.crt'), caText);
  return dir;
}

/**
 * Runs the Job's program as its ServiceAccount; `env` overrides the Job's environment (e.g. a
 * longer GENERATE list). The service-account folder is the last argument, as in the Job.
 */
export async function runGenerator(c: Cluster, namespace: string, job: K8sObject, env: Record<string, string> = {}): Promise<Run> {
  const container = generatorContainer(job);
  const sa = await serviceAccountDir(c, namespace, job.spec.template.spec.serviceAccountName as string);
  const url = new URL(c.server);
  const jobEnv = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? '']));
  const [python, ...args] = container.command;
  if (python !== 'python3') throw new Error(`the generator runs ${python}, not python3`);
  return run('python3', [...args.slice(0, -1), sa], c, {
    env: { ...jobEnv, ...env, KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port },
    timeoutMs: 60_000,
  });
}

/** Sets a Job's status as the Job controller does when its one pod succeeded. */
export async function markJobComplete(c: Cluster, namespace: string, name: string): Promise<Run> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string) => ({ type, status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
  const status = { startTime: now, completionTime: now, succeeded: 1, active: 0, ready: 0, terminating: 0, uncountedTerminatedPods: {}, conditions: [condition('SuccessCriteriaMet'), condition('Complete')] };
  return kubectl(c, ['patch', 'job', name, '-n', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
}

/**
 * Acts as the kubelet and Job controller for the generator Jobs of a namespace until `stop()`:
 * each new one is run (as above) and, when its program succeeds, marked complete. Returns the
 * runs, for the test to inspect.
 */
export function actForGeneratorJobs(c: Cluster, namespace: string): { stop: () => Promise<{ job: string; run: Run }[]> } {
  const done = new Map<string, Run>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const r = await kubectl(c, ['get', 'jobs', '-n', namespace, '-l', 'app.kubernetes.io/component=credentials-generator', '-o', 'json']);
      const jobs = r.code === 0 ? ((JSON.parse(r.stdout) as { items: K8sObject[] }).items ?? []) : [];
      for (const job of jobs) {
        const key = `${job.metadata.name}/${(job.metadata as { uid?: string }).uid ?? ''}`;
        if (done.has(key)) continue;
        const result = await runGenerator(c, namespace, job);
        done.set(key, result);
        if (result.code === 0) {
          const m = await markJobComplete(c, namespace, job.metadata.name);
          if (m.code !== 0) throw new Error(`marking ${job.metadata.name} complete: ${m.stderr}`);
        }
      }
      await new Promise((res) => setTimeout(res, 250));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return [...done].map(([job, r]) => ({ job, run: r }));
    },
  };
}

/** Whether a rendered object is a Helm hook (created by helm at its event, not part of the release). */
export const isHook = (o: K8sObject): boolean => o.metadata.annotations?.['helm.sh/hook'] !== undefined;

/**
 * Real Helm against the test cluster while the test acts for the kubelet: a chart whose values
 * leave a credential empty runs the generator hook, which must succeed.
 */
export async function helmWithHooks(c: Cluster, major: HelmMajor, args: string[]): Promise<{ run: Run; generatorRuns: Run[] }> {
  const namespace = args[args.indexOf('-n') + 1]!;
  const kubelet = actForGeneratorJobs(c, namespace);
  const r = await helmInAsync(c, major, args);
  const runs = (await kubelet.stop()).map((x) => x.run);
  for (const g of runs) expect(g.code, g.stderr).toBe(0);
  return { run: r, generatorRuns: runs };
}
