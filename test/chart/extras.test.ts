/**
 * What an operator adds of their own: init containers and sidecars in each Dify component's pods,
 * and more objects released with the chart (extraObjects). The chart's own container stays first,
 * theirs follow as given, and the pod's volumes are theirs to share; the objects print as given.
 * Real Helm, lint and the API server see the same fixture with every other one.
 */
import { describe, expect, it } from 'vitest';
import { cli, PINNED } from '../cli/run.js';
import { engineAvailable, find, render, type K8sObject } from './render.js';

interface Container {
  name: string;
  image: string;
  restartPolicy?: string;
  volumeMounts?: { name: string }[];
}

const pod = (o: K8sObject): { containers: Container[]; initContainers?: Container[]; volumes?: { name: string }[] } => o.spec.template.spec;

/** Every Dify component with the two lists, and its own container's name. */
const COMPONENTS: [string, string, string][] = [
  ['api', 'api', 'api'],
  ['apiWebsocket', 'api-websocket', 'api-websocket'],
  ['worker', 'worker', 'worker'],
  ['beat', 'beat', 'beat'],
  ['web', 'web', 'web'],
  ['sandbox', 'sandbox', 'sandbox'],
  ['pluginDaemon', 'plugin-daemon', 'plugin-daemon'],
  ['ssrfProxy', 'ssrf-proxy', 'squid'],
  ['proxy', 'proxy', 'nginx'],
  ['agentBackend', 'agent-backend', 'agent-backend'],
  ['localSandbox', 'local-sandbox', 'local-sandbox'],
  ['agentSsrfProxy', 'agent-ssrf-proxy', 'squid'],
];

describe.skipIf(!engineAvailable)('containers and objects of the operator', () => {
  it('the fixture: sidecars after the chart container, init containers in order, a native sidecar kept as given', async () => {
    const { objects } = await render('extras.yaml');
    const api = pod(find(objects, 'Deployment', '-api')!);
    expect(api.containers.map((c) => c.name)).toEqual(['api', 'db-proxy']);
    expect(api.initContainers).toBeUndefined();
    const worker = pod(find(objects, 'Deployment', '-worker')!);
    expect(worker.containers.map((c) => c.name)).toEqual(['worker']);
    expect(worker.initContainers!.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['log-shipper', 'Always'],
      ['wait-for-db', undefined],
    ]);
    // The shipper reads the volume the worker writes.
    expect(worker.volumes!.map((v) => v.name)).toContain('logs');
    expect(worker.initContainers![0]!.volumeMounts).toEqual([{ name: 'logs', mountPath: '/var/log/dify' }]);
    expect(pod(find(objects, 'Deployment', '-web')!).initContainers!.map((c) => c.name)).toEqual(['warm-cache']);
    expect(pod(find(objects, 'Deployment', '-proxy')!).containers.map((c) => c.name)).toEqual(['nginx', 'exporter']);
    // Components given none have neither.
    const beat = pod(find(objects, 'Deployment', '-beat')!);
    expect([beat.containers.length, beat.initContainers]).toEqual([1, undefined]);
  });

  it('extraObjects: each object once, as given, no labels or namespace added', async () => {
    const { objects, text } = await render('extras.yaml');
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'dify-operator-notes')!;
    expect(cm.metadata).toEqual({ name: 'dify-operator-notes', labels: { team: 'platform' } });
    expect(cm.data).toEqual({ owner: 'platform team' });
    expect(objects.filter((o) => o.kind === 'Role' && o.metadata.name === 'dify-readers')).toHaveLength(1);
    expect(text.split('# Source: dify/templates/extra-objects.yaml\n')).toHaveLength(3);
  });

  it.each(COMPONENTS)("%s: a container named as the chart's own is refused, in either list", async (key, _folder, own) => {
    for (const list of ['sidecars', 'initContainers']) {
      const r = await cli(['render', '-f', PINNED, '--set-json', `${key}.${list}=[{"name":"${own}","image":"x"}]`]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`Error: values.${key}.${list}[0].name: "${own}" is the name of the chart's own container in these pods: give yours another name\n`);
    }
  });

  it.each(COMPONENTS)('%s: a sidecar and an init container given land in its pods', async (key, folder, own) => {
    const r = await cli([
      'render',
      '-f',
      PINNED,
      '--show-only',
      `templates/${folder}/deployment.yaml`,
      '--set-json',
      `${key}.sidecars=[{"name":"side","image":"s:1"}]`,
      '--set-json',
      `${key}.initContainers=[{"name":"first","image":"i:1"}]`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\n {6}initContainers:\n {8}- image: i:1\n {10}name: first\n {6}containers:\n {8}- name: /);
    expect(r.stdout).toContain(`        - name: ${own}\n`);
    expect(r.stdout).toMatch(/\n {8}- image: s:1\n {10}name: side\n/);
    expect(r.stdout.indexOf('name: side')).toBeGreaterThan(r.stdout.indexOf(`- name: ${own}\n`));
  });
});
