/**
 * Secrets stay secret: no credential of any fixture reaches a ConfigMap, an annotation (checksum
 * hashes aside) or stderr, of a render that succeeds or fails, with --debug or not; schema errors
 * about a credential hide its value; no render draws a credential (the chart's generator Job does,
 * in the cluster), so a render is the same bytes every time; `randAlphaNum` draws from node:crypto.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, randomInt: vi.fn(real.randomInt) };
});

import { randomInt } from 'node:crypto';
import { RenderState, renderHelpers } from '../../src/render/helpers.js';
import { cli, FIXTURES, parseDocs, PINNED, tempDir, type K8sObject } from '../cli/run.js';

const T = 180_000;
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();

/** Every credential `value` (a map with value + existingSecret/remoteRef) written in a values file. */
function credentialValues(text: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.value === 'string' && o.value.length >= 6 && ('existingSecret' in o || 'remoteRef' in o || Object.keys(o).length === 1)) {
        out.push(o.value);
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(parse(text));
  return [...new Set(out)];
}

/** The secrets of a render: the fixture's credentials plus every value of every Secret. */
function secretsOf(fixture: string, objects: K8sObject[]): string[] {
  const out = new Set(credentialValues(readFileSync(join(FIXTURES, fixture), 'utf8')));
  for (const s of objects.filter((o) => o.kind === 'Secret')) {
    for (const v of Object.values((s.data ?? {}) as Record<string, string>)) {
      const plain = Buffer.from(v, 'base64').toString('utf8');
      if (plain.length >= 6) out.add(plain);
    }
  }
  return [...out];
}

/** Runs `jobs` at most `n` at a time. */
async function pool<T>(jobs: (() => Promise<T>)[], n = 3): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

const renders = new Map<string, CliResult>();

beforeAll(async () => {
  const results = await pool(fixtures.map((f) => () => cli(['render', '-f', join(FIXTURES, f)])));
  fixtures.forEach((f, i) => renders.set(f, results[i]!));
}, T);

describe('no secret outside Secrets', () => {
  it('the fixtures pin credentials to look for', () => {
    expect(credentialValues(readFileSync(join(FIXTURES, 'strings.yaml'), 'utf8')).length).toBeGreaterThanOrEqual(5);
  });

  for (const fixture of fixtures) {
    it(`${fixture}: no secret in a ConfigMap, an annotation or stderr`, () => {
      const r = renders.get(fixture)!;
      expect(r.code, r.stderr).toBe(0);
      const objects = parseDocs(r.stdout);
      const secrets = secretsOf(fixture, objects);
      // A fixture that pins nothing has no secret in its render at all (the generator makes them in the cluster).
      const pinsNothing = credentialValues(readFileSync(join(FIXTURES, fixture), 'utf8')).length === 0;
      if (pinsNothing) expect(objects.some((o) => o.kind === 'Secret'), 'a Secret without a pinned value').toBe(false);
      else expect(secrets.length).toBeGreaterThan(0);
      const has = (text: string) => secrets.filter((s) => text.includes(s));
      for (const o of objects) {
        const where = `${o.kind}/${o.metadata.name}`;
        if (o.kind === 'ConfigMap') expect(has(JSON.stringify(o.data ?? {}) + JSON.stringify(o.binaryData ?? {})), `${where} data`).toEqual([]);
        const annotated = [o.metadata.annotations, o.spec?.template?.metadata?.annotations, o.spec?.jobTemplate?.spec?.template?.metadata?.annotations];
        for (const a of annotated) {
          for (const [k, v] of Object.entries((a ?? {}) as Record<string, string>)) {
            if (k.startsWith('checksum/')) expect(v, `${where} ${k}`).toMatch(/^[0-9a-f]{64}$/);
            else expect(has(v), `${where} annotation ${k}`).toEqual([]);
          }
        }
      }
      expect(has(r.stderr)).toEqual([]);
    });
  }
});

