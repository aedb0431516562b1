import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { buildIndex } from '../../src/package/repo-index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const opts = { chartDir: join(ROOT, 'chart') };

interface Entry {
  name: string;
  version: string;
  appVersion: string;
  apiVersion: string;
  created: string;
  digest: string;
  urls: string[];
}

describe('dify-chart repo index', () => {
  it('indexes, then merges across two releases keeping the first release and its created time', async () => {
    const url = 'https://example.github.io/dify-chart';
    // Release 1: one archive in a fresh folder.
    const r1 = mkdtempSync(join(tmpdir(), 'dify-r1-'));
    const a1 = await packageChart({ ...opts, version: '0.1.0' });
    writeFileSync(join(r1, a1.fileName), a1.bytes);
    const t1 = new Date('2026-01-02T03:04:05.5Z');
    const index1 = await buildIndex({ dir: r1, url, now: t1 });
    writeFileSync(join(r1, 'index.yaml'), index1);
    const doc1 = parse(index1) as { apiVersion: string; entries: Record<string, Entry[]>; generated: string };
    expect(doc1.apiVersion).toBe('v1');
    expect(doc1.generated).toBe('2026-01-02T03:04:05.5Z');
    const e1 = doc1.entries.dify![0]!;
    expect(e1).toMatchObject({ name: 'dify', version: '0.1.0', apiVersion: 'v2', created: '2026-01-02T03:04:05.5Z' });
    expect(e1.digest).toBe(createHash('sha256').update(a1.bytes).digest('hex'));
    expect(e1.urls).toEqual([`${url}/dify-0.1.0.tgz`]);

    // Release 2: only the new archive is in the folder; the old index is merged.
    const r2 = mkdtempSync(join(tmpdir(), 'dify-r2-'));
    const a2 = await packageChart({ ...opts, version: '0.2.0' });
    writeFileSync(join(r2, a2.fileName), a2.bytes);
    const t2 = new Date('2026-02-03T04:05:06Z');
    const index2 = await buildIndex({ dir: r2, url, merge: join(r1, 'index.yaml'), now: t2 });
    const doc2 = parse(index2) as { entries: Record<string, Entry[]>; generated: string };
    expect(doc2.entries.dify!.map((e) => e.version)).toEqual(['0.2.0', '0.1.0']);
    expect(doc2.entries.dify![1]!.created).toBe('2026-01-02T03:04:05.5Z');
    expect(doc2.entries.dify![1]!.digest).toBe(e1.digest);
    expect(doc2.entries.dify![0]!.created).toBe('2026-02-03T04:05:06Z');

    // Re-releasing the same version replaces its entry.
    const a2b = await packageChart({ ...opts, version: '0.2.0', appVersion: '9.9.9' });
    writeFileSync(join(r2, a2b.fileName), a2b.bytes);
    writeFileSync(join(r2, 'old.yaml'), index2);
    const index3 = parse(await buildIndex({ dir: r2, url, merge: join(r2, 'old.yaml'), now: t2 })) as { entries: Record<string, Entry[]> };
    expect(index3.entries.dify!.map((e) => [e.version, String(e.appVersion)])).toEqual([
      ['0.2.0', '9.9.9'],
      ['0.1.0', String(e1.appVersion)],
    ]);
    expect(readFileSync(join(r1, 'index.yaml'), 'utf8')).toBe(index1);
  });
});
