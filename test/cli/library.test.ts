/**
 * The library API (the package's main export, dist/index.js) against the command line: one
 * renderer, many renders, each printing what `dify-chart render` prints for the same inputs.
 */
import { readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, FIXTURES, fixture, PINNED, ROOT } from './run.js';

type Api = typeof import('../../src/index.js');
let api: Api;
let renderer: Awaited<ReturnType<Api['createRenderer']>>;

beforeAll(async () => {
  // The built package entry, as `import 'dify-chart'` loads it.
  api = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as Api;
  renderer = await api.createRenderer();
});

describe('createRenderer().render', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).slice(0, 8);
  it('prints what the command prints, fixture after fixture with one renderer', async () => {
    for (const f of files) {
      const args = ['-f', PINNED, '-f', fixture(f), '--set', 'commonLabels.tenant=a'];
      const byCli = await cli(['render', 'tenant-a', '-n', 'tenants', ...args]);
      expect(byCli.code, byCli.stderr).toBe(0);
      const out = renderer.render({ release: 'tenant-a', namespace: 'tenants', valueFiles: [PINNED, fixture(f)], set: ['commonLabels.tenant=a'] });
      expect(out.text, f).toBe(byCli.stdout);
      expect(out.generated).toBe(0);
      expect(out.manifests.length).toBeGreaterThan(5);
    }
  }, 120_000);

  it('keeps renders apart: values of one never reach the next', () => {
    const a = renderer.render({ release: 'a', valueFiles: [PINNED], set: ['commonLabels.team=alpha'] }).text;
    const b = renderer.render({ release: 'b', valueFiles: [PINNED] }).text;
    expect(a).toContain('team: alpha');
    expect(b).not.toContain('team: alpha');
    expect(renderer.render({ release: 'a', valueFiles: [PINNED], set: ['commonLabels.team=alpha'] }).text).toBe(a);
  });

  it('defaults as `helm template` does, and selects templates like --show-only', async () => {
    const byCli = await cli(['render', '-f', PINNED, '--show-only', 'templates/web.yaml']);
    expect(renderer.render({ valueFiles: [PINNED], showOnly: ['templates/web.yaml'] }).text).toBe(byCli.stdout);
  });

  it('throws the one-line errors the command prints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lib-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'api:\n  replicaCount: many\n');
    const byCli = await cli(['render', '-f', bad]);
    expect(byCli.code).toBe(1);
    expect(() => renderer.render({ valueFiles: [bad] })).toThrow(api.UserError);
    try {
      renderer.render({ valueFiles: [bad] });
    } catch (e) {
      expect(`Error: ${(e as Error).message}\n`).toBe(byCli.stderr);
    }
    expect(() => renderer.render({ release: 'Not_Valid' })).toThrow(api.UsageError);
    expect(() => renderer.render({ namespace: 'a b' })).toThrow(/--namespace/);
    expect(() => renderer.render({ kubeVersion: 'x' })).toThrow(/--kube-version/);
  });
});
