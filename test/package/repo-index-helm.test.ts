/**
 * `repo index` against real `helm repo index` (3 and 4): the same folder indexed by each, the
 * index files compared but for their times (`generated`, `created`), or the same refusal.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { helm, HELM_MAJORS, helmOrSkip } from '../support/helm.js';
import { BIN, cli, tempDir } from '../cli/run.js';
import { chartTgz, craft } from './craft.js';
import { exec } from '../support/exec.js';

const T = 120_000;


type Files = Record<string, Buffer | string>;

interface Outcome {
  code: number | null;
  stdout: string;
  /** The index written, its times dropped; undefined when none was. */
  index: unknown;
}

/** The index without `generated` and (unless `created` is kept) the entries' `created`. */
function timeless(text: string, keepCreated = false): unknown {
  const doc = parse(text) as Record<string, unknown> | null;
  if (doc && typeof doc === 'object') {
    delete doc['generated'];
    if (!keepCreated) for (const list of Object.values((doc['entries'] ?? {}) as Record<string, Record<string, unknown>[] | null>)) {
      for (const e of list ?? []) delete e['created'];
    }
  }
  return doc;
}

function lay(files: Files): string {
  const dir = tempDir('dify-index-');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** `created`: compare the entries' times too (an index merged from an old one alone, no archive given a new time). */
async function run(which: 'dify' | 3 | 4, files: Files, args: (dir: string) => string[], created = false): Promise<Outcome & { stderr: string }> {
  const dir = lay(files);
  const r = which === 'dify' ? await cli(['repo', 'index', dir, ...args(dir)], { timeoutMs: T }) : await helm(which, ['repo', 'index', dir, ...args(dir)]);
  const out = join(dir, 'index.yaml');
  const index = existsSync(out) ? timeless(readFileSync(out, 'utf8'), created) : undefined;
  // The folder's path is written as DIR, so messages compare across runs.
  return { code: r.code, stdout: r.stdout, stderr: r.stderr.split(dir).join('DIR'), index };
}

/** dify-chart and both Helms on copies of `files`: the same exit code and index. */
async function same(files: Files, args: (dir: string) => string[] = () => [], created = false): Promise<{ dify: Outcome & { stderr: string }; helm: Outcome & { stderr: string } }> {
  const dify = await run('dify', files, args, created);
  let first: (Outcome & { stderr: string }) | undefined;
  for (const major of HELM_MAJORS) {
    const h = await run(major, files, args, created);
    expect({ code: dify.code === 0 ? 0 : 1, index: dify.index }, `helm${major}: ${h.stderr}`).toEqual({ code: h.code, index: h.index });
    first ??= h;
  }
  return { dify, helm: first! };
}

describe.skipIf(!helmOrSkip())('repo index as helm repo index writes it', () => {
  it(
    '--url is joined as Helm joins URLs: query and fragment kept after the path, escapes, dot segments, an unparsable URL path-joined',
    async () => {
      const files: Files = {
        'sub-0.1.0.tgz': await chartTgz('apiVersion: v2\nname: sub\nversion: 0.1.0\n'),
        'sub é 1.tgz': await chartTgz('apiVersion: v2\nname: sub\nversion: 0.2.0\n'),
      };
      const urls = [
        'https://ex.com/a?x=1',
        'https://ex.com/a#frag',
        'https://ex.com/a b',
        './charts/',
        'charts',
        'https://ex.com/a/../b',
        'https://ex.com/%zz',
        'https://ex.com/a/',
        'https://user:p%40ss@ex.com:8080/a%2Fb/c',
        'https://ex.com/é/x%20y',
        'https://ex.com/a?',
        'https://ex.com',
        'oci:opaque',
        'http://[::1]:80/x',
        'https://a:b:80/x',
        '/abs//path/.',
        'a:b/c',
        'https://ex.com/a%2Fb;c',
        'https://[fe80::1%25en0]:8/x#b%20c',
        'file:///tmp/x',
        '*',
        'mongodb://a:b:80/x',
      ];
      for (const url of urls) {
        const { dify } = await same(files, () => ['--url', url]);
        expect(dify.code, url).toBe(0);
      }
      // Without --url, a flat folder's file names are written as they are.
      await same(files);
    },
    T * 4,
  );

  it(
    'an archive the chart loader refuses is skipped without a word; one it loads (links inside read as empty files) is indexed',
    async () => {
      const chart = (extra: string) => `apiVersion: v2\nname: c\n${extra}`;
      const files: Files = {
        'good-1.0.0.tgz': await chartTgz(chart('version: 1.0.0\n')),
        'not-gzip.tgz': 'hello, not an archive\n',
        'empty.tgz': Buffer.alloc(0),
        'no-chart-yaml.tgz': await craft([{ name: 'c/values.yaml', content: 'a: 1\n' }]),
        'no-version.tgz': await chartTgz(chart('')),
        'bad-version.tgz': await chartTgz(chart('version: notsemver\n')),
        'bad-type.tgz': await chartTgz(chart('version: 1.0.1\ntype: other\n')),
        'slash-name.tgz': await chartTgz('apiVersion: v2\nname: a/b\nversion: 1.0.2\n'),
        'no-name.tgz': await chartTgz('apiVersion: v2\nversion: 1.0.3\n'),
        'bad-yaml.tgz': await chartTgz('apiVersion: v2\nname: [c\nversion: 1.0.4\n'),
        'values-list.tgz': await craft([{ name: 'c/Chart.yaml', content: chart('version: 1.0.5\n') }, { name: 'c/values.yaml', content: '- a\n' }]),
        'top-chart-yaml.tgz': await craft([{ name: 'Chart.yaml', content: chart('version: 1.0.6\n') }]),
        'dotdot.tgz': await craft([{ name: 'c/Chart.yaml', content: chart('version: 1.0.7\n') }, { name: 'c/../../x', content: 'x' }]),
        'dup-dep.tgz': await chartTgz(chart('version: 1.0.8\ndependencies:\n- name: a\n  repository: r\n- name: a\n  repository: r\n')),
        'bad-alias.tgz': await chartTgz(chart('version: 1.0.9\ndependencies:\n- name: a\n  alias: a.b\n')),
        'null-maintainer.tgz': await chartTgz(chart('version: 1.0.10\nmaintainers:\n- null\n')),
        'bad-subchart.tgz': await craft([{ name: 'c/Chart.yaml', content: chart('version: 1.0.11\n') }, { name: 'c/charts/s/Chart.yaml', content: 'apiVersion: v2\nname: s\n' }]),
        'bad-subchart-tgz.tgz': await craft([{ name: 'c/Chart.yaml', content: chart('version: 1.0.12\n') }, { name: 'c/charts/s.tgz', content: 'not gzip' }]),
        'ok-subcharts.tgz': await craft([
          { name: 'c/Chart.yaml', content: chart('version: 1.1.0\n') },
          { name: 'c/charts/s/Chart.yaml', content: 'apiVersion: v2\nname: s\nversion: 0.1.0\n' },
          { name: 'c/charts/t.tgz', content: await chartTgz('apiVersion: v2\nname: t\nversion: 0.1.0\n', 't') },
          { name: 'c/charts/_ignored/Chart.yaml', content: 'not: [valid\n' },
        ]),
        'link-inside.tgz': await craft([{ name: 'c/Chart.yaml', content: chart('version: 1.2.0\n') }, { name: 'c/x', type: 'symlink', linkname: '/' }]),
        'v1-no-api.tgz': await chartTgz('name: old\nversion: 0.0.1\n'),
        'dir.tgz/Chart.yaml': 'name: x\n',
      };
      const { dify } = await same(files, () => ['--url', 'https://ex.com/c']);
      expect(dify.code).toBe(0);
      expect(dify.stderr).toBe('');
      expect(Object.keys((dify.index as { entries: object }).entries).sort()).toEqual(['c', 'old']);
    },
    T,
  );

  it(
    'archives one folder down are indexed with their folder in the URL; deeper ones are not',
    async () => {
      const v = (version: string) => chartTgz(`apiVersion: v2\nname: c\nversion: ${version}\n`);
      const files: Files = {
        'top-0.1.0.tgz': await v('0.1.0'),
        'sub/c-0.2.0.tgz': await v('0.2.0'),
        'a b/é/c-0.3.0.tgz': await v('0.3.0'),
        'a b/c-0.4.0.tgz': await v('0.4.0'),
        '.hidden/c-0.5.0.tgz': await v('0.5.0'),
        'x.tgz/c-0.6.0.tgz': await v('0.6.0'),
      };
      for (const args of [[], ['--url', 'https://ex.com/charts?x=1']]) {
        const { dify } = await same(files, () => args);
        const urls = (dify.index as { entries: { c: { urls: string[] }[] } }).entries.c.map((e) => e.urls[0]);
        expect(urls).toHaveLength(5);
        if (args.length === 0) expect(urls).toContain('a%20b/c-0.4.0.tgz');
      }
    },
    T,
  );

  it(
    '--merge reads the old index as LoadIndexFile does: refusals in its words, invalid entries dropped with a warning, survivors typed and defaulted',
    async () => {
      const archive = await chartTgz('apiVersion: v2\nname: c\nversion: 2.0.0\n');
      const E = 'apiVersion: v1\nentries:\n  c:\n  - name: c\n    version: 1.0.0\n';
      // [old index, Helm's refusal (undefined: it merges)]
      const cases: [string, string | undefined][] = [
        ['', 'empty index.yaml file'],
        ['entries: {}\n', 'no API version specified'],
        ['apiVersion: ""\nentries: {}\n', 'no API version specified'],
        ['- a\n', 'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type repo.IndexFile'],
        [E + '    appVersion: 1.10\n', 'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number into Go struct field ChartVersion.entries.Metadata.appVersion of type string'],
        [E + '    keywords: [yes]\n', 'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal bool into Go struct field ChartVersion.entries.Metadata.keywords of type string'],
        [E + '    foo: bar\n', 'error unmarshaling JSON: while decoding JSON: json: unknown field "foo"'],
        ['apiVersion: v1\nfoo: 1\nentries: {}\n', 'error unmarshaling JSON: while decoding JSON: json: unknown field "foo"'],
        ['apiVersion: v1\nentries: [1]\n', 'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field IndexFile.entries of type map[string]repo.ChartVersions'],
        ['apiVersion: [1]\nentries: {}\n', 'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field IndexFile.apiVersion of type string'],
        [E + '    urls: {a: 1}\n', 'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go struct field ChartVersion.entries.urls of type []string'],
        [E + '    maintainers:\n    - name: 1\n', 'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number into Go struct field Maintainer.entries.Metadata.maintainers.name of type string'],
        [E + '    maintainers:\n    - nme: x\n', 'error unmarshaling JSON: while decoding JSON: json: unknown field "nme"'],
        ['{"apiVersion":"v1","entries":{"c":[{"name":"c","version":"1.0.0","appVersion":1.10}]}}', 'json: cannot unmarshal number into Go struct field ChartVersion.entries.Metadata.appVersion of type string'],
        ['apiVersion: v1\napiVersion: v1\nentries: {}\n', undefined],
        ['apiVersion: [v1\n', undefined],
        [E + '    created: yesterday\n', undefined],
        // Merged: the survivors, typed and defaulted.
        ['apiVersion: 1\nentries: {}\n', undefined],
        ['apiVersion: no\nentries:\n  c: null\n', undefined],
        ['apiVersion: v1\nentries:\n  c:\n  - name: c\n    version: notsemver\n  - null\n  - version: 1.0.1\n  - name: c\n    version: 1.0.0\n    apiVersion: ""\n', undefined],
        [E + '    digest: 123\n    urls: [1, null]\n    Description: hi\n    description: ""\n    deprecated: false\n    keywords: []\n    annotations: {a: null}\n', undefined],
        [E + '    created: 2016-10-06T16:23:20.000Z\n    dependencies:\n    - name: d\n      enabled: yes\n    - name: d\n    maintainers:\n    - name: "a\\tb\\u0007"\n', undefined],
        [E + '    removed: true\n    checksum: x\n    engine: gotpl\n    tillerVersion: ">2"\n    url: u\n    home: null\n', undefined],
        ['apiVersion: v1\nentries:\n  c:\n  - name: c\n    version: v2.0.0\n  - name: c\n    version: 1.0.0\n  - name: c\n    version: 1.0.0\n  d:\n  - name: e\n    version: 0.1.0\n', undefined],
        ['{"apiVersion":"v1","entries":{"c":[{"name":"c","version":"1.0.0","foo":1}]}}', undefined],
      ];
      for (const [old, refusal] of cases) {
        const { dify, helm } = await same({ 'c-2.0.0.tgz': archive, 'm.yaml': old }, (dir) => ['--merge', join(dir, 'm.yaml')]);
        if (dify.code !== 0) {
          expect(dify.stdout, old).toBe('');
          expect(dify.stderr.split('\n').length, old).toBe(2);
          expect(dify.stderr, old).toMatch(/^Error: merge failed: error loading DIR\/m.yaml: /);
          if (refusal !== undefined) {
            expect(dify.stderr, old).toBe(`Error: merge failed: error loading DIR/m.yaml: ${refusal}\n`);
            expect(helm.stderr, old).toBe(dify.stderr);
          }
        }
      }
      const { dify } = await same({ 'm.yaml': 'apiVersion: v1\nentries:\n  c:\n  - name: c\n    version: notsemver\n' }, (dir) => ['--merge', join(dir, 'm.yaml')]);
      expect(dify.stderr).toBe('warning: skipping loading invalid entry for chart "c" "notsemver" from DIR/m.yaml: validation: chart.metadata.version "notsemver" is invalid\n');
    },
    T * 2,
  );

  it(
    "--merge reads an entry's created as time.Time does: RFC 3339 parsed as time.Parse parses it, refused in its words, written back as RFC3339Nano",
    async () => {
      const E = 'apiVersion: v1\nentries:\n  foo:\n  - name: foo\n    version: 1.0.0\n';
      const merge = (dir: string) => ['--merge', join(dir, 'm.yaml')];
      // [created as the YAML has it, as the index writes it]
      const written: [string, string][] = [
        ['2020-01-01T00:00:00+00:00', '2020-01-01T00:00:00Z'],
        ['2020-01-01T00:00:00.5000-00:00', '2020-01-01T00:00:00.5Z'],
        ['2020-01-01T00:00:00.123456789123Z', '2020-01-01T00:00:00.123456789Z'],
        ['2020-01-01T00:00:00.000000000Z', '2020-01-01T00:00:00Z'],
        ['2020-01-01T1:02:03,5+05:30', '2020-01-01T01:02:03.5+05:30'],
        ['2020-01-01T00:00:00+00:60', '2020-01-01T00:00:00+01:00'],
        ['0000-01-01T00:00:00-01:00', '0000-01-01T00:00:00-01:00'],
        ['2020-02-29T00:00:00Z', '2020-02-29T00:00:00Z'],
        ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00Z'],
      ];
      for (const [created, text] of written) {
        const { dify } = await same({ 'm.yaml': `${E}    created: ${created}\n` }, merge, true);
        expect(dify.code, created).toBe(0);
        expect((dify.index as { entries: { foo: { created: string }[] } }).entries.foo[0]!.created, created).toBe(text);
      }
      const p = 'Error: merge failed: error loading DIR/m.yaml: error unmarshaling JSON: while decoding JSON: parsing time ';
      const L = 'as "2006-01-02T15:04:05Z07:00": cannot parse';
      // [created as the YAML has it, Helm's refusal]
      const refused: [string, string][] = [
        ['2020-01-01t00:00:00z', `"2020-01-01t00:00:00z" ${L} "t00:00:00z" as "T"`],
        ['2020-01-01', `"2020-01-01" ${L} "" as "T"`],
        ['2020-01-01T00:00:00+0000', `"2020-01-01T00:00:00+0000" ${L} "+0000" as "Z07:00"`],
        ['2020-1-01T00:00:00Z', `"2020-1-01T00:00:00Z" ${L} "1-01T00:00:00Z" as "01"`],
        ['2020-01-01T00:00:00.Z', `"2020-01-01T00:00:00.Z" ${L} ".Z" as "Z07:00"`],
        ['"2020-01-01T00:00:00<Z"', `"2020-01-01T00:00:00\\\\u003cZ" ${L} "\\\\u003cZ" as "Z07:00"`],
        ['é2020', `"\\xc3\\xa92020" ${L} "\\xc3\\xa92020" as "2006"`],
        ['2020-13-01T25:00:00Z', '"2020-13-01T25:00:00Z": month out of range'],
        ['2020-01-01T25:00:00Z', '"2020-01-01T25:00:00Z": hour out of range'],
        ['2020-01-01T00:60:00Z', '"2020-01-01T00:60:00Z": minute out of range'],
        ['2020-01-01T00:00:60Z', '"2020-01-01T00:00:60Z": second out of range'],
        ['2020-02-30T00:00:00Z', '"2020-02-30T00:00:00Z": day out of range'],
        ['2021-02-29T00:00:00Z', '"2021-02-29T00:00:00Z": day out of range'],
        ['1900-02-29T00:00:00Z', '"1900-02-29T00:00:00Z": day out of range'],
        ['2020-01-00T00:00:00Z', '"2020-01-00T00:00:00Z": day out of range'],
        ['2020-01-01T00:00:00+25:61', '"2020-01-01T00:00:00+25:61": time zone offset minute out of range'],
        ['2020-01-01T00:00:00*25:00', '"2020-01-01T00:00:00*25:00": time zone offset hour out of range'],
        ['2020-01-01T00:00:00Zx', '"2020-01-01T00:00:00Zx": extra text: "x"'],
      ];
      for (const [created, refusal] of refused) {
        const { dify, helm } = await same({ 'm.yaml': `${E}    created: ${created}\n` }, merge, true);
        expect(dify.stderr, created).toBe(`${p}${refusal}\n`);
        expect(helm.stderr, created).toBe(dify.stderr);
      }
      // An offset json.Marshal cannot write back fails the write.
      for (const created of ['2020-01-01T00:00:00+24:00', '2020-01-01T00:00:00+23:60']) {
        const { dify, helm } = await same({ 'm.yaml': `${E}    created: ${created}\n` }, merge, true);
        expect(dify.stderr, created).toBe('Error: error marshaling into JSON: json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: timezone hour outside of range [0,23]\n');
        expect(helm.stderr, created).toBe(dify.stderr);
      }
    },
    T * 3,
  );

  it(
    "--merge decodes as encoding/json does: a type mismatch or an unknown field is saved and decoding goes on; an error of time.Time's own UnmarshalJSON stops it at once",
    async () => {
      const E = 'apiVersion: v1\nentries:\n  foo:\n  - name: foo\n    version: 1.0.0\n';
      const merge = (dir: string) => ['--merge', join(dir, 'm.yaml')];
      const p = 'Error: merge failed: error loading DIR/m.yaml: error unmarshaling JSON: while decoding JSON: parsing time ';
      const L = 'as "2006-01-02T15:04:05Z07:00": cannot parse';
      // An error of time.Time's UnmarshalJSON stops the decoder at once; a type mismatch or an unknown field met before it is only saved, for the end.
      const first: [string, string][] = [
        ['    appVersion: [1]\n    created: 2020-01-01\n', `${p}"2020-01-01" ${L} "" as "T"\n`],
        ['    bogus: 1\n    created: x\n', `${p}"x" ${L} "x" as "2006"\n`],
        ['    annotations: {a: [1]}\n    created: x\n    keywords: [1]\n', `${p}"x" ${L} "x" as "2006"\n`],
        ['    appVersion: [1]\n    created: "2020-01-01T00:00:00Z"\n    home: 1\n', 'Error: merge failed: error loading DIR/m.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field ChartVersion.entries.Metadata.appVersion of type string\n'],
        ['    bogus: 1\n    home: 1\n', 'Error: merge failed: error loading DIR/m.yaml: error unmarshaling JSON: while decoding JSON: json: unknown field "bogus"\n'],
      ];
      for (const [extra, refusal] of first) {
        const { dify, helm } = await same({ 'm.yaml': E + extra }, merge, true);
        expect(dify.stderr, extra).toBe(refusal);
        expect(helm.stderr, extra).toBe(dify.stderr);
      }
      // The same in a list (a mismatched element is skipped) and in the other charts of the map.
      for (const old of [
        'apiVersion: v1\nentries:\n  foo:\n  - 1\n  - name: foo\n    version: 1.0.0\n    created: x\n',
        'apiVersion: v1\nentries:\n  a: 1\n  foo:\n  - name: foo\n    version: 1.0.0\n    created: x\n',
        '{"apiVersion":"v1","entries":{"foo":[{"name":"foo","version":"1.0.0","appVersion":[1],"created":"x"}]}}',
      ]) {
        const { dify, helm } = await same({ 'm.yaml': old }, merge, true);
        expect(dify.stderr, old).toMatch(/parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"\n$/);
        expect(helm.stderr, old).toBe(dify.stderr);
      }
    },
    T * 4,
  );

  it(
    "--merge checks a chart's entries from the last to the first, as LoadIndexFile does: its warnings come in that order",
    async () => {
      const old = 'apiVersion: v1\nentries:\n  foo:\n  - name: foo\n    version: 1.0.0\n  - null\n  - name: foo\n    version: bad\n  - name: foo\n';
      const { dify } = await same({ 'm.yaml': old }, (dir) => ['--merge', join(dir, 'm.yaml')], true);
      const h3 = await run(3, { 'm.yaml': old }, (dir) => ['--merge', join(dir, 'm.yaml')]);
      // Helm 3 logs them with its log prefix (time, file and line); dify-chart as warnings.
      const helmLines = h3.stderr.split('\n').filter(Boolean).map((l) => l.replace(/^.*index\.go:\d+: /, 'warning: '));
      expect(dify.stderr.split('\n').filter(Boolean)).toEqual(helmLines);
      expect(helmLines).toEqual([
        'warning: skipping loading invalid entry for chart "foo" "" from DIR/m.yaml: validation: chart.metadata.version is required',
        'warning: skipping loading invalid entry for chart "foo" "bad" from DIR/m.yaml: validation: chart.metadata.version "bad" is invalid',
        'warning: skipping loading invalid entry for chart "foo" from DIR/m.yaml: empty entry',
      ]);
    },
    T,
  );

  it(
    "the loader's size limits: an archive inflating past 100 MiB is skipped after reading no more than that, quickly and in little memory",
    async () => {
      const chart = 'apiVersion: v2\nname: c\nversion: 1.0.0\n';
      // 1.5 GiB of zeros in one file, about 1.5 MB gzipped: refused on its header, never inflated.
      const huge = await streamedTgz([['c/Chart.yaml', chart.length, Buffer.from(chart)], ['c/big', 1536 * MiB]]);
      // 21 files of 5 MiB less a byte: each under the file limit, together past the chart's.
      const many = await streamedTgz([['c/Chart.yaml', chart.length, Buffer.from(chart)], ...Array.from({ length: 21 }, (_, k): [string, number] => [`c/f${k}`, 5 * MiB - 1])]);
      const files: Files = { 'huge.tgz': huge, 'many.tgz': many, 'ok-1.0.0.tgz': await chartTgz(chart) };
      const { dify } = await same(files);
      expect((dify.index as { entries: { c: { urls: string[] }[] } }).entries.c.map((e) => e.urls[0])).toEqual(['ok-1.0.0.tgz']);
      // Peak memory and time of the command on the huge archive alone.
      const dir = lay({ 'huge.tgz': huge });
      const started = Date.now();
      const r = await exec('/usr/bin/time', ['-f', '%M', process.execPath, BIN, 'repo', 'index', dir], { timeoutMs: T });
      expect(r.status, r.stderr).toBe(0);
      expect(Number(r.stderr.trim().split('\n').pop()) / 1024, 'peak RSS in MiB').toBeLessThan(300);
      expect(Date.now() - started).toBeLessThan(10_000);
    },
    T,
  );

  it('a file over 5 MiB: Helm 3 skips the archive, as dify-chart does; Helm 4 no longer holds files to that limit', async () => {
    const chart = 'apiVersion: v2\nname: c\nversion: 1.0.0\n';
    const files: Files = { 'c-1.0.0.tgz': await streamedTgz([['c/Chart.yaml', chart.length, Buffer.from(chart)], ['c/big', 5 * MiB + 1]]) };
    const dify = await run('dify', files, () => []);
    const h3 = await run(3, files, () => []);
    const h4 = await run(4, files, () => []);
    expect(dify.index).toEqual(h3.index);
    expect(dify.index).toMatchObject({ entries: {} });
    expect(h4.index).toMatchObject({ entries: { c: [{ version: '1.0.0' }] } });
  }, T);

  it(
    "entries are Chart.yaml as Helm's Metadata types it: YAML 1.1 values turned into strings, unknown keys and empty fields dropped, text sanitized, a v1 chart's requirements.yaml",
    async () => {
      const typed = [
        'apiVersion: v2',
        'name: c',
        'version: 1.0',
        'appVersion: 1.10',
        'keywords: [yes, 010, 1.5e3, 0x1F, ~, on, 0b11, 1_000, 12345678901]',
        'description: "a\\tb\\u0007c\\u00a0d"',
        'home: 12345678',
        'icon: 123456789.0',
        'deprecated: false',
        'unknownKey: x',
        'annotations: {a: 1, b: true, c: null}',
        'maintainers: [{name: 1, email: " x\\n"}]',
        'sources: []',
        'condition: ""',
        'kubeVersion: ">= 1.20"',
        'type: application',
        'dependencies: [{name: d, version: 1.0, repository: r, enabled: yes, import-values: [a, {child: x}], tags: [1]}]',
        '',
      ].join('\n');
      const files: Files = {
        'typed.tgz': await chartTgz(typed),
        'v1.tgz': await craft([
          { name: 'old/Chart.yaml', content: 'name: old\nversion: 0.1.0\ndeprecated: yes\n' },
          { name: 'old/requirements.yaml', content: 'dependencies:\n- name: dep\n  version: ^1.0\n  repository: https://x\n' },
        ]),
        'v2-req.tgz': await craft([
          { name: 'new/Chart.yaml', content: 'apiVersion: v2\nname: new\nversion: 0.2.0\n' },
          { name: 'new/requirements.yaml', content: 'dependencies:\n- name: dep\n  repository: https://x\ndescription: from requirements\n' },
        ]),
        'bad-keywords.tgz': await chartTgz('apiVersion: v2\nname: bad\nversion: 0.1.0\nkeywords: {a: 1}\n'),
        'bad-deprecated.tgz': await chartTgz('apiVersion: v2\nname: bad\nversion: 0.1.1\ndeprecated: "yes"\n'),
        'bad-maintainers.tgz': await chartTgz('apiVersion: v2\nname: bad\nversion: 0.1.2\nmaintainers: x\n'),
        'list.tgz': await chartTgz('- a\n'),
      };
      const { dify } = await same(files);
      expect(Object.keys((dify.index as { entries: object }).entries).sort()).toEqual(['c', 'new', 'old']);
    },
    T,
  );
});

const MiB = 1024 * 1024;

/** A .tgz of these files (a file given only a size is zeros), gzipped as a stream: big contents cost no memory. */
async function streamedTgz(entries: ([string, number] | [string, number, Buffer])[]): Promise<Buffer> {
  const p = pack();
  const gz = createGzip({ level: 1 });
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => gz.on('end', resolve));
  p.pipe(gz);
  const zeros = Buffer.alloc(MiB);
  for (const [name, size, content] of entries) {
    await new Promise<void>((resolve, reject) => {
      const w = p.entry({ name, size }, (err) => (err ? reject(err) : resolve()));
      if (content) {
        w.end(content);
        return;
      }
      let left = size;
      const more = (): void => {
        while (left > 0) {
          const n = Math.min(left, MiB);
          left -= n;
          if (!w.write(n === MiB ? zeros : zeros.subarray(0, n))) {
            w.once('drain', more);
            return;
          }
        }
        w.end();
      };
      more();
    });
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}
