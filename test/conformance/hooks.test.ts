/**
 * `--skip-tests`, `--no-hooks`, `--is-upgrade` and `--release-name` against real Helm: a chart of
 * one manifest and hooks of every sort (a test hook, Helm 2's `test-success`, a hook that is also
 * a test, an event spelled with Go's spaces and capitals) rendered by dify-chart from its folder
 * and by both Helms from its archive with the same flags: the same bytes, the same files and
 * `wrote` lines under `--output-dir`, and all three failing where `--show-only` names a template
 * the flags left out. The shipped chart's own test Job is left out by `--skip-tests`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../cli/run.js';
import { chartThroughHelm, helm, HELM_MAJORS, helmOrSkip, normalizeHelm4 } from '../support/helm.js';

const haveHelm = helmOrSkip();

const hook = (name: string, kind: string, events: string): string =>
  `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  annotations:\n    helm.sh/hook: ${events}\n`;

const FILES: Record<string, string> = {
  'Chart.yaml': 'apiVersion: v2\nname: hooks\nversion: 0.1.0\n',
  'values.yaml': '',
  'values.schema.json': '{"type":"object"}\n',
  'templates/main.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: main\ndata:\n  install: "{{Release.IsInstall}}"\n  upgrade: "{{Release.IsUpgrade}}"\n',
  'templates/pre.yaml.hbs': hook('pre', 'ConfigMap', 'pre-install,pre-upgrade'),
  'templates/tests/plain.yaml.hbs': hook('plain', 'Pod', 'test'),
  'templates/tests/legacy.yaml.hbs': hook('legacy', 'Pod', 'test-success'),
  'templates/tests/both.yaml.hbs': hook('both', 'Secret', 'post-install,test'),
  // U+0085 is a space to Go's strings.TrimSpace (Helm trims each event with it), not to JavaScript's trim.
  'templates/tests/spaced.yaml.hbs': hook('spaced', 'Pod', '"pre-delete, \\x85TEST"'),
};

const FLAG_SETS: string[][] = [[], ['--skip-tests'], ['--no-hooks'], ['--is-upgrade'], ['--skip-tests', '--no-hooks', '--is-upgrade']];

let chartDir = '';
let tgz = '';

beforeAll(async () => {
  ({ chartDir, tgz } = await chartThroughHelm('dify-hooks-', FILES, false));
}, 120_000);

/** Every file below `dir`, by path, with its text. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe.skipIf(!haveHelm)('hook flags as real helm template takes them', () => {
  it.each(FLAG_SETS.map((f) => [f.join(' ') || '(none)', f] as const))('%s: the same output as both Helms', async (_label, flags) => {
    const ours = await cli(['render', 'r', '--chart', chartDir, ...flags]);
    expect(ours.stderr).toBe('');
    expect(ours.code).toBe(0);
    for (const major of HELM_MAJORS) {
      const h = await helm(major, ['template', 'r', tgz, ...flags]);
      expect(h.code, h.stderr).toBe(0);
      expect(ours.stdout, `helm ${major}`).toBe(major === 3 ? h.stdout : normalizeHelm4(h.stdout));
    }
    // The flags do what they say (so the comparison above cannot pass with them ignored on both sides).
    expect(ours.stdout.includes('name: plain'), 'the test hook').toBe(!flags.includes('--skip-tests') && !flags.includes('--no-hooks'));
    expect(ours.stdout.includes('name: pre'), 'the pre-install hook').toBe(!flags.includes('--no-hooks'));
    expect(ours.stdout.includes('upgrade: "true"')).toBe(flags.includes('--is-upgrade'));
  }, 120_000);

  it('--output-dir writes the files both Helms write, and says so as they do', async () => {
    for (const flags of [['--skip-tests'], ['--no-hooks'], ['--release-name'], ['--release-name', '--skip-tests']]) {
      const dirs = { ours: tempDir('dify-hooks-out-'), 3: tempDir('dify-hooks-h3-'), 4: tempDir('dify-hooks-h4-') };
      const ours = await cli(['render', 'r', '--chart', chartDir, ...flags, '--output-dir', dirs.ours]);
      expect(ours.code, ours.stderr).toBe(0);
      expect(Object.keys(tree(dirs.ours)).every((p) => p.startsWith(flags.includes('--release-name') ? 'r/hooks/' : 'hooks/'))).toBe(true);
      for (const major of HELM_MAJORS) {
        const h = await helm(major, ['template', 'r', tgz, ...flags, '--output-dir', dirs[major]]);
        expect(h.code, h.stderr).toBe(0);
        expect(ours.stdout.replaceAll(dirs.ours, 'DIR'), `helm ${major} ${flags}`).toBe(h.stdout.replaceAll(dirs[major], 'DIR'));
        const theirs = tree(dirs[major]);
        expect(Object.keys(tree(dirs.ours)).sort(), `helm ${major} ${flags}`).toEqual(Object.keys(theirs).sort());
        if (major === 3) expect(tree(dirs.ours), flags.join(' ')).toEqual(theirs);
      }
    }
  }, 120_000);

  it('--show-only of a template the flags left out fails in all three', async () => {
    for (const flags of [['--skip-tests', '--show-only', 'templates/tests/legacy.yaml'], ['--no-hooks', '--show-only', 'templates/pre.yaml']]) {
      const ours = await cli(['render', 'r', '--chart', chartDir, ...flags]);
      expect(ours.code).toBe(1);
      expect(ours.stdout).toBe('');
      expect(ours.stderr).toContain(`could not find template ${flags[2]} in chart`);
      for (const major of HELM_MAJORS) {
        const h = await helm(major, ['template', 'r', tgz, ...flags]);
        expect(h.code).toBe(1);
        expect(h.stderr).toContain(`could not find template ${flags[2]} in chart`);
      }
    }
  }, 120_000);
});

describe('the shipped chart under --skip-tests', () => {
  it('leaves out the helm test Job and nothing else', async () => {
    const all = await cli(['render', 'r']);
    const skipped = await cli(['render', 'r', '--skip-tests']);
    expect(all.code, all.stderr).toBe(0);
    expect(skipped.code, skipped.stderr).toBe(0);
    const sources = (out: string): string[] => [...out.matchAll(/^# Source: (.*)$/gm)].map((m) => m[1]!);
    const left = sources(all.stdout).filter((s) => !sources(skipped.stdout).includes(s));
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((s) => s.startsWith('dify/templates/tests/'))).toBe(true);
    expect(skipped.stdout).not.toContain('helm.sh/hook: test');
  }, 60_000);
});
