/** --set-literal as Helm 3.13+'s literal parser reads it (pkg/strvals/literal_parser.go). */
import { describe, expect, it } from 'vitest';
import { parseInto, parseSet } from '../../src/values/strvals.js';
import type { ValueMap } from '../../src/values/types.js';

const literal = (arg: string): ValueMap => parseSet('set-literal', arg);

describe('--set-literal grammar', () => {
  it('takes everything after the first = as the value: commas, backslashes, braces, = kept', () => {
    expect(literal('name=a,b=c')).toEqual({ name: 'a,b=c' });
    expect(literal('name=a\\,b\\.c\\\\')).toEqual({ name: 'a\\,b\\.c\\\\' });
    expect(literal('name={a,b}')).toEqual({ name: '{a,b}' });
    expect(literal('name=')).toEqual({ name: '' });
  });

  it('infers no type', () => {
    expect(literal('a=true')).toEqual({ a: 'true' });
    expect(literal('a=1')).toEqual({ a: '1' });
    expect(literal('a=null')).toEqual({ a: 'null' });
  });

  it('keys nest with . and index with [n]; a comma belongs to the key, no backslash escapes', () => {
    expect(literal('outer.inner=x,y')).toEqual({ outer: { inner: 'x,y' } });
    expect(literal('list[1].name=x')).toEqual({ list: [null, { name: 'x' }] });
    expect(literal('list[0]=a,b')).toEqual({ list: ['a,b'] });
    expect(literal('a,b=c')).toEqual({ 'a,b': 'c' });
    expect(literal('a\\.b=c')).toEqual({ 'a\\': { b: 'c' } });
  });

  it('edits the map it is given, as ParseLiteralInto does', () => {
    const dest: ValueMap = { outer: { keep: 1n, inner: 'old' } };
    parseInto('set-literal', 'outer.inner=new,value', dest);
    expect(dest).toEqual({ outer: { keep: 1n, inner: 'new,value' } });
  });

  it('a key without = is an error naming the flag', () => {
    expect(() => literal('name')).toThrow('--set-literal "name": key "name" has no value (expected key=value)');
  });
});
