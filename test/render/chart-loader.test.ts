/**
 * The chart loader reads templates/ recursively, as Helm does: a template in a subfolder is named
 * `templates/<folder>/<file>`, a file whose base name starts with `_` is a partial wherever it sits,
 * and documents of one kind come out in Go's order of the whole path. Checked on a small chart of
 * nested templates against the packaged archive in real Helm 3.21.4 and 4.3.2.
 */
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartFingerprint, chartStamp, loadChart, matchesBuild, templatePaths } from '../../src/chart/load.js';
import { compileChart, renderChartText } from '../../src/render/release.js';
import { packageChart } from '../../src/package/chart-archive.js';
import { readTgz } from '../../src/package/archive.js';
import { helmErrors, helmOrSkip, helmTemplate, HELM_MAJORS, normalizeHelm4 } from '../support/helm.js';

const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{Release.Name}}-${name}\ndata:\n  from: {{Template.Name}}\n`;
const svc = (name: string): string => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  ports:\n    - port: 80\n`;

/** Deliberately in no sorted order; '-' < '/' < '_' in bytes decides several of the places. */
const FILES: Record<string, string> = {
  'templates/web.yaml.hbs': `${cm('web')}---\n${svc('web')}`,
  'templates/api/service.yaml.hbs': svc('api'),
  'templates/api/_api.hbs': '{{#*inline "t.apiName"}}{{Release.Name}}-api-{{Values.suffix}}{{/inline}}\n',
  'templates/api/configmap.yaml.hbs': `${cm('api')}  name: {{include "t.apiName" @root}}\n`,
  'templates/api-websocket/configmap.yaml.hbs': cm('ws'),
  'templates/api-websocket/service.yaml.hbs': svc('ws'),
  // Helm's loader drops a UTF-8 byte order mark at the start of a file.
  'templates/deep/er/configmap.yaml.hbs': `\ufeff${cm('deep')}`,
  'templates/deep/_partial-only/_x.hbs': '{{#*inline "t.unused"}}x{{/inline}}\n',
  'templates/_helpers.hbs': '{{#*inline "t.top"}}top{{/inline}}\n',
  'templates/NOTES.txt.hbs': 'notes {{include "t.top" @root}}\n',
  'templates/README.md': 'not a template\n',
};

function makeChart(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'dify-nested-')), 'nested');
  for (const [rel, text] of Object.entries({
    'Chart.yaml': 'apiVersion: v2\nname: nested\nversion: 0.1.0\n',
    'values.yaml': 'suffix: s\n',
    ...FILES,
  })) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

describe('a chart without templates/', () => {
  it('has no templates and renders nothing, as helm template prints for it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dify-notemplates-'));
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: empty\nversion: 0.1.0\n');
    expect(templatePaths(join(dir, 'templates'))).toEqual([]);
    expect(renderChartText(compileChart(dir), {}, { name: 'r', namespace: 'default' })).toBe('\n');
  });
});

describe('templates in subfolders', () => {
  it('lists every .hbs file below templates/, by whole path in Go order', () => {
    expect(templatePaths(join(makeChart(), 'templates'))).toEqual([
      'NOTES.txt.hbs',
      '_helpers.hbs',
      'api-websocket/configmap.yaml.hbs',
      'api-websocket/service.yaml.hbs',
      'api/_api.hbs',
      'api/configmap.yaml.hbs',
      'api/service.yaml.hbs',
      'deep/_partial-only/_x.hbs',
      'deep/er/configmap.yaml.hbs',
      'web.yaml.hbs',
    ]);
  });

  it('names them as Helm does and renders a partial kept in a subfolder', () => {
    const dir = makeChart();
    expect(loadChart(dir).templates.map((t) => t.name)).toContain('templates/api/configmap.yaml');
    const out = renderChartText(compileChart(dir), { suffix: 's' }, { name: 'r', namespace: 'default' });
    expect(out).toContain('# Source: nested/templates/api/configmap.yaml\n');
    expect(out).toContain('  name: r-api-s\n');
    expect(out).toContain('from: nested/templates/deep/er/configmap.yaml\n');
    const sources = [...out.matchAll(/# Source: (\S+)/g)].map((m) => m[1]);
    // Install order puts ConfigMaps before Services; within a kind, the whole path decides.
    expect(sources).toEqual([
      'nested/templates/api-websocket/configmap.yaml',
      'nested/templates/api/configmap.yaml',
      'nested/templates/deep/er/configmap.yaml',
      'nested/templates/web.yaml',
      'nested/templates/api-websocket/service.yaml',
      'nested/templates/api/service.yaml',
      'nested/templates/web.yaml',
    ]);
  });

  it('counts a nested template in the build stamp and fingerprint', () => {
    const dir = makeChart();
    const built = { fingerprint: chartFingerprint(dir), stamp: chartStamp(dir) };
    const file = join(dir, 'templates', 'api', 'service.yaml.hbs');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(chartStamp(dir)).not.toBe(built.stamp);
    expect(matchesBuild(dir, [], built)).toBe(true);
    appendFileSync(file, '\n');
    expect(matchesBuild(dir, [], built)).toBe(false);
  });

  it('packages nested templates at their paths, the partials in _helpers.tpl', async () => {
    const paths = (await readTgz((await packageChart({ chartDir: makeChart() })).bytes)).map((e) => e.path);
    expect(paths).toContain('nested/templates/api/configmap.yaml');
    expect(paths).toContain('nested/templates/deep/er/configmap.yaml');
    expect(paths.filter((p) => p.includes('/_'))).toEqual(['nested/templates/_helpers.tpl']);
  });

  describe.skipIf(!helmOrSkip())('real Helm', () => {
    it.each(HELM_MAJORS)('Helm %i renders the packaged archive byte for byte the same', async (major) => {
      const dir = makeChart();
      const archive = await packageChart({ chartDir: dir });
      const tgz = join(dirname(dir), archive.fileName);
      writeFileSync(tgz, archive.bytes);
      const r = await helmTemplate(major, tgz, [], { release: 'r', namespace: 'default' });
      expect(helmErrors(r.stderr)).toBe('');
      const go = major === 4 ? normalizeHelm4(r.stdout) : r.stdout;
      expect(renderChartText(compileChart(dir), { suffix: 's' }, { name: 'r', namespace: 'default' })).toBe(go);
    });
  });
});
