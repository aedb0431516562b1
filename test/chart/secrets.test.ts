/** No credential ever reaches a ConfigMap, and nothing public is a default. */
import { describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 120_000 });
import { parse } from 'yaml';
import { engineAvailable, fixtureValues, fixtures, render } from './render.js';

/** Every string under a credential's `value` in a fixture. */
function pinnedSecrets(fixture: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('value' in o && typeof o.value === 'string' && o.value.length >= 6 && ('existingSecret' in o || 'remoteRef' in o)) out.push(o.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(parse(fixtureValues(fixture)));
  return [...new Set(out)].filter((s) => !/^(true|false)$/.test(s));
}

describe.skipIf(!engineAvailable)('secrets', () => {
  for (const fixture of fixtures) {
    it(`${fixture}: no Secret value in any ConfigMap, Deployment or Job`, () => {
      const { objects } = render(fixture);
      const secretValues = new Set<string>(pinnedSecrets(fixture));
      for (const s of objects.filter((o) => o.kind === 'Secret'))
        for (const v of Object.values(s.data ?? {})) {
          const plain = Buffer.from(String(v), 'base64').toString('utf8');
          if (plain.length >= 6) secretValues.add(plain);
        }
      const plainObjects = objects.filter((o) => o.kind !== 'Secret');
      for (const o of plainObjects) {
        const text = JSON.stringify(o);
        for (const v of secretValues) expect(text.includes(JSON.stringify(v).slice(1, -1)), `${o.kind}/${o.metadata.name} contains a secret`).toBe(false);
      }
    });
  }

  it('no fixed public default: unset credentials are generated, not the upstream defaults', () => {
    const { text } = render('defaults.yaml');
    expect(text).not.toContain(Buffer.from('dify-sandbox').toString('base64'));
    for (const pub of ['difyai123456', 'sk-9f73s3ljTXVcMT3Blb3ljTqtsKiGHXVcMT3BlbkFJLK7U', 'QaHbTe77CtuXmsfyhR7', 'lYkiYYT6owG', 'WVF5YThaHlkYwhGUSmCRgsX3tD5ngdN8pkih'])
      expect(text).not.toContain(pub);
  });

  it('the chart Secret is kept on uninstall (SECRET_KEY must never be lost silently)', () => {
    const { objects } = render('defaults.yaml');
    const secret = objects.find((o) => o.kind === 'Secret')!;
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
  });
});

describe('the generated-credentials table (src/render/credentials.ts)', () => {
  it('names, for every Secret key the templates can generate, the credential its dify.credData call reads', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { GENERATED_CREDENTIALS } = await import('../../src/render/credentials.js');
    const dir = join(import.meta.dirname, '..', '..', 'chart', 'templates');
    const calls: Record<string, string> = {};
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      // "cred" X ... "key" "K" "gen" G: X a path or (ternary LOCAL EXTERNAL cond), EXTERNAL a path or a ternary of
      // two (PostgreSQL or MySQL); G a length or (ternary N 0 cond).
      for (const m of text.matchAll(/"cred" (\(ternary root\.Values\.(\S+) (?:\S+|\(ternary [^)]*\)) \S+\)|root\.Values\.(\S+)) "key" "(\w+)" "gen" (\d+|\(ternary (\d+) 0 [^)]*\)|\(ternary (\d+) 0 \([^)]*\)\))/g)) {
        const gen = Number(m[6] ?? m[7] ?? m[5]);
        if (gen > 0) calls[m[4]!] = (m[2] ?? m[3])!;
      }
    }
    expect(calls).toEqual(GENERATED_CREDENTIALS);
  });
});
