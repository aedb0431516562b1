/**
 * `dify-chart lint` on the real chart: every developer fixture and the CI install values are
 * clean; a deliberately broken setting is reported with the template, the object and a message,
 * and the command exits 1.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { formatFinding, lintRelease } from '../../src/lint/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'chart');
const SCHEMA = join(ROOT, 'chart', 'values.schema.json');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'values');

const base = { chartDir: CHART, schemaPath: SCHEMA, set: [], setString: [], setFile: [], setJson: [] };

async function lint(valueFiles: string[], set: string[] = []): Promise<string[]> {
  return (await lintRelease({ ...base, valueFiles, set })).map(formatFinding);
}

describe('dify-chart lint on the chart', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();
  for (const f of files) {
    it(`fixture ${f} is clean`, async () => {
      expect(await lint([join(FIXTURES, f)])).toEqual([]);
    }, 30_000);
  }

  it('the CI install values (.github/ci-values.yaml) pass the schema and are clean', async () => {
    expect(await lint([join(ROOT, '.github', 'ci-values.yaml')])).toEqual([]);
  }, 30_000);

  it('reports a latest tag in the rendered Deployment', async () => {
    const lines = await lint([], ['api.image.tag=latest']);
    expect(lines).toContain(
      'templates/api/deployment.yaml: Deployment/release-name-dify-api: spec.template.spec.containers[0] (api): image langgenius/dify-api:latest uses the latest tag; pin a version',
    );
  }, 30_000);

  it('exits 1 with one line per finding, and 0 when clean', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
    expect(await main(['lint', '--set', 'api.image.tag=latest'], io)).toBe(1);
    const lines = out.join('').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^templates\/[\w./-]+\.yaml: \w+\/[\w.-]+: .+/);
    expect(err.join('')).toMatch(/^Error: lint: \d+ findings?\n$/);
    out.length = 0;
    expect(await main(['lint', '-f', join(FIXTURES, 'defaults.yaml')], io)).toBe(0);
    expect(out.join('')).toBe('lint: no findings\n');
  }, 30_000);
});
