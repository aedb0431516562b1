import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTgz } from '../../src/package/archive.js';
import { packageChart } from '../../src/package/chart-archive.js';
import { prebuiltGoTemplates } from '../../src/chart/prebuilt.js';
import { DEFAULT_CHART_DIR } from '../../src/chart/locations.js';

const ROOT = join(import.meta.dirname, '..', '..');
const opts = { chartDir: join(ROOT, 'chart') };

describe('dify-chart package', () => {
  it('writes the same bytes from the Go templates the build compiled as from compiling now', async () => {
    const compiled = prebuiltGoTemplates(DEFAULT_CHART_DIR);
    expect(compiled, 'npm run build writes dist/generated/go-templates.json').toBeDefined();
    const fresh = await packageChart(opts);
    const built = await packageChart({ ...opts, compiled: compiled! });
    expect(built.bytes.equals(fresh.bytes)).toBe(true);
    // Another chart folder (even a copy) never takes the shipped chart's templates.
    expect(prebuiltGoTemplates(join(ROOT, 'test'))).toBeUndefined();
  });

  it('is reproducible: the same inputs give the same bytes', async () => {
    const a = await packageChart(opts);
    const b = await packageChart(opts);
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.fileName).toMatch(/^dify-\d+\.\d+\.\d+.*\.tgz$/);
  });

  it('has gzip without name or timestamp, and sorted, owned-by-root, fixed-mode entries', async () => {
    const a = await packageChart(opts);
    expect(a.bytes[3]! & 0x08).toBe(0); // FNAME flag unset
    expect(a.bytes.readUInt32LE(4)).toBe(0); // MTIME
    const tar = gunzipSync(a.bytes);
    const entries = await readTgz(a.bytes);
    const paths = entries.map((e) => e.path);
    expect(paths).toEqual([...paths].sort());
    for (const p of ['dify/Chart.yaml', 'dify/values.yaml', 'dify/values.schema.json', 'dify/templates/_helpers.tpl', 'dify/.helmignore']) {
      expect(paths).toContain(p);
    }
    expect(paths.every((p) => p.startsWith('dify/') && !p.includes('..'))).toBe(true);
    // ustar header of the first entry: mode, uid, gid fields
    const octal = (from: number, to: number) => parseInt(tar.subarray(from, to).toString().trim(), 8);
    expect(octal(100, 108)).toBe(0o644);
    expect(octal(108, 116)).toBe(0);
    expect(octal(116, 124)).toBe(0);
    expect(octal(136, 148)).toBe(315532800); // mtime
  });

  it('applies --version and --app-version to Chart.yaml', async () => {
    const a = await packageChart({ ...opts, version: '9.8.7', appVersion: '1.2.3' });
    expect(a.fileName).toBe('dify-9.8.7.tgz');
    const chartYaml = (await readTgz(a.bytes)).find((e) => e.path === 'dify/Chart.yaml')!.content.toString();
    expect(chartYaml).toMatch(/^version: 9\.8\.7$/m);
    expect(chartYaml).toMatch(/^appVersion: "?1\.2\.3"?$/m);
  });

  it('refuses chart files that are symbolic links', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dify-link-'));
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: dify\nversion: 0.1.0\n');
    writeFileSync(join(dir, 'values.yaml'), 'a: 1\n');
    symlinkSync('/etc/passwd', join(dir, 'templates', 'x.yaml.hbs'));
    await expect(packageChart({ chartDir: dir })).rejects.toThrow(/symbolic link/);
  });
});
