/**
 * The GitHub Actions workflows are linted here with real actionlint (built from its Go module by
 * tools/build.sh), which also runs shellcheck on every `run:` script when shellcheck is on PATH,
 * so a broken workflow fails `npm test` instead of failing on GitHub. Plus the release
 * engineering rules actionlint does not know: pinned actions, least privilege, and CI installing
 * the same packages as .ci/run. With CI=true a missing actionlint or shellcheck fails the file;
 * elsewhere the lint is skipped with the reason, as Helm's tests are (test/support/helm.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { exec } from '../support/exec.js';

const ROOT = join(import.meta.dirname, '..', '..');
const WORKFLOWS = ['.github/workflows/ci.yml', '.github/workflows/release.yml'];

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; name?: string; env?: Record<string, string> };
type Job = {
  steps: Step[];
  permissions?: Record<string, string>;
  needs?: string | string[];
  concurrency?: Record<string, unknown>;
  if?: string;
  strategy?: { matrix?: Record<string, unknown> };
};
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job>; concurrency?: Record<string, unknown> };

const text = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const workflow = (file: string) => parse(text(file)) as Workflow;

/** The version tools/build.sh builds. */
const ACTIONLINT_VERSION = 'v1.7.12';
const ACTIONLINT = process.env['DIFY_CHART_ACTIONLINT'] ?? join(ROOT, 'tools', 'bin', 'actionlint');

function lintTools(): { ok: true; shellcheck: boolean } | { ok: false; reason: string } {
  if (!existsSync(ACTIONLINT)) return { ok: false, reason: `actionlint ${ACTIONLINT_VERSION} is not built: run tools/build.sh (${ACTIONLINT} is missing)` };
  const v = spawnSync(ACTIONLINT, ['-version'], { encoding: 'utf8' });
  const version = (v.stdout ?? '').split('\n')[0]!.trim();
  if (version !== ACTIONLINT_VERSION) return { ok: false, reason: `${ACTIONLINT} is ${version || 'unusable'}, not actionlint ${ACTIONLINT_VERSION}: run tools/build.sh` };
  const shellcheck = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!shellcheck && process.env['CI'] === 'true') return { ok: false, reason: 'shellcheck is not installed (.ci/run installs it)' };
  return { ok: true, shellcheck };
}

const tools = lintTools();
if (!tools.ok && process.env['CI'] === 'true') throw new Error(`actionlint is required in CI: ${tools.reason}`);

interface Finding {
  filepath: string;
  line: number;
  column: number;
  message: string;
  kind: string;
}

/** actionlint's findings for the files, as JSON; shellcheck off when it is not installed (outside CI). */
async function actionlint(files: string[], cwd = ROOT): Promise<Finding[]> {
  const args = ['-format', '{{json .}}', ...(tools.ok && !tools.shellcheck ? ['-shellcheck='] : []), ...files];
  const r = await exec(ACTIONLINT, args, { cwd });
  // Exit 0: no finding; 1: findings; anything else is actionlint failing to run.
  expect([0, 1], r.stderr).toContain(r.status);
  return JSON.parse(r.stdout || '[]') as Finding[];
}

