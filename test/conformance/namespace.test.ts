/**
 * Without `-n`, `dify-chart render` takes the namespace real Helm's `helm template` takes: from
 * HELM_NAMESPACE, else from the kubeconfig's current context (KUBECONFIG's files merged, the
 * first to set a name winning; HELM_KUBECONTEXT choosing another context), else "default"; an
 * unusable kubeconfig (an unknown context, a certificate file that cannot be read, a file that
 * does not parse) gives "default"; `-n ''` passes HELM_NAMESPACE over. Each case runs through both real Helms with
 * the same environment.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { CHART, cli, tempDir } from '../cli/run.js';
import { helm, HELM_MAJORS, helmOrSkip } from '../support/helm.js';

const haveHelm = helmOrSkip();
let dir = '';
let tgz = '';

const cluster = (name: string, extra = ''): string => `- name: ${name}\n  cluster:\n    server: https://${name}.example:6443\n${extra}`;
const context = (name: string, clusterName: string, ns?: string): string =>
  `- name: ${name}\n  context:\n    cluster: ${clusterName}\n    user: u\n${ns === undefined ? '' : `    namespace: ${ns}\n`}`;

function kubeconfig(file: string, body: { current?: string; clusters?: string[]; contexts?: string[] }): string {
  const path = join(dir, file);
  const lines = ['apiVersion: v1', 'kind: Config'];
  if (body.current !== undefined) lines.push(`current-context: ${body.current}`);
  lines.push('clusters:', ...(body.clusters ?? []), 'contexts:', ...(body.contexts ?? []), 'users:', '- name: u', '  user:', '    token: t');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The namespaces the render's objects name. */
const namespaces = (out: string): string[] => [...new Set([...out.matchAll(/^ {2}namespace: (\S+)$/gm)].map((m) => m[1]!))];

beforeAll(async () => {
  dir = tempDir('dify-namespace-');
  const archive = await packageChart({ chartDir: CHART });
  tgz = join(dir, archive.fileName);
  writeFileSync(tgz, archive.bytes);
}, 120_000);

