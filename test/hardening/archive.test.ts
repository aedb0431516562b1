/**
 * Archives: `package` refuses chart files that are links, so nothing outside the chart folder gets
 * in (however the escape is hidden: a linked file, a linked templates folder, a linked Chart.yaml),
 * the archive it writes holds only plain files under `dify/`, and readTgz refuses crafted archives
 * with links, devices, absolute or `..` paths, or a corrupt gzip.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract, type Headers } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readTgz } from '../../src/package/archive.js';
import { packageChart } from '../../src/package/chart-archive.js';
import { UserError } from '../../src/errors.js';
import { CHART, cli, tempDir } from '../cli/run.js';
import { craft } from '../package/craft.js';

const T = 60_000;

/** A copy of the shipped chart in a fresh folder (its path returned). */
function chartCopy(): string {
  const dir = join(tempDir('dify-archive-'), 'chart');
  cpSync(CHART, dir, { recursive: true });
  return dir;
}

async function refusal(chartDir: string): Promise<string> {
  try {
    await packageChart({ chartDir });
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('packaged');
}

/** Every header of a .tgz, raw (type and name as written). */
async function headers(tgz: Buffer): Promise<Headers[]> {
  const x = extract();
  const out: Headers[] = [];
  const done = (async () => {
    for await (const entry of x) {
      out.push(entry.header);
      entry.resume();
    }
  })();
  x.end(gunzipSync(tgz));
  await done;
  return out;
}


describe('package refuses links and escapes', () => {
  it('a template that is a symbolic link (even to a file inside the chart)', async () => {
    const dir = chartCopy();
    symlinkSync(join(dir, 'templates', 'api', 'deployment.yaml.hbs'), join(dir, 'templates', 'api', 'deployment-copy.yaml.hbs'));
    expect(await refusal(dir)).toBe(`${join(dir, 'templates', 'api', 'deployment-copy.yaml.hbs')}: is a symbolic link; dify-chart refuses links in a chart folder: copy in what it points to`);
  });

  it('a templates folder that is a link to a folder outside the chart (files look plain)', async () => {
    const dir = chartCopy();
    const outside = join(tempDir('dify-outside-'), 'templates');
    renameSync(join(dir, 'templates'), outside);
    symlinkSync(outside, join(dir, 'templates'), 'dir');
    expect(await refusal(dir)).toBe(`${join(dir, 'templates')}: is a symbolic link; dify-chart refuses links in a chart folder: copy in what it points to`);
  });

  it('a folder under templates/ that is a link', async () => {
    const dir = chartCopy();
    const outside = join(tempDir('dify-outside-'), 'more');
    mkdirSync(outside);
    writeFileSync(join(outside, 'cm.yaml.hbs'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: more\n');
    symlinkSync(outside, join(dir, 'templates', 'more'), 'dir');
    expect(await refusal(dir)).toBe(`${join(dir, 'templates', 'more')}: is a symbolic link; dify-chart refuses links in a chart folder: copy in what it points to`);
  });

  it('a Chart.yaml, values.yaml or README.md that is a link', async () => {
    for (const file of ['Chart.yaml', 'values.yaml', 'README.md']) {
      const dir = chartCopy();
      const real = join(tempDir('dify-outside-'), file);
      renameSync(join(dir, file), real);
      symlinkSync(real, join(dir, file));
      expect(await refusal(dir), file).toBe(`${join(dir, file)}: is a symbolic link; dify-chart refuses links in a chart folder: copy in what it points to`);
    }
  });

  it('but a chart folder reached through a link, or anywhere else, packages to the same bytes', async () => {
    const dir = chartCopy();
    const link = join(tempDir('dify-link-'), 'chart');
    symlinkSync(dir, link, 'dir');
    const a = await packageChart({ chartDir: link });
    const b = await packageChart({ chartDir: CHART });
    expect(a.bytes.equals(b.bytes)).toBe(true);
  });

  it('through the CLI: exit 1, one line, no archive written', async () => {
    const dir = chartCopy();
    symlinkSync('/etc/hostname', join(dir, 'templates', 'z.yaml.hbs'));
    const out = join(tempDir('dify-pkg-out-'), 'dest');
    const r = await cli(['package', '--chart', dir, '--destination', out]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `Error: ${join(dir, 'templates', 'z.yaml.hbs')}: is a symbolic link; dify-chart refuses links in a chart folder: copy in what it points to\n` });
    expect(existsSync(out)).toBe(false);
  }, T);
});

describe('the archive holds only plain files under dify/', () => {
  it('every entry is a regular file with a safe relative path, mode 0644, owner 0:0', async () => {
    const archive = await packageChart({ chartDir: CHART });
    const hs = await headers(archive.bytes);
    expect(hs.length).toBeGreaterThan(5);
    for (const h of hs) {
      expect(h.type, h.name).toBe('file');
      expect(h.name).toMatch(/^dify\/[A-Za-z0-9._\-/]+$/);
      expect(h.name.split('/')).not.toContain('..');
      expect(h.name.split('/')).not.toContain('');
      expect(h.linkname ?? null).toBeNull();
      expect([h.mode, h.uid, h.gid]).toEqual([0o644, 0, 0]);
    }
  });
});

describe('readTgz refuses crafted archives', () => {
  const file = (name: string, content = 'x'): Headers & { content: string } => ({ name, type: 'file', size: Buffer.byteLength(content), content });
  const cases: [string, (Headers & { content?: string })[], string][] = [
    ['a symbolic link', [file('dify/Chart.yaml'), { name: 'dify/templates/x.yaml', type: 'symlink', linkname: '/etc/passwd' }], 'archive entry "dify/templates/x.yaml" is a symlink'],
    ['a hard link', [file('dify/Chart.yaml'), { name: 'dify/values.yaml', type: 'link', linkname: 'dify/Chart.yaml' }], 'archive entry "dify/values.yaml" is a link'],
    ['a device', [{ name: 'dify/dev', type: 'character-device', devmajor: 1, devminor: 3 }], 'archive entry "dify/dev" is a character-device'],
    ['a fifo', [{ name: 'dify/fifo', type: 'fifo' }], 'archive entry "dify/fifo" is a fifo'],
    ['a path with ..', [file('dify/../../evil.sh')], 'archive entry "dify/../../evil.sh" is not a plain relative path'],
    ['an absolute path', [file('/etc/cron.d/evil')], 'archive entry "/etc/cron.d/evil" is not a plain relative path'],
    ['a backslash path', [file('dify\\..\\evil')], 'archive entry "dify\\..\\evil" is not a plain relative path'],
    ['an empty segment', [file('dify//x')], 'archive entry "dify//x" is not a plain relative path'],
    ['a folder escaping', [{ name: '../up/', type: 'directory' }], 'archive entry "../up" is not a plain relative path'],
  ];
  for (const [name, entries, message] of cases) {
    it(name, async () => {
      await expect(readTgz(await craft(entries))).rejects.toThrow(new UserError(message));
    });
  }

  it('a corrupt gzip is a user error, not a crash', async () => {
    const err = await readTgz(Buffer.from('not gzip at all')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^not a gzip archive: /);
  });

  it('a well-formed archive reads back', async () => {
    const entries = await readTgz(await craft([{ name: 'dify/', type: 'directory' }, file('dify/Chart.yaml', 'name: dify\n')]));
    expect(entries.map((e) => [e.path, e.content.toString()])).toEqual([['dify/Chart.yaml', 'name: dify\n']]);
  });

  it('repo index indexes an archive holding a link as Helm does (its loader reads the link as an empty file, never follows it)', async () => {
    const dir = tempDir('dify-repo-');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'dify-9.9.9.tgz'), await craft([file('dify/Chart.yaml', 'apiVersion: v2\nname: dify\nversion: 9.9.9\n'), { name: 'dify/x', type: 'symlink', linkname: '/' }]));
    const r = await cli(['repo', 'index', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'index.yaml'), 'utf8')).toContain('- dify-9.9.9.tgz');
  }, T);
});
