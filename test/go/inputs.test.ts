/**
 * The ports of Go that read Helm's command line: encoding/csv as pflag reads a string slice,
 * net/url.Parse's refusals of a values path, strings.EqualFold for --set's words. Each answer
 * here is what Go gives (test/conformance/values.test.ts and capabilities.test.ts hold the CLI to
 * real Helm on the same kinds of input).
 */
import { describe, expect, it } from 'vitest';
import { CsvError, readCsvRecord } from '../../src/go/csv.js';
import { goEqualFold } from '../../src/go/strings.js';
import { urlParseError, urlScheme } from '../../src/go/url.js';

describe('readCsvRecord (encoding/csv, first record)', () => {
  it.each([
    ['', []],
    ['a.yaml', ['a.yaml']],
    ['a.yaml,b.yaml', ['a.yaml', 'b.yaml']],
    ['a, b', ['a', ' b']],
    ['a,', ['a', '']],
    [',', ['', '']],
    ['"a,b.yaml"', ['a,b.yaml']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['"two\nlines",x', ['two\nlines', 'x']],
    ['a\nb', ['a']],
    ['\n\na,b', ['a', 'b']],
    ['a\r\nb', ['a']],
    ['x/v1\r', ['x/v1']],
    ['"x/v1"\r', ['x/v1']],
    ['a\rb', ['a\rb']],
    ['ü,ß', ['ü', 'ß']],
  ])('%j', (text, fields) => {
    expect(readCsvRecord(text)).toEqual(fields);
  });

  it.each([
    ['a"b', 'bare " in non-quoted-field'],
    [' "a"', 'bare " in non-quoted-field'],
    ['"a"b', 'extraneous or missing " in quoted-field'],
    ['"unclosed', 'extraneous or missing " in quoted-field'],
    ['\n', 'EOF'],
    ['\r', 'EOF'],
  ])('%j fails: %s', (text, reason) => {
    expect(() => readCsvRecord(text)).toThrow(CsvError);
    expect(() => readCsvRecord(text)).toThrow(reason);
  });
});

describe('urlParseError and urlScheme (net/url.Parse)', () => {
  it.each([
    ['values.yaml', undefined],
    ['/abs/dir/values.yaml', undefined],
    ['a%41.yaml', undefined],
    ['a:b/c', undefined], // scheme a, opaque b/c: read as a local file
    ['1a:b', 'first path segment in URL cannot contain colon'],
    ['./1a:b', undefined],
    ['/abs/a:b', undefined],
    ['file:x', undefined],
    ['C:x', undefined],
    [':x', 'missing protocol scheme'],
    ['pct%zz', 'invalid URL escape "%zz"'],
    ['a%2', 'invalid URL escape "%2"'],
    ['q?x=%zz', undefined],
    ['f#frag%zz', 'invalid URL escape "%zz"'],
    ['new\nline', 'net/url: invalid control character in URL'],
    ['del\x7f', 'net/url: invalid control character in URL'],
    // The authority after // (answers as helm 3.21.4 gave them, but for [zz], where Go names ParseAddr's error).
    ['file://x[y]/v', 'invalid IP-literal'],
    ['file://x]y/v', undefined],
    ['file://[zz]/v', 'invalid IP-literal'],
    ['file://[1.2.3.4]/v', 'invalid IP-literal'],
    ['file://[::1]/v', undefined],
    ['file://[fe80::1%25en0]/v', undefined],
    ['file://[::1/v', "missing ']' in host"],
    ['file://[::1]x/v', 'invalid port "x" after host'],
    ['file://h%41/v', 'invalid URL escape "%41"'],
    ['file://h%c3%bc/v', undefined],
    ['file://u%zz@h/v', 'invalid URL escape "%zz"'],
    ['file://u b@h/v', 'net/url: invalid userinfo'],
    ['file://u:p@h:80/v', undefined],
    ['//h:x/v', 'invalid port ":x" after host'],
    ['///h:x/v', undefined],
    ['file:///v', undefined],
    ['file://h:/v', undefined],
    ['file://a b/v', 'invalid character " " in host name'],
    ['file://a|b/v', 'invalid character "|" in host name'],
    ['file://ü/v', undefined],
    ['v#\t', undefined], // a control character in the fragment is let through
    ['a://[1:2:3:4:5:6:7:8:9]/v', 'invalid IP-literal'],
    ['a://[1::2::3]/v', 'invalid IP-literal'],
    ['a://[::1.2.3]/v', 'invalid IP-literal'],
    ['a://[::ffff:1.2.3.4]/v', undefined],
    ['a://[fe80::1%25]/v', 'invalid host: ParseAddr("fe80::1%"): zone must be a non-empty string'],
    ['a://[::1%25eth0]/v', undefined],
    ['a://[::1%25a b]/v', 'invalid character " " in host name'],
    ['a://[::1%25a%2Fb]/v', 'invalid URL escape "%2F"'],
    ['a://[::1%25a%20b]/v', undefined],
    ['a://[::1%25a[b]/v', 'invalid IP-literal'],
  ])('%j', (path, error) => {
    expect(urlParseError(path)).toBe(error);
  });

  it('reads the scheme as Go does: lower-cased, none for a path, undefined before a leading colon', () => {
    expect(urlScheme('HTTPS://example.com/v.yaml')).toBe('https');
    expect(urlScheme('oci://registry/x')).toBe('oci');
    expect(urlScheme('values.yaml')).toBe('');
    expect(urlScheme('1a:b')).toBe('');
    expect(urlScheme('a b:c')).toBe('');
    expect(urlScheme(':x')).toBeUndefined();
  });
});

describe('goEqualFold (strings.EqualFold against an ASCII word)', () => {
  it('folds ASCII capitals, ſ to s and the Kelvin sign to k, nothing else', () => {
    for (const yes of ['false', 'FALSE', 'FaLsE', 'falſe', 'FALſE']) expect(goEqualFold(yes, 'false'), yes).toBe(true);
    expect(goEqualFold('\u212aey', 'key')).toBe(true);
    for (const no of ['fals', 'falsee', 'falße', 'fAlse ', 'İ']) expect(goEqualFold(no, 'false'), no).toBe(false);
    expect(goEqualFold('\u0131', 'i')).toBe(false); // dotless i folds to nothing ASCII
    expect(goEqualFold('I', 'i')).toBe(true);
  });
});
