/**
 * The Go reference renderer itself, on a hand-made chart (testdata/minichart): Helm's engine
 * rules (shared defines, partials, NOTES.txt, `<no value>`, required), values coalescing, and
 * `helm template`'s output format.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitManifests } from '../../src/render/manifests.js';
import { goRender, goToolchain, requireGo } from './gorender.js';
import { QUIRKS_TOYAML } from '../fixtures/helm-engine-quirks.js';

const MINI = join(import.meta.dirname, 'testdata', 'minichart');



let haveGo = false;
let tmp = '';

beforeAll(() => {
  haveGo = requireGo();
  tmp = mkdtempSync(join(tmpdir(), 'dify-gorender-'));
}, 120_000);

function values(name: string, yaml: string): string {
  const p = join(tmp, name);
  writeFileSync(p, yaml);
  return p;
}

/** [source file, kind] of every printed document. */
function heads(stdout: string): string[] {
  return splitManifests(stdout).map((d) => {
    const source = /^# Source: dify\/templates\/(.+)$/m.exec(d)?.[1] ?? '?';
    const kind = /^kind: (.+)$/m.exec(d)?.[1] ?? '';
    return `${source} ${kind}`.trim();
  });
}

describe('gorender', () => {
  it('reports whether the Go toolchain is usable', () => {
    const t = goToolchain();
    expect(t.ok || typeof t.reason === 'string').toBe(true);
    if (process.env.CI === 'true') expect(t).toEqual({ ok: true });
  });

  it('prints documents kind-sorted over files in path order, hooks last', () => {
    if (!haveGo) return;
    const r = goRender(MINI, []);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(heads(r.stdout)).toEqual([
      'more.yaml Namespace',
      'more.yaml Secret',
      'app.yaml ConfigMap',
      'app.yaml Service',
      'app.yaml Deployment',
      'more.yaml', // the comment-only document: kind "", first of the unknown kinds
      'more.yaml Aardvark',
      'more.yaml Zebra',
      'more.yaml Job', // the hook
    ]);
    expect(r.stdout.startsWith('---\n# Source: dify/templates/more.yaml\napiVersion: v1\nkind: Namespace\n')).toBe(true);
    expect(r.stdout).toContain('\n---\n# Source: dify/templates/more.yaml\n# a comment-only document\n---\n');
    expect(r.stdout).toContain('# Source: dify/templates/more.yaml\n# text after a separator starts the next document\napiVersion: example.com/v1\nkind: Aardvark\n');
    expect(r.stdout.endsWith('"helm.sh/hook": pre-install,pre-upgrade\nspec: {}\n')).toBe(true);
  });

  it('applies Helm engine rules', () => {
    if (!haveGo) return;
    const { stdout } = goRender(MINI, []);
    expect(stdout).toContain(`  values.yaml: |\n${QUIRKS_TOYAML.replace(/^/gm, '    ')}\n---\n`);
    expect(stdout).toContain('  missing: ""\n'); // <no value> removed
    expect(stdout).not.toContain('<no value>');
    expect(stdout).toContain('  printed: "1e+06 0.5 1e+10 1"\n');
    expect(stdout).toContain('  kube: "v1.30.0 1.30 true"\n');
    expect(stdout).toContain('  release: "release-name default Helm 1 true false"\n');
    expect(stdout).toContain('  template: "dify/templates/app.yaml dify/templates"\n');
    expect(stdout).toContain('  chart: "dify 0.1.0 1.2.3 v2"\n');
    expect(stdout).toContain('  tpl: "release-name-tpl"\n  lookup: none\n');
    expect(stdout).toContain(
      '  labels:\n    app.kubernetes.io/name: dify\n    app.kubernetes.io/instance: release-name\n    helm.sh/chart: dify-0.1.0\n    team: platform\nspec:\n',
    );
    expect(stdout).not.toContain('Thank you'); // NOTES.txt
    expect(stdout).not.toContain('name: dropped'); // unknown hook
    expect(stdout).not.toContain('empty.yaml'); // renders to blanks
    expect(stdout).not.toContain('_helpers.tpl');
  });

  it('reads a .tgz (any top folder; the name comes from Chart.yaml) like the directory', () => {
    if (!haveGo) return;
    const tgz = join(tmp, 'mini.tgz');
    execFileSync('tar', ['czf', tgz, '-C', join(MINI, '..'), 'minichart']);
    expect(goRender(tgz, []).stdout).toBe(goRender(MINI, []).stdout);
  });

  it('coalesces -f files as Helm does: maps merge, null deletes, later files win', () => {
    if (!haveGo) return;
    const a = values('a.yaml', 'image:\n  tag: "2.0"\nreplicas: 3\n');
    const b = values('b.yaml', 'labels: null\nreplicas: 4\nimage:\n  extra: x\n');
    const r = goRender(MINI, [a, b], { release: 'rel', namespace: 'ns', kubeVersion: '1.27' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('image: "nginx:2.0"');
    expect(r.stdout).toContain('  replicas: 4\n');
    expect(r.stdout).not.toContain('team: platform');
    expect(r.stdout).toContain('  release: "rel ns Helm 1 true false"\n');
    expect(r.stdout).toContain('  kube: "v1.27.0 1.27 true"\n');
    expect(r.stdout).toContain('kind: Namespace\nmetadata:\n  name: ns\n');
  });

  it('fails on required with the execution error Helm prints', () => {
    if (!haveGo) return;
    const lines = readFileSync(join(MINI, 'templates', 'more.yaml'), 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('required')) + 1;
    const col = lines[line - 1]!.indexOf('required'); // Go prints the 0-based byte offset in the line
    const r = goRender(MINI, [values('secret.yaml', 'secret:\n  enabled: true\n')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `Error: execution error at (dify/templates/more.yaml:${line}:${col}): secret.password is required when secret.enabled\n\n` +
        'Use --debug flag to render out invalid YAML\n',
    );
  });

  it('checks the chart kubeVersion and reports template parse errors as Helm does', () => {
    if (!haveGo) return;
    expect(goRender(MINI, [], { kubeVersion: 'v1.19.0' }).stderr).toBe(
      'Error: chart requires kubeVersion: >=1.20.0-0 which is incompatible with Kubernetes v1.19.0\n\nUse --debug flag to render out invalid YAML\n',
    );
    const broken = join(tmp, 'broken');
    cpSync(MINI, broken, { recursive: true });
    writeFileSync(join(broken, 'templates', 'bad.yaml'), 'kind: A\nx: {{ nope . }}\n');
    const r = goRender(broken, []);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: parse error at (dify/templates/bad.yaml:2): function "nope" not defined\n\nUse --debug flag to render out invalid YAML\n');
  });
});
