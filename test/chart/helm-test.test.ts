/**
 * The `helm test` Job (chart/templates/tests/job.yaml.hbs): what it checks for each set of enabled
 * components, that every address it asks is a Service of the same render, and its own Python
 * program run for real (this machine's python3 standing in for the api image's) against node:http
 * servers on loopback that stand in for the api, web and proxy Services: the program reads its
 * targets from the Job's environment, which the test points at the stand-ins.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python3OrSkip } from '../support/generator.js';
import { containerEnv, render, type K8sObject } from './render.js';

const testJob = (objects: K8sObject[]): K8sObject | undefined =>
  objects.find((o) => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === 'test');

async function jobOf(fixture: string): Promise<K8sObject> {
  const job = testJob((await render(fixture)).objects);
  if (!job) throw new Error(`${fixture}: no test Job`);
  return job;
}

/** The Job's check-related environment (TIMEOUT_SECONDS and PYTHONDONTWRITEBYTECODE left out). */
function targets(job: K8sObject): Record<string, string> {
  const env = Object.fromEntries(containerEnv(job));
  delete env['TIMEOUT_SECONDS'];
  delete env['PYTHONDONTWRITEBYTECODE'];
  return env;
}

describe('the helm test Job as rendered', () => {
  it('defaults: a test hook checking the api /health through its Service and the proxy routes to api and web', async () => {
    const job = await jobOf('defaults.yaml');
    expect(job.metadata.name).toMatch(/^release-name-dify-test-[0-9a-f]{10}$/);
    expect(job.metadata.annotations).toEqual({ 'helm.sh/hook': 'test', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' });
    expect(targets(job)).toEqual({
      API_URL: 'http://release-name-dify-api:5001',
      PROXY_URL: 'http://release-name-dify-proxy:80',
      PROXY_API_PATH: '/console/api/ping',
      PROXY_WEB_PATH: '/',
    });
    expect(job.spec.activeDeadlineSeconds).toBe(180);
    const pod = job.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe('langgenius/dify-api:1.17.1'); // no image of its own
    expect(c.command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    // Pod Security "restricted" (test/cluster/apply.test.ts admits it in a restricted namespace).
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } });
  });

  it('without the proxy it asks web\'s Service for /; with the api off it checks only the proxy\'s / route; web off, only api', async () => {
    expect(targets(await jobOf('no-proxy-ingress.yaml'))).toEqual({ API_URL: 'http://release-name-dify-api:5001', WEB_URL: 'http://release-name-dify-web:3000' });
    expect(targets(await jobOf('api-off.yaml'))).toEqual({ PROXY_URL: 'http://release-name-dify-proxy:80', PROXY_WEB_PATH: '/' });
    expect(targets(await jobOf('web-off.yaml'))).toEqual({
      API_URL: 'http://release-name-dify-api:5001',
      PROXY_URL: 'http://release-name-dify-proxy:80',
      PROXY_API_PATH: '/console/api/ping',
    });
  });

  it('is not rendered with tests.enabled=false, nor when none of api, proxy and web is on', async () => {
    expect(testJob((await render('tests-off.yaml')).objects)).toBeUndefined();
    expect(testJob((await render('all-off.yaml')).objects)).toBeUndefined();
    // Nor its NetworkPolicy: no pod has the component.
    for (const f of ['tests-off.yaml', 'all-off.yaml'])
      expect((await render(f)).objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'test'), f).toEqual([]);
  });

  it('its own values: timeout, resources, backoff, deadline; the pull secrets; the proxy Service port', async () => {
    const job = await jobOf('tests-custom.yaml');
    const env = Object.fromEntries(containerEnv(job));
    expect(env['TIMEOUT_SECONDS']).toBe('30');
    expect(env['PROXY_URL']).toBe('http://release-name-dify-proxy:8080');
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.activeDeadlineSeconds).toBe(60);
    expect(job.spec.template.spec.imagePullSecrets).toEqual([{ name: 'mirror-pull' }]);
    expect(job.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '20m', memory: '48Mi' }, limits: { cpu: '200m', memory: '96Mi' } });
    // A different pod template, a different Job name (a re-apply never meets an immutable template).
    expect(job.metadata.name).not.toBe((await jobOf('defaults.yaml')).metadata.name);
  });

  it('every address it asks is a Service of the same render, on that Service\'s port', async () => {
    for (const f of ['defaults.yaml', 'no-proxy-ingress.yaml', 'api-off.yaml', 'web-off.yaml', 'tests-custom.yaml', 'long-names.yaml']) {
      const { objects } = await render(f);
      const env = targets(await jobOf(f));
      const urls = ['API_URL', 'PROXY_URL', 'WEB_URL'].flatMap((k) => (env[k] ? [new URL(env[k])] : []));
      expect(urls.length, f).toBeGreaterThan(0);
      for (const u of urls) {
        const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === u.hostname);
        expect(svc, `${f}: ${u.href}`).toBeDefined();
        expect((svc!.spec.ports as { port: number }[]).map((p) => p.port), `${f}: ${u.href}`).toContain(Number(u.port || 80));
      }
    }
  });
});

// ---- The program itself, against stand-in Services ----

const python = python3OrSkip();

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const json = (status: number, body: unknown): Handler => (_req, res) => {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};
const html = (status: number): Handler => (_req, res) => {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Dify</title>');
};

