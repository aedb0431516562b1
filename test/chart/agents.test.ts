/**
 * Agents (Dify's Agent v2): the agent backend, the local sandbox and the agent SSRF proxy (sheet sections 2,
 * 3.3, 3.4, 4.3 and 5.13). Env values per component, the secret pairs of 3.4 read from one Secret key by every
 * side, the server key's shape, and each component on and off.
 */
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cli, PINNED } from '../cli/run.js';
import { containerEnv, effectiveEnv, engineAvailable, find, FIXTURES, fixtures, generatorOf, render, ROOT, type K8sObject, renderNotes } from './render.js';

vi.setConfig({ testTimeout: 120_000 });

const R = 'release-name-dify';
const AGENT_COMPONENTS = ['agent-backend', 'local-sandbox', 'agent-ssrf-proxy'];
const byComponent = (objects: K8sObject[], component: string): K8sObject[] =>
  objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === component);
const deployment = (objects: K8sObject[], component: string): K8sObject | undefined =>
  byComponent(objects, component).find((o) => o.kind === 'Deployment');
const env = (objects: K8sObject[], component: string): Map<string, string> => effectiveEnv(objects, deployment(objects, component)!);
const AGENT_BACKEND_API_KEYS = [
  'AGENT_BACKEND_BASE_URL',
  'AGENT_BACKEND_STREAM_READ_TIMEOUT_SECONDS',
  'AGENT_BACKEND_STREAM_MAX_RECONNECTS',
  'AGENT_BACKEND_HOME_SNAPSHOT_TIMEOUT_SECONDS',
  'AGENT_BACKEND_BINDING_FILE_DOWNLOAD_TIMEOUT_SECONDS',
];

/** [component, env] pairs that must read the same Secret key (sheet 3.4). */
const PAIRS: [string, [string, string][]][] = [
  ['api token', [['agent-backend', 'DIFY_AGENT_API_TOKEN'], ['api', 'AGENT_BACKEND_API_TOKEN'], ['worker', 'AGENT_BACKEND_API_TOKEN']]],
  ['plugin inner key', [['agent-backend', 'DIFY_AGENT_INNER_API_KEY'], ['api', 'INNER_API_KEY_FOR_PLUGIN'], ['worker', 'INNER_API_KEY_FOR_PLUGIN'], ['plugin-daemon', 'DIFY_INNER_API_KEY']]],
  ['plugin daemon key', [['agent-backend', 'DIFY_AGENT_PLUGIN_DAEMON_API_KEY'], ['api', 'PLUGIN_DAEMON_KEY'], ['plugin-daemon', 'SERVER_KEY']]],
  ['local sandbox token', [['agent-backend', 'DIFY_AGENT_LOCAL_SANDBOX_AUTH_TOKEN'], ['local-sandbox', 'SHELLCTL_AUTH_TOKEN']]],
];

const notes = renderNotes;

async function refused(...set: string[]): Promise<string> {
  const r = await cli(['render', '-f', PINNED, ...set.flatMap((s) => ['--set-json', s])]);
  expect(r.code, `${set.join(' ')}: ${r.stdout.slice(0, 200)}`).toBe(1);
  return r.stderr;
}

