/**
 * Long names: every object name fits 63 characters, and a StatefulSet's fits 52, since its pods
 * carry a controller-revision-hash label (the name plus 11 characters) whose value holds 63: a
 * 63-character StatefulSet is accepted by the API server but its pods are never created.
 * Through the real command line.
 */
import { describe, expect, it, vi } from 'vitest';
import { cli, fixture, parseDocs } from '../cli/run.js';

vi.setConfig({ testTimeout: 120_000 });

const FULLNAME = 'dify-production-eu-west-1-tenant-acme-corporation-internal'; // 58 characters

async function statefulSets(args: string[]): Promise<{ name: string; serviceName: string; component: string }[]> {
  const r = await cli(['render', ...args]);
  expect(r.code, r.stderr).toBe(0);
  const objects = parseDocs(r.stdout);
  for (const o of objects) expect(o.metadata.name.length, `${o.kind}/${o.metadata.name}`).toBeLessThanOrEqual(63);
  return objects
    .filter((o) => o.kind === 'StatefulSet')
    .map((o) => ({ name: o.metadata.name, serviceName: o.spec.serviceName, component: o.metadata.labels['app.kubernetes.io/component'] }));
}

describe('StatefulSet names fit 52 characters', () => {
  it(`long-names.yaml (a ${FULLNAME.length}-character fullnameOverride): shortened with a stable hash, the component kept`, async () => {
    const sets = await statefulSets(['-f', fixture('long-names.yaml')]);
    expect(sets.map((s) => s.component).sort()).toEqual(['minio', 'postgresql', 'qdrant', 'redis']);
    for (const s of sets) {
      expect(s.name.length, s.name).toBeLessThanOrEqual(52);
      // The pods' controller-revision-hash label: <name>-<10 characters>.
      expect(`${s.name}-0123456789`.length).toBeLessThanOrEqual(63);
      expect(s.name).toMatch(new RegExp(`^dify-production-eu-west-1-tenant-[a-z-]*?-?[0-9a-f]{8}-${s.component}$`));
      // The Service keeps its name (the hosts Dify connects to do not change).
      expect(s.serviceName.endsWith(`-${s.component}`)).toBe(true);
      expect(s.serviceName.length).toBeLessThanOrEqual(63);
    }
    // Stable: the same values give the same names.
    expect(await statefulSets(['-f', fixture('long-names.yaml')])).toEqual(sets);
  });

  it('two long fullnames sharing the shortened part get different StatefulSets', async () => {
    const a = await statefulSets(['-f', fixture('long-names.yaml')]);
    const b = await statefulSets(['-f', fixture('long-names.yaml'), '--set', `fullnameOverride=${FULLNAME.slice(0, -1)}y`]);
    for (const s of a) expect(b.find((t) => t.component === s.component)!.name).not.toBe(s.name);
  });

  it('names that fit are unchanged: <fullname>-<component>', async () => {
    const sets = await statefulSets(['-f', fixture('defaults.yaml')]);
    expect(sets.map((s) => s.name).sort()).toEqual(['release-name-dify-postgresql', 'release-name-dify-redis', 'release-name-dify-weaviate']);
    // At exactly 52 characters, still unchanged.
    const fits = 'a'.repeat(52 - '-postgresql'.length);
    const exact = await statefulSets(['-f', fixture('defaults.yaml'), '--set', `fullnameOverride=${fits}`]);
    expect(exact.find((s) => s.component === 'postgresql')!.name).toBe(`${fits}-postgresql`);
    const over = await statefulSets(['-f', fixture('defaults.yaml'), '--set', `fullnameOverride=${fits}a`]);
    expect(over.find((s) => s.component === 'postgresql')!.name).toMatch(/^a{32}-[0-9a-f]{8}-postgresql$/);
  });
});