describe('no secret on stderr of a failing render, with or without --debug', () => {
  for (const fixture of ['strings.yaml', 'external.yaml', 'existing-secrets.yaml', 'sendgrid.yaml']) {
    it(fixture, async () => {
      const file = join(FIXTURES, fixture);
      const secrets = credentialValues(readFileSync(file, 'utf8'));
      for (const debug of [[], ['--debug']]) {
        const r = await cli(['render', '-f', file, '--set', 'web.replicaCount=bad', ...debug]);
        expect(r.stdout).toBe('');
        expect(r.code).toBe(1);
        expect(r.stderr).toBe('Error: values.web.replicaCount: expected integer, got string "bad" (from --set web.replicaCount=bad); replicaCount is a whole number of pods\n');
        for (const s of secrets) expect(r.stderr.includes(s)).toBe(false);
      }
    }, T);
  }

  it('a schema error about a credential names its kind and hides the value and the --set text', async () => {
    const f = join(tempDir('dify-secret-'), 'v.yaml');
    writeFileSync(f, 'dify:\n  secretKey:\n    value: [hunter2-in-a-list]\n');
    const cases: [string[], string][] = [
      [['--set', 'dify.secretKey.value=12345678'], 'values.dify.secretKey.value: expected string, got an integer (hidden: a secret) (from --set dify.secretKey.value=<hidden>); use --set-string to pass it as text'],
      [['--set', 'dify.secretKey=hunter2-not-a-map'], 'values.dify.secretKey: expected object, got a string (hidden: a secret) (from --set dify.secretKey=<hidden>)'],
      [['--set-json', 'redis.auth.password={"value":true}'], 'values.redis.auth.password.value: expected string, got a boolean (hidden: a secret) (from --set-json redis.auth.password=<hidden>)'],
      [['-f', f], `values.dify.secretKey.value: expected string, got a list (hidden: a secret) (from ${f}:3:5)`],
    ];
    for (const [args, line] of cases) {
      for (const debug of [[], ['--debug']]) {
        const r = await cli(['render', '-f', PINNED, ...args, ...debug]);
        expect(r.stderr).toBe(`Error: ${line}\n`);
        expect(r.stdout).toBe('');
        expect(r.code).toBe(1);
        for (const s of ['12345678', 'hunter2']) expect(r.stderr).not.toContain(s);
      }
    }
  }, T);

  it('a successful render with --debug prints nothing on stderr', async () => {
    const r = await cli(['render', '-f', join(FIXTURES, 'strings.yaml'), '--debug']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  }, T);
});

describe('generated secrets', () => {
  afterEach(() => vi.mocked(randomInt).mockClear());

  it('randAlphaNum draws every character from node:crypto randomInt, never Math.random', () => {
    const mathRandom = vi.spyOn(Math, 'random');
    const state = new RenderState();
    const s = renderHelpers(() => state).randAlphaNum!(64n) as string; // a template's literal 64 is an int
    // A draw is an impure call: the engine must not remember a partial that made it.
    expect(state.impure).toBe(1);
    expect(s).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(vi.mocked(randomInt)).toHaveBeenCalledTimes(64);
    for (const call of vi.mocked(randomInt).mock.calls) expect(call).toEqual([62]);
    expect(mathRandom).not.toHaveBeenCalled();
    mathRandom.mockRestore();
  });

  it('a render is the same bytes every time: every fixture again, stderr empty (no credential is drawn at render time)', async () => {
    for (const f of fixtures) {
      const again = await cli(['render', '-f', join(FIXTURES, f)]);
      expect(again.code, f).toBe(0);
      expect(again.stderr, f).toBe('');
      expect(again.stdout === renders.get(f)!.stdout, `${f}: a second render differs`).toBe(true);
    }
  }, T);

  it('with nothing pinned too: two renders of the defaults are identical and name the generator, not a value', async () => {
    const [a, b] = await Promise.all([cli(['render']), cli(['render'])]);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    expect(a.stdout === b.stdout).toBe(true);
    expect(vi.mocked(randomInt)).not.toHaveBeenCalled();
    expect(parseDocs(a.stdout).some((o) => o.kind === 'Job' && o.metadata.name.includes('-credentials-'))).toBe(true);
  }, T);
});
