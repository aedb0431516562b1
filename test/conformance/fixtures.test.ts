/**
 * The proof: every developer fixture renders through `dify-chart render` (the real CLI) to exactly
 * the bytes real Helm 3.21.4 prints for `helm template` of the packaged archive, and to what real
 * Helm 4.3.2 prints up to its one intended printing difference (normalizeHelm4); `helm lint
 * --strict` of the archive is clean in both, alone and with each fixture.
 *
 * Each side renders twice and must print the same bytes both times (no value is drawn at render time).
 *
 * A fixture may start with `# helm-template-flags: ...` (--kube-version, --api-versions): both
 * sides get the same flags.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { CHART, cli, FIXTURES, tempDir } from '../cli/run.js';
import { helm, HELM_MAJORS, helmOrSkip, helmTemplateBoth } from '../support/helm.js';

const NAMESPACE = 'dify';
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();
const haveHelm = helmOrSkip();
let tgz = '';

/** The flags a fixture asks for, split as a shell would split plain words. */
function flagsOf(file: string): string[] {
  const m = /^# helm-template-flags: (.*)$/m.exec(readFileSync(file, 'utf8'));
  return m ? m[1]!.trim().split(/\s+/) : [];
}

beforeAll(async () => {
  const archive = await packageChart({ chartDir: CHART });
  tgz = join(tempDir('dify-conformance-'), archive.fileName);
  writeFileSync(tgz, archive.bytes);
}, 120_000);

describe('every fixture renders what real Helm renders', () => {
  it('has at least a dozen fixtures, one of them with flags', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(12);
    expect(fixtures.some((f) => flagsOf(join(FIXTURES, f)).length > 0)).toBe(true);
  });

  it.skipIf(!haveHelm)('helm lint --strict passes the archive alone', async () => {
    for (const major of HELM_MAJORS) {
      const r = await helm(major, ['lint', '--strict', tgz]);
      expect(r.stdout + r.stderr, `helm ${major}`).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(r.code, `helm ${major}`).toBe(0);
    }
  }, 60_000);

  for (const fixture of fixtures) {
    it.skipIf(!haveHelm)(fixture, async () => {
      const file = join(FIXTURES, fixture);
      const flags = flagsOf(file);
      const ours = await cli(['render', 'release-name', '-n', NAMESPACE, '-f', file, ...flags]);
      expect(ours.stderr).toBe('');
      expect(ours.code).toBe(0);
      expect(ours.stdout.length).toBeGreaterThan(0);
      const kube = flags.indexOf('--kube-version');
      const apis = flags.flatMap((f, i) => (f === '--api-versions' ? [flags[i + 1]!] : []));
      const runs = await helmTemplateBoth(tgz, [file], {
        namespace: NAMESPACE,
        ...(kube >= 0 ? { kubeVersion: flags[kube + 1]! } : {}),
        apiVersions: apis,
      });
      // The same inputs, the same bytes, in both engines: no render draws a value (issue 20).
      const again = await helmTemplateBoth(tgz, [file], {
        namespace: NAMESPACE,
        ...(kube >= 0 ? { kubeVersion: flags[kube + 1]! } : {}),
        apiVersions: apis,
      });
      const oursAgain = await cli(['render', 'release-name', '-n', NAMESPACE, '-f', file, ...flags]);
      expect(oursAgain.stdout === ours.stdout, 'dify-chart render twice: the same bytes').toBe(true);
      for (const major of HELM_MAJORS) {
        expect(runs[major].stderr, `helm ${major}`).toBe('');
        expect(again[major].stdout === runs[major].stdout, `helm ${major} template twice: the same bytes`).toBe(true);
        expect(ours.stdout, `helm ${major}`).toBe(runs[major].stdout);
        const lint = await helm(major, ['lint', '--strict', tgz, '-n', NAMESPACE, '-f', file, ...(kube >= 0 ? ['--kube-version', flags[kube + 1]!] : [])]);
        expect(lint.code, `helm ${major} lint:\n${lint.stdout}${lint.stderr}`).toBe(0);
      }
    }, 60_000);
  }
});