describe.skipIf(!haveHelm)('the namespace when -n is not given, as real Helm takes it', () => {
  it('agrees with both Helms on HELM_NAMESPACE, merged kubeconfigs, HELM_KUBECONTEXT and unusable configs', async () => {
    const a = kubeconfig('a.yaml', { current: 'work', clusters: [cluster('c1')], contexts: [context('work', 'c1', 'team-a'), context('bare', 'c1')] });
    const b = kubeconfig('b.yaml', { current: 'other', clusters: [cluster('c2')], contexts: [context('work', 'c2', 'team-b'), context('second', 'c2', 'team-c')] });
    const noServer = kubeconfig('c.yaml', { current: 'x', clusters: ['- name: c3\n  cluster:\n    insecure-skip-tls-verify: true\n'], contexts: [context('x', 'c3', 'team-d')] });
    const badCa = kubeconfig('d.yaml', { current: 'y', clusters: [cluster('c4', `    certificate-authority: ${join(dir, 'missing-ca.crt')}\n`)], contexts: [context('y', 'c4', 'team-e')] });
    const certNoKey = join(dir, 'f.yaml');
    writeFileSync(certNoKey, `current-context: z\nclusters:\n${cluster('c5')}contexts:\n${context('z', 'c5', 'team-f')}users:\n- name: u\n  user:\n    client-certificate-data: Zm9v\n`);
    // One context `w` (namespace team) on cluster c, user u, and one change each, all of which client-go refuses
    // (so Helm says "default") but the last, where go-yaml keeps the later of two equal keys.
    const variant = (name: string, change: { context?: string; user?: string; cluster?: string; top?: string }): string => {
      const path = join(dir, `${name}.yaml`);
      writeFileSync(
        path,
        `current-context: w\n${change.top ?? ''}clusters:\n- name: c\n  cluster:\n    server: https://c.example:6443\n${change.cluster ?? ''}` +
          `contexts:\n- name: w\n  context:\n    cluster: c\n    user: u\n    namespace: team\n${change.context ?? ''}` +
          `users:\n- name: u\n  user:\n${change.user ?? '    token: t\n'}`,
      );
      return path;
    };
    const refused = [
      variant('dup-context', { context: '- name: w\n  context:\n    cluster: c\n    user: u\n    namespace: other\n' }),
      variant('yes-namespace', { context: '- name: y\n  context:\n    namespace: yes\n' }),
      variant('number-token', { user: '    token: 5\n' }),
      variant('two-methods', { user: '    token: t\n    username: a\n' }),
      variant('exec-v1', { user: '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: x\n' }),
      variant('exec-provider', { user: '    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: x\n    auth-provider:\n      name: p\n' }),
      variant('exec-env', { user: '    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: x\n      env:\n      - name: ""\n        value: v\n' }),
      variant('proxy-ftp', { cluster: '    proxy-url: ftp://x\n' }),
      variant('bad-base64', { cluster: '    certificate-authority-data: "not base64!"\n' }),
      variant('uid-alone', { user: '    token: t\n    as-uid: "1"\n' }),
    ];
    const execOk = variant('exec-v1beta1', { user: '    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: x\n' });
    const twice = variant('twice', { top: 'current-context: v\n', context: '- name: v\n  context:\n    cluster: c\n    user: u\n    namespace: team2\n' });
    const broken = join(dir, 'e.yaml');
    writeFileSync(broken, 'clusters: [\n');
    const cases: { env: NodeJS.ProcessEnv; expected: string; args?: string[] }[] = [
      { env: { HELM_NAMESPACE: 'from-env' }, expected: 'from-env' },
      // `-n ''` is no namespace: HELM_NAMESPACE is passed over, the kubeconfig's (else default) taken.
      { env: { HELM_NAMESPACE: 'from-env' }, expected: 'default', args: ['-n', ''] },
      { env: { HELM_NAMESPACE: 'from-env', KUBECONFIG: a }, expected: 'team-a', args: ['--namespace='] },
      { env: { KUBECONFIG: a }, expected: 'team-a' },
      { env: { KUBECONFIG: `${b}:${a}` }, expected: 'default' }, // b's current context "other" does not exist
      { env: { KUBECONFIG: `${a}:${b}` }, expected: 'team-a' }, // the first file's "work" wins
      { env: { KUBECONFIG: `${a}:${b}`, HELM_KUBECONTEXT: 'second' }, expected: 'team-c' },
      { env: { KUBECONFIG: a, HELM_KUBECONTEXT: 'bare' }, expected: 'default' },
      { env: { KUBECONFIG: a, HELM_NAMESPACE: 'from-env' }, expected: 'from-env' },
      { env: { KUBECONFIG: noServer }, expected: 'team-d' }, // client-go fills in a default server
      { env: { KUBECONFIG: badCa }, expected: 'default' },
      { env: { KUBECONFIG: certNoKey }, expected: 'default' },
      { env: { KUBECONFIG: `${broken}:${a}` }, expected: 'default' },
      { env: { KUBECONFIG: join(dir, 'missing.yaml') }, expected: 'default' },
      ...refused.map((k) => ({ env: { KUBECONFIG: k }, expected: 'default' })),
      { env: { KUBECONFIG: execOk }, expected: 'team' },
      { env: { KUBECONFIG: twice }, expected: 'team2' },
    ];
    for (const c of cases) {
      const label = JSON.stringify(c.env).replaceAll(dir, '');
      const ours = await cli(['render', 'r', '--show-only', 'templates/api/service.yaml', ...(c.args ?? [])], { env: { ...process.env, ...c.env } });
      expect(ours.stderr, label).toBe('');
      expect(namespaces(ours.stdout), label).toEqual([c.expected]);
      for (const major of HELM_MAJORS) {
        const r = await helm(major, ['template', 'r', tgz, '--show-only', 'templates/api/service.yaml', ...(c.args ?? [])], { env: c.env });
        expect(r.code, `helm ${major} ${label}: ${r.stderr}`).toBe(0);
        expect(namespaces(r.stdout), `helm ${major} ${label}`).toEqual([c.expected]);
      }
    }
  }, 300_000);
});
