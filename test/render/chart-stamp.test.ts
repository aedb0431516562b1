/**
 * Build-time artifacts (compiled templates, validator, Go templates) are used only while they
 * match the chart on disk: checked first by each file's size and mtime, then by content digest.
 */
import { appendFileSync, cpSync, mkdtempSync, utimesSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartFingerprint, chartStamp, matchesBuild } from '../../src/chart/load.js';

const ROOT = join(import.meta.dirname, '..', '..');

function copyChart(): { dir: string; schema: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dify-stamp-'));
  cpSync(join(ROOT, 'chart'), join(dir, 'chart'), { recursive: true });
  return { dir: join(dir, 'chart'), schema: join(dir, 'chart', 'values.schema.json') };
}

describe('build artifacts match the chart they were made from', () => {
  it('match when nothing changed, and still when a file is only touched', () => {
    const { dir, schema } = copyChart();
    const built = { fingerprint: chartFingerprint(dir, [schema]), stamp: chartStamp(dir, [schema]) };
    expect(matchesBuild(dir, [schema], built)).toBe(true);
    const file = join(dir, 'templates', 'api', 'deployment.yaml.hbs');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(chartStamp(dir, [schema])).not.toBe(built.stamp);
    expect(matchesBuild(dir, [schema], built)).toBe(true);
  });

  it('do not match once a template, values.yaml or the schema changes', () => {
    for (const rel of ['templates/api/deployment.yaml.hbs', 'values.yaml', 'values.schema.json']) {
      const { dir, schema } = copyChart();
      const built = { fingerprint: chartFingerprint(dir, [schema]), stamp: chartStamp(dir, [schema]) };
      appendFileSync(join(dir, rel), '\n');
      expect(matchesBuild(dir, [schema], built)).toBe(false);
    }
  });

  it('do not match when a template is added, even one of the same size', () => {
    const { dir, schema } = copyChart();
    const built = { fingerprint: chartFingerprint(dir, [schema]), stamp: chartStamp(dir, [schema]) };
    writeFileSync(join(dir, 'templates', 'api', 'extra.yaml.hbs'), readFileSync(join(dir, 'templates', 'api', 'deployment.yaml.hbs')));
    expect(matchesBuild(dir, [schema], built)).toBe(false);
  });
});
