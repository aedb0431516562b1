/**
 * The proof: every developer fixture renders byte-identically through `dify-chart render` and
 * through Go's text/template + sprig on the packaged archive (and real `helm` where installed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { renderChartText } from '../../src/render/release.js';
import { buildValues } from '../../src/values/index.js';
import { goRender, requireGo } from './gorender.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'chart');
const SCHEMA = join(ROOT, 'chart', 'values.schema.json');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'values');
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();

function helmAvailable(): boolean {
  return spawnSync('helm', ['version', '--short'], { encoding: 'utf8' }).status === 0;
}

let tgz = '';
let haveGo = false;
const haveHelm = helmAvailable();

beforeAll(async () => {
  haveGo = requireGo();
  const dir = mkdtempSync(join(tmpdir(), 'dify-conformance-'));
  const archive = await packageChart({ chartDir: CHART, schemaPath: SCHEMA });
  tgz = join(dir, archive.fileName);
  writeFileSync(tgz, archive.bytes);
}, 120_000);

describe('every fixture renders the same bytes in both engines', () => {
  it('has at least a dozen fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(12);
  });
  for (const fixture of fixtures) {
    it(fixture, () => {
      if (!haveGo) return;
      const file = join(FIXTURES, fixture);
      const { values } = buildValues({ chartDir: CHART, schemaPath: SCHEMA, valueFiles: [file], set: [], setString: [], setFile: [], setJson: [] });
      const ts = renderChartText(CHART, values, { name: 'release-name', namespace: 'default' });
      const go = goRender(tgz, [file], {});
      expect(go.stderr).toBe('');
      expect(go.code).toBe(0);
      expect(ts.length).toBeGreaterThan(0);
      expect(ts).toBe(go.stdout);
      if (haveHelm) {
        const helm = execFileSync('helm', ['template', 'release-name', tgz, '-f', file], { encoding: 'utf8' });
        expect(ts).toBe(helm);
        execFileSync('helm', ['lint', '--strict', tgz, '-f', file], { encoding: 'utf8' });
      }
    });
  }
});
