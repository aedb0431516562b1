import { mkdtempSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTgz, writeTgz } from '../../src/package/archive.js';
import { checkArchiveSizes, packageChart } from '../../src/package/chart-archive.js';
import { loadChart } from '../../src/chart/load.js';
import { UserError } from '../../src/errors.js';
import { helm, HELM_MAJORS, helmOrSkip } from '../support/helm.js';
import { cli } from '../cli/run.js';
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

describe("Helm's loader limits: 5 MiB a file, 100 MiB an archive", () => {
  const MiB = 1024 * 1024;
  const haveHelm = helmOrSkip();
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n';

  /** A chart of these files besides Chart.yaml and values.yaml. */
  function chartWith(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'dify-big-'));
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: big\nversion: 0.1.0\n');
    writeFileSync(join(dir, 'values.yaml'), 'a: 1\n');
    for (const [rel, text] of Object.entries(files)) writeFileSync(join(dir, rel), text);
    return dir;
  }

  it('a template over 5 MiB: package and render refuse it, naming it (package wrote an archive Helm 3 cannot load)', async () => {
    const dir = chartWith({ 'templates/big.yaml.hbs': `${cm}data:\n  a: ${'a'.repeat(5 * MiB)}\n` });
    const src = join(dir, 'templates', 'big.yaml.hbs');
    const line = `${src}: ${statSync(src).size} bytes, more than the 5242880 (5 MiB) Helm 3 loads for one chart file`;
    await expect(packageChart({ chartDir: dir })).rejects.toThrow(new UserError(line));
    expect(() => loadChart(dir)).toThrow(new UserError(line));
    expect(await cli(['render', dir])).toEqual({ code: 1, stdout: '', stderr: `Error: ${line}\n` });
  }, 60_000);

  it('partials each under the limit whose _helpers.tpl is over it: refused, naming the partials', async () => {
    const partial = (n: number): string => `{{#*inline "p${n}"}}${'a'.repeat(3 * MiB)}{{/inline}}\n`;
    const dir = chartWith({ 'templates/_a.hbs': partial(1), 'templates/_b.hbs': partial(2), 'templates/cm.yaml.hbs': cm });
    await expect(packageChart({ chartDir: dir })).rejects.toThrow(/^big\/templates\/_helpers\.tpl \(the partials, templates\/\*\*\/_\*\.hbs, together\): \d+ bytes, more than the 5242880 \(5 MiB\) Helm 3 loads for one chart file$/);
  }, 60_000);

  it('the limits are Helm\'s: a file of exactly 5 MiB passes, one byte more does not; the files together must stay under 100 MiB', () => {
    expect(() => checkArchiveSizes([{ path: 'a', size: 5 * MiB }])).not.toThrow();
    expect(() => checkArchiveSizes([{ path: 'a', size: 5 * MiB + 1 }])).toThrow(new UserError('a: 5242881 bytes, more than the 5242880 (5 MiB) Helm 3 loads for one chart file'));
    const files = (n: number, last: number) => [...Array.from({ length: n }, (_, i) => ({ path: `f${i}`, size: 5 * MiB })), { path: 'last', size: last }];
    expect(() => checkArchiveSizes(files(19, 5 * MiB - 1))).not.toThrow();
    expect(() => checkArchiveSizes(files(19, 5 * MiB))).toThrow(new UserError("the archive's files come to 104857600 bytes, not under the 104857600 (100 MiB) Helm loads for one chart"));
  });

  it.skipIf(!haveHelm)('real Helm: an archive file over 5 MiB is refused by Helm 3 (Helm 4 has only the total), a chart folder file by helm package', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dify-big-helm-'));
    const tgz = join(dir, 'big-0.1.0.tgz');
    const entries = [
      { path: 'big/Chart.yaml', content: Buffer.from('apiVersion: v2\nname: big\nversion: 0.1.0\n') },
      { path: 'big/templates/exact.yaml', content: Buffer.from(`# ${'a'.repeat(5 * MiB - 3)}\n`) },
    ];
    writeFileSync(tgz, await writeTgz(entries));
    for (const major of HELM_MAJORS) expect((await helm(major, ['template', tgz])).code, `helm${major}: exactly 5 MiB loads`).toBe(0);
    entries[1]!.content = Buffer.concat([entries[1]!.content, Buffer.from('#')]);
    writeFileSync(tgz, await writeTgz(entries));
    const r = await helm(3, ['template', tgz]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: decompressed chart file "big/templates/exact.yaml" is larger than the maximum file size 5242880\n');
    expect((await helm(4, ['template', tgz])).code).toBe(0);
    const folder = join(dir, 'big');
    mkdirSync(join(folder, 'templates'), { recursive: true });
    writeFileSync(join(folder, 'Chart.yaml'), 'apiVersion: v2\nname: big\nversion: 0.1.0\n');
    writeFileSync(join(folder, 'templates', 'big.yaml'), `# ${'a'.repeat(5 * MiB)}\n`);
    const p = await helm(3, ['package', folder, '-d', dir]);
    expect(p.code).toBe(1);
    expect(p.stderr).toBe('Error: chart file "big.yaml" is larger than the maximum file size 5242880\n');
  }, 120_000);
});
