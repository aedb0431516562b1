/**
 * .Capabilities and the chart's kubeVersion check, held to real Helm: a chart that prints them,
 * rendered by `dify-chart render` and by `helm template` of its archive, with Helm's defaults and
 * with the `--kube-version` forms users pass (partial, vendor-suffixed, build metadata, invalid).
 * Byte for byte against Helm 3.21.4; where Helm 4.3.2 differs on purpose (its defaults, and the
 * vendor suffix it keeps in .Version), the test says exactly how.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_API_VERSIONS } from '../../src/render/capabilities.js';
import { packageChart } from '../../src/package/chart-archive.js';
import { cli, tempDir } from '../cli/run.js';
import { helmOrSkip, helmTemplate, normalizeHelm4 } from '../support/helm.js';

const haveHelm = helmOrSkip();
let chart = '';
let tgz = '';

beforeAll(async () => {
  const dir = tempDir('dify-caps-');
  chart = join(dir, 'caps');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: caps\nversion: 0.1.0\nkubeVersion: ">=1.21.0-0 <2.0.0"\n');
  writeFileSync(join(chart, 'values.yaml'), '{}\n');
  writeFileSync(join(chart, 'values.schema.json'), '{"type":"object"}\n');
  writeFileSync(
    join(chart, 'templates', 'caps.yaml.hbs'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: caps',
      'data:',
      '  version: {{quote Capabilities.KubeVersion.Version}}',
      '  major: {{quote Capabilities.KubeVersion.Major}}',
      '  minor: {{quote Capabilities.KubeVersion.Minor}}',
      '  helm: {{quote Capabilities.HelmVersion.Version}}',
      '  apiVersions: {{quote (join "," Capabilities.APIVersions)}}',
      '',
    ].join('\n'),
  );
  // Printed only with --set print=true: the other tests hold the chart's output without it.
  writeFileSync(
    join(chart, 'templates', 'print.yaml.hbs'),
    [
      '{{#if Values.print}}',
      'kind: ConfigMap',
      'data:',
      '  direct: "{{Capabilities.KubeVersion}}"',
      '  with: "{{#with Capabilities.KubeVersion}}{{this}}{{/with}}"',
      '  git: "{{Capabilities.KubeVersion.GitVersion}}"',
      '  json: {{quote (toJson Capabilities.KubeVersion)}}',
      '  yaml: {{quote (toYaml Capabilities.KubeVersion)}}',
      '  printf: {{quote (printf "%v|%s|%q|%d" Capabilities.KubeVersion Capabilities.KubeVersion Capabilities.KubeVersion Capabilities.KubeVersion)}}',
      '  args: |-',
      '    {{quote Capabilities.KubeVersion}} {{quote (toString Capabilities.KubeVersion)}} {{quote (join "," (list Capabilities.KubeVersion "x"))}}',
      '  results: "{{default "d" Capabilities.KubeVersion}} {{dict "k" Capabilities.KubeVersion}} {{list Capabilities.KubeVersion}}"',
      '{{/if}}',
      '',
    ].join('\n'),
  );
  const archive = await packageChart({ chartDir: chart });
  tgz = join(dir, archive.fileName);
  writeFileSync(tgz, archive.bytes);
}, 120_000);

const ours = (flags: string[]) => cli(['render', 'r', '--chart', chart, ...flags]);
const kubeFlags = (v: string | undefined) => (v === undefined ? {} : { kubeVersion: v });

describe.skipIf(!haveHelm)('.Capabilities as real Helm gives them', () => {
  it('defaults: Helm 3.21.4 byte for byte; Helm 4.3.2 differs only in its own defaults', async () => {
    const r = await ours([]);
    expect(r.stderr).toBe('');
    const h3 = await helmTemplate(3, tgz, [], { release: 'r' });
    expect(h3.code).toBe(0);
    expect(r.stdout).toBe(h3.stdout);
    const h4 = await helmTemplate(4, tgz, [], { release: 'r' });
    const helm4Defaults = asHelm4(r.stdout).replace('version: "v1.36.0"', 'version: "v1.37.0"').replace('minor: "36"', 'minor: "37"');
    expect(normalizeHelm4(h4.stdout)).toBe(helm4Defaults);
  });

  it.each([
    ['1.30', false],
    ['v1.30.0', false],
    ['v1.30.01', true],
    ['v1.30.1-gke.1', true],
    ['1.30.1+k3s1', true],
  ])('--kube-version %s', async (version, helm4KeepsText) => {
    const r = await ours(['--kube-version', version, '-a', 'monitoring.coreos.com/v1']);
    expect(r.stderr).toBe('');
    const opts = { release: 'r', apiVersions: ['monitoring.coreos.com/v1'], ...kubeFlags(version) };
    const h3 = await helmTemplate(3, tgz, [], opts);
    expect(h3.stderr).toBe('');
    expect(r.stdout).toBe(h3.stdout);
    // Helm 4 keeps the text it was given in .Version (suffix, leading zeros) and checks the
    // normalised one against kubeVersion, as 3.21 does.
    const h4 = normalizeHelm4((await helmTemplate(4, tgz, [], opts)).stdout);
    const expected4 = asHelm4(r.stdout);
    expect(h4).toBe(helm4KeepsText ? expected4.replace(/version: "[^"]*"/, `version: "${version.startsWith('v') ? version : `v${version}`}"`) : expected4);
  });

  it('-a takes comma-separated lists, read as CSV as Helm reads its string slices', async () => {
    const lists = ['x.example/v1,"y.example/v1"', 'z.example/v1'];
    const r = await ours(lists.flatMap((l) => ['--api-versions', l]));
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('x.example/v1,y.example/v1,z.example/v1"');
    const h3 = await helmTemplate(3, tgz, [], { release: 'r', apiVersions: lists });
    expect(h3.stderr).toBe('');
    expect(r.stdout).toBe(h3.stdout);
    const h4 = await helmTemplate(4, tgz, [], { release: 'r', apiVersions: lists });
    // Helm 4's own default Kubernetes is 1.37.
    expect(normalizeHelm4(h4.stdout)).toBe(asHelm4(r.stdout).replace('version: "v1.36.0"', 'version: "v1.37.0"').replace('minor: "36"', 'minor: "37"'));
  });

  it('prints Capabilities.KubeVersion as Go does: its String() where the template prints the field, the struct where a function takes or returns it', async () => {
    const flags = ['--kube-version', 'v1.30.0', '--set', 'print=true', '-s', 'templates/print.yaml'];
    const r = await ours(flags);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('direct: "v1.30.0"');
    const opts = { release: 'r', kubeVersion: 'v1.30.0', set: ['print=true'], showOnly: ['templates/print.yaml'] };
    const h3 = await helmTemplate(3, tgz, [], opts);
    expect(h3.stderr).toBe('');
    expect(r.stdout).toBe(h3.stdout);
    // Helm 4's struct has one more field, the normalised version (unexported, so not in JSON or YAML).
    const h4 = await helmTemplate(4, tgz, [], opts);
    expect(h4.stderr).toBe('');
    expect(normalizeHelm4(h4.stdout)).toBe(
      r.stdout
        .replaceAll('{v1.30.0 1 30}', '{v1.30.0 v1.30.0 1 30}')
        .replace('{\\"v1.30.0\\" \\"1\\"', '{\\"v1.30.0\\" \\"v1.30.0\\" \\"1\\"')
        .replace('{%!d(string=v1.30.0) ', '{%!d(string=v1.30.0) %!d(string=v1.30.0) '),
    );
  });

  it.each(['banana', '1', '01.30.0', 'v1.20.0', '2.0.0', '1.30.1.2', '1.30\n', '1.30\nx'])('--kube-version %s fails as in Helm, with its message', async (version) => {
    const r = await ours(['--kube-version', version]);
    expect(r.stdout).toBe('');
    expect(r.code).not.toBe(0);
    for (const major of [3, 4] as const) {
      const h = await helmTemplate(major, tgz, [], { release: 'r', kubeVersion: version });
      expect(h.code).toBe(1);
      const message = /^Error: (.*)$/m.exec(h.stderr)?.[1];
      expect(message, h.stderr).toBeDefined();
      expect(r.stderr).toContain(message!);
    }
  });
});

/** What Helm 4.3.2 prints where our render (Helm 3.21.4's) prints its version and API list. */
function asHelm4(ours: string): string {
  return ours.replace('helm: "v3.21.4"', 'helm: "v4.3.2"').replace(DEFAULT_API_VERSIONS.join(','), HELM4_API_VERSIONS.join(','));
}

/** Helm 4.3.2's default list (client-go v0.37): two group/versions more than Helm 3.21.4's. */
const HELM4_API_VERSIONS = DEFAULT_API_VERSIONS.flatMap((v) => {
  if (v === 'networking.k8s.io/v1') return ['lifecycle.k8s.io/v1alpha1', v];
  if (v === 'scheduling.k8s.io/v1alpha2') return ['scheduling.k8s.io/v1alpha3'];
  if (v === 'storagemigration.k8s.io/v1beta1') return ['storagemigration.k8s.io/v1', v];
  return [v];
});