/** The api as Dify 1.17.1 answers: /health and /console/api/ping 200, anything else 404, all JSON. */
const api = (healthStatus = 200): Handler => (req, res) => {
  if (req.url === '/health') return json(healthStatus, { status: healthStatus === 200 ? 'ok' : 'error' })(req, res);
  if (req.url === '/console/api/ping') return json(200, { result: 'pong' })(req, res);
  return json(404, { code: 'not_found' })(req, res);
};
/** web: a redirect from / to the console (not followed by the program: a redirect is web's answer). */
const web: Handler = (req, res) => {
  if (req.url === '/') return void res.writeHead(307, { Location: '/apps', 'Content-Type': 'text/html' }).end();
  return html(200)(req, res);
};
/** nginx as the chart configures it: /console/api to `toApi`, everything else to `toWeb`. */
const proxy = (toApi: Handler, toWeb: Handler): Handler => (req, res) => (req.url!.startsWith('/console/api') ? toApi : toWeb)(req, res);

const servers: Server[] = [];
async function serve(handler: Handler): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}
let closedPort = '';
beforeAll(async () => {
  // A port nothing listens on: a Service without ready endpoints.
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  closedPort = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  await new Promise<void>((res) => s.close(() => res()));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the Job's own command with its own environment, the URLs replaced by the stand-ins'. */
function runJob(job: K8sObject, urls: Record<string, string>): Promise<Run> {
  const c = job.spec.template.spec.containers[0] as { command: string[] };
  const env = Object.fromEntries(containerEnv(job));
  for (const k of Object.keys(urls)) expect(env, `the Job sets ${k}`).toHaveProperty(k);
  const [exe, ...args] = c.command as [string, ...string[]];
  return new Promise((resolve, reject) => {
    // Only the Job's environment (and PATH): nothing of this machine's, e.g. an HTTP proxy, reaches the program.
    const child = spawn(exe, args, { env: { PATH: process.env['PATH'] ?? '', ...env, ...urls, TIMEOUT_SECONDS: '5' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (s: string): string[] => s.split('\n').filter(Boolean);

describe.skipIf(!python)(`the helm test Job's program against stand-in Services${python ? '' : ' (skipped: no python3)'}`, () => {
  it('passes when the api answers /health 200 and the proxy leads /console/api to api and / to web', async () => {
    const a = await serve(api());
    const p = await serve(proxy(api(), web));
    const r = await runJob(await jobOf('defaults.yaml'), { API_URL: a, PROXY_URL: p });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      `ok   api /health through its Service: GET ${a}/health`,
      `ok   proxy route /console/api/ping to api: GET ${p}/console/api/ping`,
      `ok   proxy route / to web: GET ${p}/`,
    ]);
  });

  it('fails in one line when the api\'s /health answers 500', async () => {
    const p = await serve(proxy(api(), web));
    const r = await runJob(await jobOf('defaults.yaml'), { API_URL: await serve(api(500)), PROXY_URL: p });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^FAIL api \/health through its Service: GET http:\/\/127\.0\.0\.1:\d+\/health answered 500, not 200\n$/);
  });

  it('fails in one line when /console/api leads to web, or / leads to the api', async () => {
    const a = await serve(api());
    const toWeb = await runJob(await jobOf('defaults.yaml'), { API_URL: a, PROXY_URL: await serve(proxy(html(200), web)) });
    expect(toWeb.code).toBe(1);
    expect(lines(toWeb.stderr)).toEqual([expect.stringMatching(/^FAIL proxy route \/console\/api\/ping to api: .* answered 200 text\/html; charset=utf-8, not the api's pong: the route leads elsewhere$/)]);
    const toApi = await runJob(await jobOf('defaults.yaml'), { API_URL: a, PROXY_URL: await serve(proxy(api(), api())) });
    expect(toApi.code).toBe(1);
    expect(lines(toApi.stderr)).toEqual([expect.stringMatching(/^FAIL proxy route \/ to web: GET http:\/\/127\.0\.0\.1:\d+\/ answered 404, not web's page$/)]);
    // A JSON answer below 400 on / is not web's either.
    const jsonRoot = await runJob(await jobOf('defaults.yaml'), { API_URL: a, PROXY_URL: await serve(proxy(api(), json(200, { ok: true }))) });
    expect(jsonRoot.code).toBe(1);
    expect(lines(jsonRoot.stderr)).toEqual([expect.stringMatching(/^FAIL proxy route \/ to web: .* answered 200 application\/json, not web's page: the route leads elsewhere$/)]);
  });

  it('fails when a Service does not answer, naming it', async () => {
    const r = await runJob(await jobOf('defaults.yaml'), { API_URL: closedPort, PROXY_URL: await serve(proxy(api(), web)) });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^FAIL api \/health through its Service: GET http:\/\/127\.0\.0\.1:\d+\/health answered nothing: .*refused/i)]);
  });

  it('without the proxy: the api and web\'s Service; a 5xx of web fails', async () => {
    const job = await jobOf('no-proxy-ingress.yaml');
    const a = await serve(api());
    const ok = await runJob(job, { API_URL: a, WEB_URL: await serve(web) });
    expect(ok.code, ok.stderr).toBe(0);
    expect(lines(ok.stdout)).toHaveLength(2);
    const bad = await runJob(job, { API_URL: a, WEB_URL: await serve(html(502)) });
    expect(bad.code).toBe(1);
    expect(lines(bad.stderr)).toEqual([expect.stringMatching(/^FAIL web \/ through its Service: .* answered 502, not web's page$/)]);
  });

  it('with the api off only the proxy\'s / route is asked: an api that would fail is never called', async () => {
    const r = await runJob(await jobOf('api-off.yaml'), { PROXY_URL: await serve(proxy(api(500), web)) });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual([expect.stringMatching(/^ok {3}proxy route \/ to web: /)]);
  });
});
