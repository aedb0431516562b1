/**
 * One semver module (src/go/semver.ts) for the `semverCompare` helper, Chart.yaml's kubeVersion and
 * `repo index` ordering: SemVer 2 precedence, read as Masterminds/semver v3.5 (Helm, sprig) reads
 * versions and constraints. The expected answers are Masterminds v3.5.0's own (its Check, run in Go).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import satisfies from 'semver/functions/satisfies.js';
import { compareVersionsDesc, isVersion, semverCompare } from '../../src/go/semver.js';
import { cli, ROOT, tempDir } from '../cli/run.js';
import { helm, HELM_MAJORS, helmOrSkip } from '../support/helm.js';

/** [constraint, version, Masterminds' answer] */
const MASTERMINDS: [string, string, boolean][] = [
  ['>=1.0.0-rc.9', '1.0.0-rc.10', true],
  ['>=1.0.0-rc.10', '1.0.0-rc.9', false],
  ['<1.0.0-rc.10', '1.0.0-rc.9', true],
  ['>1.0.0-alpha', '1.0.0-alpha.1', true],
  ['>1.0.0-alpha.1', '1.0.0-alpha.beta', true],
  ['>1.0.0-beta.2', '1.0.0-beta.11', true],
  ['<1.0.0', '1.0.0-rc.1', false],
  ['>1.0.0-1', '1.0.0-alpha', true],
  ['=1.0.0+build.1', '1.0.0+build.2', true],
  // A prerelease bound admits prereleases for its whole AND group (Masterminds v3.5).
  ['>=1.21.0-0 <2.0.0', '1.30.1-gke.1', true],
  ['>=1.21.0 <2.0.0', '1.30.1-gke.1', false],
  ['>=1.21.0 <2.0.0 || >=1.0.0-0', '1.30.1-gke.1', true],
  ['>=1.29.0-0', 'v1.30.0', true],
  ['>= 1.2', 'v1.2', true],
  ['1.2', '1.2.9', true],
  ['1.2.x', '1.3.0', false],
  ['~1.2.3', '1.2.9', true],
  ['~1.2.3', '1.3.0', false],
  ['^1.2.3', '1.9.0', true],
  ['^1.2.3', '2.0.0', false],
  ['^0.2.3', '0.2.9', true],
  ['^0.2.3', '0.3.0', false],
  ['^0.0.3', '0.0.4', false],
  ['>11', '11.1.0', false],
  ['>11.1', '11.2.0', true],
  ['<=1.2', '1.2.9', true],
  ['!=1.x', '1.5.0', false],
  ['!=1.2.3', '1.2.4', true],
  ['1.2 - 1.4.5', '1.4.6', false],
  ['1.2 - 1.4.5', '1.3.0', true],
  ['>1.0, <2', '1.5.0', true],
  ['*', '1.0.0-rc.1', false],
  ['>=01.2.3', '1.2.3', true],
];

describe('src/go/semver.ts reads versions and constraints as Masterminds/semver v3.5', () => {
  it.each(MASTERMINDS)('semverCompare %j %j is %s', (constraint, version, expected) => {
    expect(semverCompare(constraint, version)).toBe(expected);
  });

  it('refuses what Masterminds refuses', () => {
    for (const [c, v] of [['>=abc', '1.0.0'], ['>=1.0.0', '1.2.3.4'], ['>=1.0.0', '1.0.0-01'], ['', '1.0.0'], ['>=1.0.0', ' 1.0.0']] as const) {
      expect(() => semverCompare(c, v), `${c} ${v}`).toThrow();
    }
    expect(isVersion('1.2')).toBe(true);
    expect(isVersion('v1.2.3-rc.1+b')).toBe(true);
    expect(isVersion('1.2.3.4')).toBe(false);
  });

  it('orders newest first with numeric prerelease identifiers as numbers', () => {
    const versions = ['1.0.0-rc.9', '1.0.0-rc.2', '0.9.0', '1.0.0', 'not-a-version', '1.0.0-rc.10', '1.0.0-beta.11', '1.0.0-beta.2'];
    expect(versions.sort(compareVersionsDesc)).toEqual(['1.0.0', '1.0.0-rc.10', '1.0.0-rc.9', '1.0.0-rc.2', '1.0.0-beta.11', '1.0.0-beta.2', '0.9.0', 'not-a-version']);
  });
});

