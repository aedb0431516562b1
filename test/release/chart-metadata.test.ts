/**
 * Artifact Hub metadata of chart/Chart.yaml (the chart author owns the annotations; this test
 * only holds them to the release rules): every image values.yaml uses by default is listed in
 * artifacthub.io/images, and license, links, changes and the category are present.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const chart = parse(readFileSync(join(ROOT, 'chart', 'Chart.yaml'), 'utf8')) as {
  appVersion: string;
  version: string;
  annotations?: Record<string, string>;
};
const values = parse(readFileSync(join(ROOT, 'chart', 'values.yaml'), 'utf8')) as unknown;
const annotations = chart.annotations ?? {};

/** A multi-line annotation holding a YAML list. */
function annotationList(key: string): Record<string, unknown>[] {
  const text = annotations[key];
  expect(text, `Chart.yaml annotation ${key}`).toBeTypeOf('string');
  const list = parse(text!) as unknown;
  expect(Array.isArray(list), `${key} is a YAML list`).toBe(true);
  return list as Record<string, unknown>[];
}

/** Every map of values.yaml with `repository` and `tag` keys, as the image reference it renders to. */
function defaultImages(): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return;
    const m = v as Record<string, unknown>;
    if (typeof m['repository'] === 'string' && 'tag' in m) {
      const registry = typeof m['registry'] === 'string' && m['registry'] !== '' ? `${m['registry']}/` : '';
      const tag = m['tag'] === '' || m['tag'] === null ? chart.appVersion : String(m['tag']);
      found.add(`${registry}${m['repository']}:${tag}`);
    }
    Object.values(m).forEach(walk);
  };
  walk(values);
  return [...found].sort();
}

/** `docker.io/library/x` and `x` name the same image. */
const normalize = (image: string) => image.replace(/^docker\.io\//, '').replace(/^library\//, '');

describe('chart/Chart.yaml Artifact Hub annotations', () => {
  it('finds the default images in values.yaml', () => {
    expect(defaultImages().length).toBeGreaterThan(0);
  });

  it('lists every default image in artifacthub.io/images', () => {
    const listed = annotationList('artifacthub.io/images').map((i) => {
      expect(i['name'], JSON.stringify(i)).toBeTypeOf('string');
      expect(i['image'], JSON.stringify(i)).toBeTypeOf('string');
      return normalize(String(i['image']));
    });
    const missing = defaultImages().map(normalize).filter((i) => !listed.includes(i));
    expect(missing, 'default images missing from artifacthub.io/images').toEqual([]);
  });

  it('has the license, links, changes and category ai-machine-learning', () => {
    expect(annotations['artifacthub.io/category']).toBe('ai-machine-learning');
    expect(annotations['artifacthub.io/license']).toMatch(/^[A-Za-z0-9.+-]+$/);
    const links = annotationList('artifacthub.io/links');
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) {
      expect(l['name'], JSON.stringify(l)).toBeTypeOf('string');
      expect(String(l['url']), JSON.stringify(l)).toMatch(/^https:\/\//);
    }
    const changes = annotationList('artifacthub.io/changes');
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) {
      expect(['added', 'changed', 'deprecated', 'removed', 'fixed', 'security'], JSON.stringify(c)).toContain(c['kind']);
      expect(String(c['description'] ?? ''), JSON.stringify(c)).not.toBe('');
    }
  });
});