describe.skipIf(!tools.ok)(`actionlint ${ACTIONLINT_VERSION}${tools.ok ? (tools.shellcheck ? ' with shellcheck' : ' (shellcheck not installed: run: scripts unchecked)') : `: skipped, ${tools.ok ? '' : tools.reason}`}`, () => {
  it('finds nothing in .github/workflows/*.yml, and lints every workflow there', async () => {
    const files = readdirSync(join(ROOT, '.github', 'workflows'))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => `.github/workflows/${f}`)
      .sort();
    expect(files).toEqual([...WORKFLOWS].sort());
    const findings = (await actionlint(files)).map((e) => `${e.filepath}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    expect(findings).toEqual([]);
  });

  it('reports a broken workflow (so the test above can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dify-actionlint-'));
    const broken = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-24.04',
      '    needs: nowhere',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '      - run: echo ${{ matrix.missing }}',
      '      - run: cd $HOME/x; cat $1',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'broken.yml'), broken);
    const kinds = (await actionlint(['broken.yml'], dir)).map((e) => e.kind);
    expect(kinds).toContain('job-needs');
    expect(kinds).toContain('expression');
    if (tools.ok && tools.shellcheck) expect(kinds).toContain('shellcheck');
  });
});

describe('release engineering rules', () => {
  it('pins every action to a commit SHA (with the tag in a comment)', () => {
    for (const file of WORKFLOWS) {
      for (const line of text(file).split('\n')) {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!m) continue;
        expect(m[1], `${file}: ${line.trim()}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        expect(m[2], `${file}: ${line.trim()}`).toMatch(/# v\d+\.\d+\.\d+/);
      }
    }
  });

  it('grants contents: read by default and more only to the jobs that publish', () => {
    const ci = workflow('.github/workflows/ci.yml');
    expect(ci.permissions).toEqual({ contents: 'read' });
    for (const job of Object.values(ci.jobs)) expect(job.permissions).toBeUndefined();
    const release = workflow('.github/workflows/release.yml');
    expect(release.permissions).toEqual({ contents: 'read' });
    expect(release.jobs['test']!.permissions).toBeUndefined();
    // id-token: write only where cosign keyless signs or npm attests provenance.
    expect(release.jobs['release']!.permissions).toEqual({ contents: 'write', 'id-token': 'write' });
    expect(release.jobs['oci']!.permissions).toEqual({ contents: 'read', packages: 'write', 'id-token': 'write' });
    expect(release.jobs['npm']!.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
  });

  it('cancels stale PR runs in CI and never cancels a release', () => {
    const ci = workflow('.github/workflows/ci.yml');
    expect(ci.concurrency?.['cancel-in-progress']).toBe("${{ github.event_name == 'pull_request' }}");
    const release = workflow('.github/workflows/release.yml');
    expect(release.jobs['release']!.concurrency).toEqual({ group: 'release', 'cancel-in-progress': false });
    expect(release.on).toHaveProperty('workflow_dispatch');
    expect((release.on['push'] as { paths: string[] }).paths).toEqual(['chart/Chart.yaml']);
  });

  it('installs in CI the same Debian packages as .ci/run', () => {
    const packages = (script: string) => {
      const m = /apt-get install -y --no-install-recommends((?:[^\n]*\\\n)*[^\n]*)/.exec(script);
      expect(m, 'an apt-get install line').not.toBeNull();
      return m![1]!.replace(/\\\n/g, ' ').trim().split(/\s+/).sort();
    };
    const list = /^PACKAGES=\(([^)]*)\)$/m.exec(text('.ci/run'));
    expect(list, '.ci/run names its packages in PACKAGES=(...)').not.toBeNull();
    expect(text('.ci/run')).toContain('apt-get install -y --no-install-recommends "${PACKAGES[@]}"');
    const expected = list![1]!.trim().split(/\s+/).sort();
    for (const file of WORKFLOWS) {
      const install = workflow(file).jobs['test']!.steps.find((s) => s.run?.includes('apt-get install'));
      expect(packages(install!.run!), file).toEqual(expected);
    }
  });

  it('has run scripts that bash can parse, with no ${{ }} expression spliced into them', async () => {
    for (const file of WORKFLOWS) {
      for (const [id, job] of Object.entries(workflow(file).jobs)) {
        for (const step of job.steps) {
          if (step.run === undefined) continue;
          const where = `${file} ${id}: ${step.name ?? step.run.split('\n')[0]}`;
          // Values reach scripts through env:, never by text substitution (script injection).
          expect(step.run, where).not.toContain('${{');
          const r = await exec('bash', ['-n', '-c', step.run]);
          expect(r.stderr, where).toBe('');
          expect(r.status, where).toBe(0);
        }
      }
    }
  });

  it('tests every supported Node line: the matrix starts at the engines floor of package.json', () => {
    const engines = (JSON.parse(text('package.json')) as { engines: { node: string } }).engines.node;
    const floor = Number(/^>=(\d+)$/.exec(engines)?.[1]);
    const matrix = workflow('.github/workflows/ci.yml').jobs['test']!.strategy?.matrix?.['node'];
    expect(matrix).toEqual([floor, floor + 2, floor + 4]);
  });

  it('runs the same test job in the release as in CI', () => {
    expect(workflow('.github/workflows/release.yml').jobs['test']).toEqual(workflow('.github/workflows/ci.yml').jobs['test']);
  });

  it('CI checks every fixture with helm lint, helm template vs dify-chart render, and kubeconform -strict', () => {
    const ci = text('.github/workflows/ci.yml');
    expect(ci).toContain('for values in test/fixtures/values/*.yaml');
    expect(ci).toContain('helm lint --strict');
    expect(ci).toContain('diff -u "rendered/helm/$name.yaml" "rendered/dify-chart/$name.yaml"');
    expect(ci).toContain('rendered/helm/*.yaml');
    expect(ci).toMatch(/kubeconform -strict -summary/);
    expect(ci).not.toContain('-ignore-missing-schemas');
    expect(ci).toContain('.github/ci-values.yaml');
  });
});

