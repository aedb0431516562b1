/**
 * A chart keeps its schema: the shipped chart's values.schema.json lives in chart/, so a copied
 * chart folder is still validated, and `package --chart DIR` archives DIR's own schema (or none).
 * Through the real command line.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTgz } from '../../src/package/archive.js';
import { CHART, cli, PINNED, ROOT, tempDir } from '../cli/run.js';

function chartCopy(): string {
  const dir = join(tempDir('dify-copy-'), 'mychart');
  cpSync(CHART, dir, { recursive: true });
  return dir;
}

async function archiveEntries(args: string[]): Promise<{ stderr: string; files: Map<string, string> }> {
  const dest = tempDir('dify-pkg-');
  const r = await cli(['package', ...args, '--destination', dest]);
  expect(r.code, r.stderr).toBe(0);
  const tgz = r.stdout.trim().replace(/^.*saved it to: /, '');
  const entries = await readTgz(readFileSync(tgz));
  return { stderr: r.stderr, files: new Map(entries.map((e) => [e.path, e.content.toString('utf8')])) };
}

describe("a chart's schema lives in the chart folder", () => {
  it('is chart/values.schema.json; there is no schema/ folder', () => {
    expect(existsSync(join(CHART, 'values.schema.json'))).toBe(true);
    expect(existsSync(join(ROOT, 'schema'))).toBe(false);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).not.toContain('schema');
  });

  it('a copied chart still refuses a value its schema refuses', async () => {
    const r = await cli(['render', '--chart', chartCopy(), '-f', PINNED, '--set', 'api.replicaCount=two']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^Error: values\.api\.replicaCount: expected integer, got string "two"/);
  });

  it('a --chart folder without values.schema.json renders, and stderr says its values go unchecked', async () => {
    const dir = chartCopy();
    rmSync(join(dir, 'values.schema.json'));
    const r = await cli(['render', '--chart', dir, '-f', PINNED]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`warning: ${join(dir, 'values.schema.json')}: no such file; values are not checked against a schema\n`);
    const shipped = await cli(['render', '-f', PINNED]);
    expect(shipped.stderr).toBe('');
  });

  it('package --chart DIR archives DIR\'s own schema, and none when DIR has none', async () => {
    const own = chartCopy();
    const ownSchema = readFileSync(join(own, 'values.schema.json'), 'utf8').replace('"title": "Values of the dify chart"', '"title": "Values of my chart"');
    writeFileSync(join(own, 'values.schema.json'), ownSchema);
    const withOwn = await archiveEntries(['--chart', own]);
    expect(withOwn.files.get('dify/values.schema.json')).toBe(ownSchema);
    expect(withOwn.stderr).toBe('');

    const none = chartCopy();
    rmSync(join(none, 'values.schema.json'));
    const without = await archiveEntries(['--chart', none]);
    expect(without.files.has('dify/values.schema.json')).toBe(false);
    expect(without.stderr).toMatch(/values\.schema\.json: no such file; values are not checked against a schema/);

    const shipped = await archiveEntries([]);
    expect(shipped.files.get('dify/values.schema.json')).toBe(readFileSync(join(CHART, 'values.schema.json'), 'utf8'));
  }, 60_000);
});
