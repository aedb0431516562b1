import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInto, parseSet, typedVal } from '../../src/values/strvals.js';
import type { ValueMap } from '../../src/values/types.js';
import { userErrorOf } from '../support/errors.js';

const set = (arg: string): ValueMap => parseSet('set', arg);
const errorOf = userErrorOf;

describe('--set grammar (Helm docs and parser_test.go)', () => {
  it('parses name=value and several assignments', () => {
    expect(set('name=value')).toEqual({ name: 'value' });
    expect(set('a=b,c=d')).toEqual({ a: 'b', c: 'd' });
    expect(set('name1=value1,name2=value2,')).toEqual({ name1: 'value1', name2: 'value2' });
    expect(set('name1=one two three')).toEqual({ name1: 'one two three' });
  });

  it('nests dotted keys', () => {
    expect(set('outer.inner=value')).toEqual({ outer: { inner: 'value' } });
    expect(set('outer.inner1=value,outer.middle.inner=value')).toEqual({
      outer: { inner1: 'value', middle: { inner: 'value' } },
    });
  });

  it('builds lists with {a,b,c}, keeping spaces and typing each item', () => {
    expect(set('name={a,b,c}')).toEqual({ name: ['a', 'b', 'c'] });
    expect(set('name={a, b, c}')).toEqual({ name: ['a', ' b', ' c'] });
    expect(set('name1={1021,902}')).toEqual({ name1: [1021n, 902n] });
    expect(set('name1={value1,value2},name2={x}')).toEqual({ name1: ['value1', 'value2'], name2: ['x'] });
    // Helm's quirk: an empty list literal is a list holding one empty string.
    expect(set('name={}')).toEqual({ name: [''] });
  });

  it('indexes lists, padding with nulls', () => {
    expect(set('servers[0].port=80')).toEqual({ servers: [{ port: 80n }] });
    expect(set('servers[0].port=80,servers[0].host=example')).toEqual({ servers: [{ port: 80n, host: 'example' }] });
    expect(set('list[0]=foo,list[3]=bar')).toEqual({ list: ['foo', null, null, 'bar'] });
    expect(set('nested[1][1]=1')).toEqual({ nested: [null, [null, 1n]] });
    expect(set('name1.name2[1].foo=bar')).toEqual({ name1: { name2: [null, { foo: 'bar' }] } });
    expect(set('noval[0]')).toEqual({ noval: [] });
    expect(set('noval[0]=')).toEqual({ noval: [''] });
  });

  it('honours backslash escapes in keys and values', () => {
    expect(set('name=value1\\,value2')).toEqual({ name: 'value1,value2' });
    expect(set('name1=one\\=two')).toEqual({ name1: 'one=two' });
    expect(set('nodeSelector.kubernetes\\.io/role=master')).toEqual({ nodeSelector: { 'kubernetes.io/role': 'master' } });
  });

  it('types values as Helm typedVal does', () => {
    expect(set('a=true,b=FALSE,c=null,d=0,e=123,f=-5,g=0123,h=1.5,i=')).toEqual({
      a: true, b: false, c: null, d: 0n, e: 123n, f: -5n, g: '0123', h: '1.5', i: '',
    });
    expect(typedVal('9223372036854775807')).toBe(9223372036854775807n);
    expect(typedVal('9223372036854775808')).toBe('9223372036854775808');
    expect(typedVal('00009')).toBe('00009');
  });

  it('--set-string keeps text', () => {
    expect(parseSet('set-string', 'a=123,b=true,c=null,d={1,2}')).toEqual({ a: '123', b: 'true', c: 'null', d: ['1', '2'] });
  });

  it('writes into an existing map in place, like ParseInto', () => {
    const dest: ValueMap = { outer: { inner1: 'overwrite', inner2: 'value2' }, list: ['a', 'b', 'c'] };
    parseInto('set', 'outer.inner1=value1,outer.inner3=4,list[1]=x', dest);
    expect(dest).toEqual({ outer: { inner1: 'value1', inner2: 'value2', inner3: 4n }, list: ['a', 'x', 'c'] });
  });

  it('has no list literal but {}: `name=[]` is the text "[]"', () => {
    expect(set('name=[]')).toEqual({ name: '[]' });
  });

  it('a=null stores null (coalescing then deletes it)', () => {
    expect(set('a.b=null')).toEqual({ a: { b: null } });
  });
});