describe('through the command line', () => {
  it('repo index lists rc.10 before rc.9 before rc.2', async () => {
    const dir = tempDir('dify-rc-');
    for (const v of ['1.0.0-rc.9', '1.0.0-rc.2', '1.0.0-rc.10']) {
      const r = await cli(['package', '--version', v, '--destination', dir]);
      expect(r.code, r.stderr).toBe(0);
    }
    const r = await cli(['repo', 'index', dir]);
    expect(r.code, r.stderr).toBe(0);
    const index = parse(readFileSync(join(dir, 'index.yaml'), 'utf8')) as { entries: { dify: { version: string }[] } };
    expect(index.entries.dify.map((e) => e.version)).toEqual(['1.0.0-rc.10', '1.0.0-rc.9', '1.0.0-rc.2']);
  }, 60_000);

  it('the semverCompare helper answers as sprig does in a rendered template', async () => {
    const chart = join(tempDir('dify-semver-'), 'c');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
    writeFileSync(join(chart, 'values.yaml'), '{}\n');
    const lines = MASTERMINDS.map(([c, v], i) => `  c${i}: {{quote (semverCompare ${JSON.stringify(c)} ${JSON.stringify(v)})}}`);
    writeFileSync(join(chart, 'templates', 'cm.yaml.hbs'), ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: semver', 'data:', ...lines, ''].join('\n'));
    const r = await cli(['render', '--chart', chart]);
    expect(r.code, r.stderr).toBe(0);
    const data = (parse(r.stdout.replace(/^---\n# Source: .*\n/, '')) as { data: Record<string, string> }).data;
    expect(MASTERMINDS.map((_c, i) => data[`c${i}`])).toEqual(MASTERMINDS.map(([, , b]) => String(b)));
  });
});

/** npm `semver`'s satisfies, or 'refused' where it throws or reads no version. */
function npmSatisfies(constraint: string, version: string, opts: { includePrerelease?: boolean; loose?: boolean }): boolean | 'refused' {
  try {
    return satisfies(version, constraint, opts);
  } catch {
    return 'refused';
  }
}

describe('npm semver alone does not answer as Masterminds (so src/go/semver.ts stays a port)', () => {
  const kubeVersion = (parse(readFileSync(join(ROOT, 'chart', 'Chart.yaml'), 'utf8')) as { kubeVersion: string }).kubeVersion;

  it.skipIf(!helmOrSkip())("real Helm admits a GKE-style Kubernetes version for the chart's kubeVersion; npm's satisfies refuses it", async () => {
    const chart = join(tempDir('dify-kubeversion-'), 'k');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), `apiVersion: v2\nname: k\nversion: 0.1.0\nkubeVersion: ${JSON.stringify(kubeVersion)}\n`);
    writeFileSync(join(chart, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k\n');
    for (const [version, admitted] of [['1.30.1-gke.1', true], ['v1.29.0-eks-5e0fdde', true], ['v1.28.9', false]] as const) {
      for (const major of HELM_MAJORS) {
        expect((await helm(major, ['template', 'r', chart, '--kube-version', version])).code === 0, `helm ${major} ${version}`).toBe(admitted);
      }
      expect(semverCompare(kubeVersion, version), version).toBe(admitted);
    }
    expect(npmSatisfies(kubeVersion, '1.30.1-gke.1', {})).toBe(false);
  });

  it("differs from Masterminds' answers with every option set npm offers", () => {
    for (const opts of [{}, { loose: true }, { includePrerelease: true }, { loose: true, includePrerelease: true }]) {
      const differing = MASTERMINDS.filter(([c, v, want]) => npmSatisfies(c, v, opts) !== want).map(([c, v]) => `${c} ${v}`);
      expect(differing.length, JSON.stringify(opts)).toBeGreaterThan(0);
      // No `!=`, and a prerelease admitted or refused against Masterminds' rule.
      expect(differing, JSON.stringify(opts)).toContain('!=1.2.3 1.2.4');
      expect(differing.some((d) => /-(rc|gke)/.test(d)), JSON.stringify(opts)).toBe(true);
    }
  });
});