describe('publishing (release.yml)', () => {
  const release = workflow('.github/workflows/release.yml');
  const runs = (job: string) => release.jobs[job]!.steps.map((st) => st.run ?? '').join('\n');
  const uses = (job: string) => release.jobs[job]!.steps.map((st) => st.uses ?? '').join('\n');

  it('signs the archive keyless and attaches the bundle and the values schema to the GitHub Release', () => {
    expect(uses('release')).toMatch(/^sigstore\/cosign-installer@/m);
    expect(runs('release')).toContain('cosign sign-blob --yes --bundle "dist/dify-$VERSION.tgz.sigstore.json" "dist/dify-$VERSION.tgz"');
    expect(runs('release')).toMatch(/gh release create "dify-\$VERSION" \\\n\s+"dist\/dify-\$VERSION\.tgz" "dist\/dify-\$VERSION\.tgz\.sigstore\.json" chart\/values\.schema\.json/);
    // One version bump releases the chart and the npm package.
    expect(runs('release')).toContain("require('./package.json').version");
  });

  it('pushes every release to oci://ghcr.io/<owner>/charts (no opt-in) and signs the pushed digest', () => {
    const oci = release.jobs['oci']!;
    expect(oci.needs).toBe('release');
    expect(oci.if).toBeUndefined();
    expect(release.on['workflow_dispatch']).toBeNull();
    expect(runs('oci')).toContain('repository="$registry/${GITHUB_REPOSITORY_OWNER,,}/charts"');
    expect(runs('oci')).toContain('helm push "$RUNNER_TEMP/dify-$VERSION.tgz" "oci://$repository"');
    expect(runs('oci')).toContain('cosign sign --yes "$repository/dify@$digest"');
  });

  it('publishes the npm package with provenance from the same release', () => {
    const npm = release.jobs['npm']!;
    expect(npm.needs).toBe('release');
    const setup = npm.steps.find((st) => st.uses?.startsWith('actions/setup-node@'));
    expect(setup?.with?.['registry-url']).toBe('https://registry.npmjs.org');
    expect(runs('npm')).toMatch(/^\s*npm publish --provenance --access public$/m);
  });

  it('keeps the Sigstore bundle and the archive under names the README shows', () => {
    const readme = text('README.md');
    expect(readme).toContain('dify-<version>.tgz.sigstore.json');
    expect(readme).toContain('--certificate-oidc-issuer https://token.actions.githubusercontent.com');
    expect(readme).toContain('# yaml-language-server: $schema=https://github.com/<owner>/dify-chart/releases/download/dify-<version>/values.schema.json');
    expect(readme).toMatch(/helm install my-dify oci:\/\/ghcr\.io\/<owner>\/charts\/dify --version <version>/);
  });
});
