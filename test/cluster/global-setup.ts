/**
 * vitest global setup of the `cluster` project (vitest.config.ts): one etcd and one kube-apiserver
 * on free loopback ports for the whole run, started only when a test file of test/cluster is in
 * the run. There is no kubelet, scheduler, controller manager or container runtime: objects are
 * admitted, validated, defaulted and stored, and no pod ever runs.
 *
 * The server: a serving certificate made by openssl for 127.0.0.1, a service-account key pair
 * (Node's crypto), a static token file with one admin in system:masters, RBAC authorization, and
 * the default admission plugins with PodSecurity named. The CRDs of the chart's optional objects
 * (Gateway API, External Secrets) are installed from their modules' manifests in the module cache.
 * The kubeconfig reaches the test files through `inject('cluster')`.
 *
 * Without the tools the files are skipped with the reason; with CI=true the run fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { locateKubeTools, type ClusterInfo, type KubeTools } from '../support/kube-tools.js';

/** Budget for etcd and kube-apiserver to be ready on a loaded 2-core machine. */
const READY_BUDGET_MS = 120_000;
/** Budget for the CRDs to be established. */
const CRD_BUDGET_MS = 120_000;
const STOP_BUDGET_MS = 20_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The tail of a log file, for an error message. */
function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

interface Started {
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

function start(bin: string, args: string[], log: string): Started {
  const fd = openSync(log, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, log, exited };
}

async function stop(p: Started | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), STOP_BUDGET_MS).unref());
  if ((await Promise.race([p.exited, timer])) === 'timeout') p.child.kill('SIGKILL');
}

/** GET https://127.0.0.1:PORT/PATH with the admin token: the status code, or 0 when unreachable. */
function get(server: string, path: string, ca: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${server}${path}`, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Polls until `ok()` or the budget runs out; fails at once when a process has exited. */
async function until(what: string, budgetMs: number, ok: () => Promise<boolean>, procs: Started[]): Promise<void> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    for (const p of procs) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) {
        throw new Error(`${what}: ${p.child.spawnfile} exited (${p.child.exitCode ?? p.child.signalCode}):\n${tail(p.log)}`);
      }
    }
    if (await ok()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${budgetMs / 1000} s:\n${procs.map((p) => tail(p.log, 15)).join('\n')}`);
    await sleep(250);
  }
}