describe.skipIf(!engineAvailable)('agents', () => {
  it('agent backend by default: its image, port 5050 and Service, TCP probes, PDB, uid 1001, a grace period above its own', async () => {
    const { objects } = await render('defaults.yaml');
    const d = deployment(objects, 'agent-backend')!;
    const c = d.spec.template.spec.containers[0];
    expect(d.metadata.name).toBe(`${R}-agent-backend`);
    expect(c.image).toBe('langgenius/dify-agent-backend:1.17.1');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 5050, protocol: 'TCP' }]);
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) expect(c[p].tcpSocket, p).toEqual({ port: 'http' });
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1001, runAsNonRoot: true });
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(env(objects, 'agent-backend').get('DIFY_AGENT_SHUTDOWN_GRACE_SECONDS')));
    const svc = byComponent(objects, 'agent-backend').find((o) => o.kind === 'Service')!;
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 5050, targetPort: 'http', protocol: 'TCP' }]);
    expect(byComponent(objects, 'agent-backend').some((o) => o.kind === 'PodDisruptionBudget')).toBe(true);
  });

  it("agent backend env: Redis DB 2 by URL, the plugin daemon, the api's inner API, the local sandbox, stub and files URLs by Service name", async () => {
    const { objects } = await render('defaults.yaml');
    const e = env(objects, 'agent-backend');
    expect(e.get('DIFY_AGENT_REDIS_URL')).toBe(`redis://:$(REDIS_PASSWORD)@${R}-redis:6379/2`);
    expect(e.get('REDIS_PASSWORD')).toBe(env(objects, 'api').get('REDIS_PASSWORD'));
    const names = (deployment(objects, 'agent-backend')!.spec.template.spec.containers[0].env as { name: string }[]).map((x) => x.name);
    expect(names.indexOf('REDIS_PASSWORD')).toBeLessThan(names.indexOf('DIFY_AGENT_REDIS_URL')); // defined before it expands
    expect(e.get('DIFY_AGENT_REDIS_PREFIX')).toBe('dify-agent');
    expect(e.get('DIFY_AGENT_PLUGIN_DAEMON_URL')).toBe(env(objects, 'api').get('PLUGIN_DAEMON_URL'));
    expect(e.get('DIFY_AGENT_INNER_API_URL')).toBe(`http://${R}-api:5001`);
    expect(e.get('DIFY_AGENT_RUNTIME_BACKEND')).toBe('local');
    expect(e.get('DIFY_AGENT_LOCAL_SANDBOX_ENDPOINT')).toBe(`http://${R}-local-sandbox:5004`);
    expect(e.get('DIFY_AGENT_STUB_API_BASE_URL')).toBe(`http://${R}-agent-backend:5050/agent-stub`);
    expect(e.get('DIFY_AGENT_SANDBOX_FILES_BASE_URL')).toBe(`http://${R}-api:5001`);
    expect(e.get('DIFY_AGENT_RUN_TIMEOUT_SECONDS')).toBe('3600');
    expect(e.get('DIFY_AGENT_SHUTDOWN_GRACE_SECONDS')).toBe('30');
    expect(e.has('DIFY_AGENT_RUN_RETENTION_SECONDS')).toBe(false); // 0: the image's default
    expect(e.get('DIFY_AGENT_SERVER_SECRET_KEY')).toBe(`secret:${R}-inline-credentials/DIFY_AGENT_SERVER_SECRET_KEY`); // pinned in defaults.yaml
    expect(env((await render('generated-credentials.yaml')).objects, 'agent-backend').get('DIFY_AGENT_SERVER_SECRET_KEY')).toBe(`secret:${R}-generated-credentials/DIFY_AGENT_SERVER_SECRET_KEY`);
    expect([...e.keys()].filter((k) => k.startsWith('DIFY_AGENT_E2B'))).toEqual([]);
  });

  it('agent backend Redis: external Redis with TLS and an ACL user, and an explicit URL credential (Sentinel)', async () => {
    const ext = (await render('external.yaml')).objects;
    const api = env(ext, 'api');
    expect(env(ext, 'agent-backend').get('DIFY_AGENT_REDIS_URL')).toBe(`rediss://$(REDIS_USERNAME):$(REDIS_PASSWORD)@${api.get('REDIS_HOST')}:${api.get('REDIS_PORT')}/2`);
    expect(env(ext, 'agent-backend').get('REDIS_USERNAME')).toBe(api.get('REDIS_USERNAME'));
    const sentinel = (await render('redis-sentinel.yaml')).objects;
    expect(env(sentinel, 'agent-backend').get('DIFY_AGENT_REDIS_URL')).toBe('secret:redis-sentinel/agent-backend-url');
    expect(env(sentinel, 'agent-backend').has('REDIS_PASSWORD')).toBe(false);
  });

  it('api and worker: AGENT_BACKEND_* of the sheet; web: NEXT_PUBLIC_ENABLE_AGENT_V2 "true"', async () => {
    const { objects } = await render('defaults.yaml');
    for (const s of ['api', 'worker']) {
      const e = env(objects, s);
      expect(e.get('AGENT_BACKEND_BASE_URL'), s).toBe(`http://${R}-agent-backend:5050`);
      expect(e.get('AGENT_BACKEND_STREAM_READ_TIMEOUT_SECONDS')).toBe('30');
      expect(e.get('AGENT_BACKEND_STREAM_MAX_RECONNECTS')).toBe('3');
      expect(e.get('AGENT_BACKEND_HOME_SNAPSHOT_TIMEOUT_SECONDS')).toBe('45');
      expect(e.get('AGENT_BACKEND_BINDING_FILE_DOWNLOAD_TIMEOUT_SECONDS')).toBe('240');
      expect(e.has('AGENT_BACKEND_RUN_TIMEOUT_SECONDS')).toBe(false); // 1.16's name, gone in 1.17
    }
    expect(env(objects, 'web').get('NEXT_PUBLIC_ENABLE_AGENT_V2')).toBe('true');
  });

  it('every secret pair of sheet 3.4 reads one Secret key on every side, in every fixture; the key is generated once', async () => {
    let checked = 0;
    for (const fixture of fixtures) {
      const { objects } = await render(fixture);
      if (!deployment(objects, 'agent-backend')) continue;
      const generated = generatorOf(objects)?.keys ?? new Map<string, string>();
      for (const [what, sides] of PAIRS) {
        const refs = sides.filter(([comp]) => deployment(objects, comp)).map(([comp, name]) => [comp, name, containerEnv(deployment(objects, comp)!).get(name)] as const);
        if (refs.length < 2) continue;
        checked++;
        for (const [comp, name, ref] of refs) expect(ref, `${fixture}: ${what}: ${comp} ${name}`).toMatch(/^secret:/);
        expect(new Set(refs.map((r) => r[2])).size, `${fixture}: ${what}: ${JSON.stringify(refs)}`).toBe(1);
        const [, key] = refs[0]![2]!.slice('secret:'.length).split('/') as [string, string];
        if (refs[0]![2]!.startsWith(`secret:release-name-dify-generated-credentials/`)) expect(generated.has(key), `${fixture}: ${what} generated`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(fixtures.length * 2);
  });

  it('the server key: generated as 32 random bytes in base64url (43 characters); an inline value is kept; the schema refuses another shape', async () => {
    const generated = generatorOf((await render('generated-credentials.yaml')).objects)!.keys;
    expect(generated.get('DIFY_AGENT_SERVER_SECRET_KEY')).toBe('base64url:32');
    expect(generated.get('AGENT_BACKEND_API_TOKEN')).toMatch(/^alnum:(3[2-9]|[4-9]\d)$/);
    expect(generated.get('DIFY_AGENT_LOCAL_SANDBOX_AUTH_TOKEN')).toMatch(/^alnum:(3[2-9]|[4-9]\d)$/);
    const e2b = (await render('agents-e2b.yaml')).objects;
    expect(env(e2b, 'agent-backend').get('DIFY_AGENT_SERVER_SECRET_KEY')).toBe(`secret:${R}-inline-credentials/DIFY_AGENT_SERVER_SECRET_KEY`);
    expect(generatorOf(e2b)?.keys.has('DIFY_AGENT_SERVER_SECRET_KEY') ?? false).toBe(false);
    const message = 'agentBackend.serverSecretKey.value must be exactly 43 base64url characters';
    for (const bad of ['a'.repeat(42), 'a'.repeat(44), `${'a'.repeat(42)}+`, `${'a'.repeat(42)}=`, 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=']) {
      expect(await refused(`agentBackend.serverSecretKey={"value":"${bad}"}`), bad).toContain(message);
    }
    const ok = await cli(['render', '-f', PINNED, '--set-string', `agentBackend.serverSecretKey.value=${'a_-'.repeat(14)}Z`]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });

  it('local sandbox: one replica, Recreate, writable /home/dify /workspace /tmp, uid 1000, out only through its proxy, Landlock on', async () => {
    const { objects } = await render('defaults.yaml');
    const d = deployment(objects, 'local-sandbox')!;
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe('langgenius/dify-agent-local-sandbox:1.17.1');
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true });
    const mounts = new Map((c.volumeMounts as { name: string; mountPath: string }[]).map((m) => [m.mountPath, m.name]));
    for (const p of ['/home/dify', '/workspace', '/tmp']) expect(pod.volumes.find((v: { name: string }) => v.name === mounts.get(p))?.emptyDir, p).toBeDefined();
    const e = env(objects, 'local-sandbox');
    expect(e.get('HTTP_PROXY')).toBe(`http://${R}-agent-ssrf-proxy:3128`);
    expect(e.get('HTTPS_PROXY')).toBe(`http://${R}-agent-ssrf-proxy:3128`);
    expect(e.get('NO_PROXY')).toBe('localhost,127.0.0.1');
    expect(e.get('SHELLCTL_ENABLE_PATH_ISOLATION')).toBe('true');
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) expect(c[p].httpGet, p).toEqual({ path: '/healthz', port: 'http' });
    const svc = byComponent(objects, 'local-sandbox').find((o) => o.kind === 'Service')!;
    expect(svc.spec.ports[0]).toMatchObject({ port: 5004, targetPort: 'http' });
    expect(c.ports).toEqual([{ name: 'http', containerPort: 5004, protocol: 'TCP' }]);
  });

  it('local-sandbox-no-isolation.yaml: Landlock off, the token from the existing Secret on both sides, the proxy port followed', async () => {
    const { objects } = await render('local-sandbox-no-isolation.yaml');
    const e = env(objects, 'local-sandbox');
    expect(e.get('SHELLCTL_ENABLE_PATH_ISOLATION')).toBe('false');
    expect(e.get('SHELLCTL_AUTH_TOKEN')).toBe('secret:shellctl/token');
    expect(env(objects, 'agent-backend').get('DIFY_AGENT_LOCAL_SANDBOX_AUTH_TOKEN')).toBe('secret:shellctl/token');
    expect(generatorOf(objects)!.keys.has('DIFY_AGENT_LOCAL_SANDBOX_AUTH_TOKEN')).toBe(false);
    expect(e.get('HTTP_PROXY')).toBe(`http://${R}-agent-ssrf-proxy:3129`);
    const svc = byComponent(objects, 'agent-ssrf-proxy').find((o) => o.kind === 'Service')!;
    expect(svc.spec.ports[0].port).toBe(3129);
    expect(env(objects, 'agent-backend').get('DIFY_AGENT_SANDBOX_FILES_BASE_URL')).toBe(`http://${R}-api:8001`);
    for (const v of deployment(objects, 'local-sandbox')!.spec.template.spec.volumes) expect(v.emptyDir).toEqual({});
  });

  it('agent SSRF proxy: squid of ssrfProxy.image on its own config, no internet rule', async () => {
    const { objects } = await render('defaults.yaml');
    const d = deployment(objects, 'agent-ssrf-proxy')!;
    expect(d.spec.template.spec.containers[0].image).toBe(deployment(objects, 'ssrf-proxy')!.spec.template.spec.containers[0].image);
    const conf = find(objects, 'ConfigMap', '-agent-ssrf-proxy')!.data['squid.conf'] as string;
    expect(conf).not.toMatch(/allow all/);
    expect(conf.trim().split('\n').pop()).toBe('http_access deny all');
    expect(conf.match(/^http_access allow .*$/gm)).toEqual(['http_access allow agent_stub_host agent_stub_port agent_stub_path', 'http_access allow api_files_host api_files_port api_files_path']);
  });

  it('agents-off.yaml: none of the three, no AGENT_BACKEND_* anywhere, web flag "false", none of their credentials generated', async () => {
    const { objects, text } = await render('agents-off.yaml');
    for (const c of AGENT_COMPONENTS) expect(byComponent(objects, c).filter((o) => o.kind !== 'NetworkPolicy'), c).toEqual([]);
    expect(text).not.toContain('AGENT_BACKEND_');
    expect(text).not.toContain('DIFY_AGENT_');
    expect(text).not.toContain('agent-stub');
    for (const s of ['api', 'worker']) for (const k of AGENT_BACKEND_API_KEYS) expect(env(objects, s).has(k), `${s} ${k}`).toBe(false);
    expect(env(objects, 'web').get('NEXT_PUBLIC_ENABLE_AGENT_V2')).toBe('false');
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name)).not.toContain(`${R}-agent-backend`);
  });

  it('agents-e2b.yaml: remote sandboxes: no local sandbox or its proxy, the E2B settings, the stub published at the public URL', async () => {
    const { objects } = await render('agents-e2b.yaml');
    for (const c of ['local-sandbox', 'agent-ssrf-proxy']) expect(byComponent(objects, c), c).toEqual([]);
    const e = env(objects, 'agent-backend');
    expect(e.get('DIFY_AGENT_RUNTIME_BACKEND')).toBe('e2b');
    expect(e.get('DIFY_AGENT_E2B_API_KEY')).toBe('secret:e2b/api-key');
    expect(e.get('DIFY_AGENT_E2B_TEMPLATE')).toBe('example-team/dify-agent-sandbox');
    expect(e.get('DIFY_AGENT_E2B_ACTIVE_TIMEOUT_SECONDS')).toBe('1800');
    expect(e.get('DIFY_AGENT_STUB_API_BASE_URL')).toBe('https://dify.example.com/agent-stub');
    expect(e.get('DIFY_AGENT_SANDBOX_FILES_BASE_URL')).toBe('https://dify.example.com');
    expect(e.get('DIFY_AGENT_RUN_RETENTION_SECONDS')).toBe('7200');
    expect(e.has('DIFY_AGENT_LOCAL_SANDBOX_ENDPOINT')).toBe(false);
    expect(e.has('DIFY_AGENT_LOCAL_SANDBOX_AUTH_TOKEN')).toBe(false);
    expect(deployment(objects, 'agent-backend')!.spec.replicas).toBe(2);
    const nginx = find(objects, 'ConfigMap', '-proxy')!.data['default.conf'] as string;
    expect(nginx).toContain(`location /agent-stub/ {\n    proxy_pass http://${R}-agent-backend:5050;`);
    const ingress = objects.find((o) => o.kind === 'Ingress')!;
    expect(ingress.spec.rules[0].http.paths.map((p: { path: string }) => p.path)).toContain('/agent-stub/');
    expect(env(objects, 'web').get('NEXT_PUBLIC_ENABLE_AGENT_V2')).toBe('true');
    // Not published with the local runtime.
    expect(find((await render('defaults.yaml')).objects, 'ConfigMap', '-proxy')!.data['default.conf']).not.toContain('/agent-stub');
  });

  it('NOTES describe the agents as deployed', () => {
    const local = notes('defaults.yaml');
    expect(local).toContain('Agents: the agent backend (rel-dify-agent-backend) runs agents\' shell commands in the local sandbox');
    expect(local).toContain('through its own proxy (rel-dify-agent-ssrf-proxy): no internet, no other service.');
    expect(local).toContain('on older nodes set localSandbox.pathIsolation=false');
    expect(notes('local-sandbox-no-isolation.yaml')).not.toContain('localSandbox.pathIsolation=false');
    expect(notes('agents-e2b.yaml')).toContain('runs agents\' commands in E2B sandboxes, which call\n  back https://dify.example.com/agent-stub.');
    expect(notes('agents-off.yaml')).not.toContain('Agents:');
  });

  it('the schema explains combinations that cannot work', async () => {
    expect(await refused('localSandbox.enabled=false')).toContain('agentBackend.runtime=local runs agents\' commands in the local sandbox');
    expect(await refused('agentSsrfProxy.enabled=false')).toContain('keep agentSsrfProxy.enabled=true while the local sandbox runs');
    expect(await refused('agentBackend.runtime="e2b"')).toContain('agentBackend.runtime=e2b needs agentBackend.e2b.apiKey');
    expect(await refused('pluginDaemon.enabled=false')).toContain('agentBackend.enabled needs pluginDaemon.enabled');
    expect(await refused('dify.extraConfig={"AGENT_BACKEND_API_TOKEN":"x"}')).toContain('the chart sets from agentBackend.apiToken');
    // Each of them can be turned off by what they serve.
    for (const set of [['agentBackend.enabled=false'], ['agentBackend.runtime="e2b"', 'agentBackend.e2b.apiKey={"value":"k"}'], ['agentBackend.enabled=false', 'localSandbox.enabled=false', 'agentSsrfProxy.enabled=false']]) {
      const r = await cli(['render', '-f', PINNED, ...set.flatMap((s) => ['--set-json', s])]);
      expect(r.stderr, set.join(' ')).toBe('');
      expect(r.stdout).not.toContain('name: release-name-dify-local-sandbox\n');
    }
  });
});