describe('--set-json', () => {
  it('parses JSON values as float64 numbers', () => {
    expect(parseSet('set-json', 'a={"b":1,"c":[1,2.5]},d="x",e=true')).toEqual({ a: { b: 1, c: [1, 2.5] }, d: 'x', e: true });
    expect(parseSet('set-json', 'list[1]={"x":1}')).toEqual({ list: [null, { x: 1 }] });
    expect(parseSet('set-json', 'a=,b=null')).toEqual({ a: null, b: null });
    expect(parseSet('set-json', 'a=[1, 2] ,b="x,y"')).toEqual({ a: [1, 2], b: 'x,y' });
  });

  it('reports bad JSON naming the flag and key', () => {
    expect(errorOf(() => parseSet('set-json', 'a={"b":'))).toBe('--set-json "a={"b":": invalid JSON for "a": unexpected end of JSON input');
    expect(errorOf(() => parseSet('set-json', 'a=nul'))).toMatch(/^--set-json "a=nul": invalid JSON for "a": /);
  });
});

describe('--set-file', () => {
  it('reads the file contents as a string', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strvals-'));
    const file = join(dir, 'cert.pem');
    writeFileSync(file, 'line1\nline2\n');
    expect(parseSet('set-file', `tls.cert=${file}`)).toEqual({ tls: { cert: 'line1\nline2\n' } });
    expect(parseSet('set-file', 'k=-', { stdin: () => 'from stdin' })).toEqual({ k: 'from stdin' });
  });

  it('names a missing file', () => {
    expect(errorOf(() => parseSet('set-file', 'a=/nope/missing.txt'))).toBe('--set-file "a=/nope/missing.txt": /nope/missing.txt: no such file');
  });
});

describe('errors: one line naming the flag, its argument and what is wrong', () => {
  const cases: [string, string][] = [
    ['a[0=1', '--set "a[0=1": unclosed bracket after "a"'],
    ['name', '--set "name": key "name" has no value (expected key=value)'],
    ['name1.name2', '--set "name1.name2": key "name1.name2" has no value (expected key=value)'],
    ['name1,name2=v', '--set "name1,name2=v": key "name1" has no value (cannot end with ,)'],
    ['a=1,,b=2', '--set "a=1,,b=2": key "" has no value (cannot end with ,)'],
    ['name1.=name2', '--set "name1.=name2": key map "name1" has no value'],
    ['a[x]=1', '--set "a[x]=1": list index "x" of "a" is not a number'],
    ['a[-1]=1', '--set "a[-1]=1": negative index -1 of "a" is not allowed'],
    ['a[65537]=1', '--set "a[65537]=1": list index 65537 is greater than the maximum supported index of 65536'],
    ['a[0]x=1', '--set "a[0]x=1": unexpected "x" after "a[0]"'],
    ['a={x,y', '--set "a={x,y": list for "a" must terminate with \'}\''],
  ];
  for (const [arg, message] of cases) {
    it(arg, () => expect(errorOf(() => set(arg))).toBe(message));
  }

  it('allows index 65536 and 30 levels of nesting, no more', () => {
    expect((set('a[65536]=1')['a'] as unknown[]).length).toBe(65537);
    const deep = (n: number): string => `${Array.from({ length: n + 1 }, (_, i) => `k${i}`).join('.')}=v`;
    expect(() => set(deep(30))).not.toThrow();
    expect(errorOf(() => set(deep(31)))).toMatch(/key nesting is deeper than the maximum of 30 levels$/);
  });

  it('refuses to descend into a value of another type', () => {
    expect(errorOf(() => parseInto('set', 'a.b=1', { a: 'x' }))).toBe('--set "a.b=1": cannot set a key inside "a": it holds the string "x", not a map');
    expect(errorOf(() => parseInto('set', 'a[0]=1', { a: { b: 1 } }))).toBe('--set "a[0]=1": cannot index "a": it holds a map, not a list');
  });

  it('keeps the message on one line for multi-line arguments', () => {
    expect(errorOf(() => parseSet('set-json', 'a={\n'))).toBe('--set-json "a={\\n": invalid JSON for "a": unexpected end of JSON input');
  });
});

describe('provenance', () => {
  it('reports each assignment with its path and text', () => {
    const seen: string[] = [];
    parseSet('set', 'api.replicas=x,servers[0].port=80', { onAssign: (p, _v, t) => seen.push(`${p.join('/')} <- ${t}`) });
    expect(seen).toEqual(['api/replicas <- --set api.replicas=x', 'servers/0/port <- --set servers[0].port=80']);
  });
});