function kubectl(tools: KubeTools, kubeconfig: string, args: string[], input?: string): string {
  const r = spawnSync(tools.kubectl, args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfig }, input, maxBuffer: 1 << 28, timeout: 120_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The CRD documents of Gateway API's standard set (its folder also holds a ValidatingAdmissionPolicy) and of External Secrets' bundle. */
function crdManifests(tools: KubeTools): string {
  const files = readdirSync(tools.gatewayApiCrds)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .map((f) => join(tools.gatewayApiCrds, f));
  const docs: string[] = [];
  for (const file of [...files, tools.externalSecretsCrds]) {
    for (const doc of readFileSync(file, 'utf8').split(/^---\s*$/m)) {
      if (/^kind: CustomResourceDefinition$/m.test(doc)) docs.push(doc.trim());
    }
  }
  return docs.map((d) => `---\n${d}\n`).join('');
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const located = locateKubeTools();
  if (!located.ok) {
    if (process.env['CI'] === 'true') throw new Error(`the API-server tests need their tools in CI: ${located.reason}`);
    const info: ClusterInfo = { skip: located.reason };
    project.provide('cluster', info);
    return undefined;
  }
  const tools = located.tools;
  const began = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'dify-cluster-'));
  let etcd: Started | undefined;
  let apiserver: Started | undefined;
  const teardown = async (): Promise<void> => {
    await stop(apiserver);
    await stop(etcd);
    rmSync(dir, { recursive: true, force: true });
  };
  // A run that is killed must not leave the servers behind.
  const onExit = (): void => {
    apiserver?.child.kill('SIGKILL');
    etcd?.child.kill('SIGKILL');
  };
  process.once('exit', onExit);

  try {
    // Serving certificate for 127.0.0.1 (self-signed: the kubeconfig trusts exactly it).
    const crt = join(dir, 'serving.crt');
    const key = join(dir, 'serving.key');
    const ssl = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=dify-chart-test-apiserver',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', crt],
      { encoding: 'utf8' },
    );
    if (ssl.error || ssl.status !== 0) throw new Error(`openssl could not make the serving certificate: ${ssl.error?.message ?? ssl.stderr}`);
    const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    writeFileSync(join(dir, 'sa.pub'), sa.publicKey);
    writeFileSync(join(dir, 'sa.key'), sa.privateKey, { mode: 0o600 });
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
    const ca = readFileSync(crt, 'utf8');

    // The free ports are picked, then closed, then bound by etcd and kube-apiserver: another
    // process may take one in between. Such a start is retried with new ports, twice.
    let server = '';
    for (let attempt = 1; ; attempt++) {
      const [clientPort, peerPort, securePort] = [await freePort(), await freePort(), await freePort()];
      try {
        etcd = start(tools.etcd, ['--data-dir', join(dir, `etcd-${attempt}`), '--client-port', String(clientPort), '--peer-port', String(peerPort)], join(dir, `etcd-${attempt}.log`));
        await until('etcd', READY_BUDGET_MS, async () => /etcd ready/.test(tail(etcd!.log)), [etcd]);
        server = `https://127.0.0.1:${securePort}`;
        apiserver = start(
          tools.apiserver,
          [
            `--etcd-servers=http://127.0.0.1:${clientPort}`,
            '--bind-address=127.0.0.1',
            '--advertise-address=127.0.0.1',
            `--secure-port=${securePort}`,
            `--cert-dir=${join(dir, 'certs')}`,
            `--tls-cert-file=${crt}`,
            `--tls-private-key-file=${key}`,
            '--service-account-issuer=https://kubernetes.default.svc',
            `--service-account-key-file=${join(dir, 'sa.pub')}`,
            `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
            `--token-auth-file=${join(dir, 'tokens.csv')}`,
            '--authorization-mode=RBAC',
            // Added to the default set (which includes it since v1.25): named so that a change of defaults cannot drop it silently.
            '--enable-admission-plugins=PodSecurity',
            '--service-cluster-ip-range=10.96.0.0/16',
            // No kubelet reaches the advertised address: leave the kubernetes Service's endpoints alone.
            '--endpoint-reconciler-type=none',
            '--profiling=false',
            '--v=1',
          ],
          join(dir, `kube-apiserver-${attempt}.log`),
        );
        await until('kube-apiserver /readyz', READY_BUDGET_MS, async () => (await get(server, '/readyz', ca, token)) === 200, [etcd, apiserver]);
        break;
      } catch (e) {
        const portTaken = [etcd, apiserver].some((p) => p !== undefined && /address already in use/.test(tail(p.log, 200)));
        await stop(apiserver);
        await stop(etcd);
        apiserver = etcd = undefined;
        if (!portTaken || attempt === 3) throw e;
      }
    }

    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server, 'certificate-authority': crt } }],
        users: [{ name: 'admin', user: { token } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
        'current-context': 'test',
      }),
      { mode: 0o600 },
    );

    const readyMs = Date.now() - began;
    // CRDs of the optional objects, then wait until the server serves them.
    kubectl(tools, kubeconfig, ['apply', '--server-side', '--field-manager=dify-chart-tests', '-f', '-'], crdManifests(tools));
    kubectl(tools, kubeconfig, ['wait', '--for=condition=Established', '--timeout', `${CRD_BUDGET_MS / 1000}s`, 'crd', '--all']);

    const binDir = join(dir, 'bin');
    mkdirSync(binDir);
    symlinkSync(tools.kubectl, join(binDir, 'kubectl'));
    const info: ClusterInfo = { kubeconfig, server, kubectl: tools.kubectl, binDir, startupMs: Date.now() - began };
    const s = (ms: number): string => (ms / 1000).toFixed(1);
    console.log(`cluster: etcd and kube-apiserver ready in ${s(readyMs)} s, CRDs established ${s(Date.now() - began - readyMs)} s later, at ${server}`);
    project.provide('cluster', info);
  } catch (e) {
    await teardown();
    process.removeListener('exit', onExit);
    throw e;
  }
  return async () => {
    await teardown();
    process.removeListener('exit', onExit);
  };
}
