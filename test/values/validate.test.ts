import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileValidator, validateValues } from '../../src/values/validate.js';
import type { ValueMap } from '../../src/values/types.js';
import { UserError } from '../../src/errors.js';

const schemaPath = fileURLToPath(new URL('../fixtures/values-stage-schema.json', import.meta.url));
const valid = (): ValueMap => ({ api: { image: 'x', replicas: 2 } });

describe('validateValues', () => {
  it('accepts valid values, int64 (bigint) values as integers', () => {
    expect(() => validateValues(valid(), schemaPath)).not.toThrow();
    expect(() => validateValues({ api: { image: 'x', replicas: 3n } }, schemaPath)).not.toThrow();
  });

  it('reports every violation at once, one line each, with provenance and x-message', () => {
    const values: ValueMap = {
      api: { replicas: 'x', logLevel: 'loud', foo: 1n },
      servers: [{ port: 80 }, { port: 'http' }],
      nodeSelector: { 'kubernetes.io/role': 5 },
      port: 'abc',
    };
    const sources: Record<string, string> = {
      'api/replicas': 'my.yaml:12:3',
      'api/foo': '--set api.foo=1',
      servers: 'other.yaml:4:1',
    };
    const sourceOf = (path: readonly string[]): string | undefined => {
      for (let n = path.length; n > 0; n--) {
        const s = sources[path.slice(0, n).join('/')];
        if (s) return s;
      }
      return undefined;
    };
    let message = '';
    try {
      validateValues(values, schemaPath, sourceOf);
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      message = (e as Error).message;
    }
    expect(message.split('\n').sort()).toEqual(
      [
        'values.api.image: required',
        'values.api.foo: unknown key (from --set api.foo=1)',
        'values.api.replicas: expected integer, got string "x" (from my.yaml:12:3); give a whole number of pods, e.g. --set api.replicas=2',
        'values.api.logLevel: must be one of "debug", "info", "warn", got string "loud"',
        'values.servers[1].port: expected integer, got string "http" (from other.yaml:4:1)',
        'values.nodeSelector["kubernetes.io/role"]: expected string, got number 5',
        'values.port: does not match any of the allowed forms, got string "abc"',
      ].sort(),
    );
  });

  it('reports missing required top-level keys and unknown ones', () => {
    const lines = compileValidator({ type: 'object', required: ['x'], properties: { x: { type: 'object', required: ['y'] } }, additionalProperties: false });
    expect(lines({ x: {} })).toEqual(['values.x.y: required']);
    expect(lines({ z: 1 })).toEqual(['values.x: required', 'values.z: unknown key']);
  });

  it('suggests --set-string when --set typed a value meant as text', () => {
    const check = compileValidator({ type: 'object', properties: { tag: { type: 'string' } } });
    expect(check({ tag: 123n }, () => '--set tag=123')).toEqual([
      'values.tag: expected string, got integer 123 (from --set tag=123); use --set-string to pass it as text',
    ]);
    expect(check({ tag: 1000000 }, () => 'f.yaml:1:1')).toEqual(['values.tag: expected string, got number 1e+06 (from f.yaml:1:1)']);
  });

  it('names a missing or broken schema file', () => {
    expect(() => validateValues(valid(), '/nope/schema.json')).toThrow(new UserError('/nope/schema.json: no such file'));
  });
});
